import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFor, sha256 } from '../../../../test/fixtures/mlflow/context';
import { hexId, MlrunsWriter } from '../../../../test/fixtures/mlflow/file-store';
import { pyYaml } from '../../../../test/fixtures/mlflow/py-yaml';
import { COMMIT, TRAIN_CSV, WEIGHTS, write1xWindows, write2x, write3x } from '../../../../test/fixtures/mlflow/scenarios';
import { createMlflowDb, fillScenario } from '../../../../test/fixtures/mlflow/sqlite-store';
import { tempDirs } from '../../../../test/helpers/temp';
import type { LineageFragment } from '../model';
import { mlflowReader } from './mlflow';

const temp = tempDirs('mlflow');
afterAll(() => temp.cleanup());

async function read(root: string): Promise<LineageFragment> {
  const ctx = contextFor(root);
  expect(mlflowReader.match(ctx)).toBe(true);
  const fragment = await mlflowReader.read(ctx);
  expect(JSON.parse(JSON.stringify(fragment))).toEqual(fragment);
  return fragment;
}

function node(f: LineageFragment, key: string) {
  const n = f.nodes.find((x) => x.key === key);
  if (!n) throw new Error(`no node ${key}; have ${f.nodes.map((x) => x.key).join(', ')}`);
  return n;
}

function edge(f: LineageFragment, from: string, to: string, relation: string) {
  return f.edges.find((e) => e.from === from && e.to === to && e.relation === relation);
}

function codes(f: LineageFragment, severity?: string): string[] {
  return f.findings.filter((x) => !severity || x.severity === severity).map((x) => x.code);
}

describe('folder store, MLflow 2.x layout written on another machine', async () => {
  const root = temp.make();
  const ids = write2x(root);
  const f = await read(root);
  const run = `mlflow:run:${ids.parent}`;
  const runDir = `mlruns/1/${ids.parent}`;

  it('reads experiments, including the default one and a deleted one in .trash', () => {
    expect(node(f, 'mlflow:experiment:mlruns:0').props).toMatchObject({ name: 'Default', isDefault: true, lifecycleStage: 'active' });
    expect(node(f, 'mlflow:experiment:mlruns:1').props).toMatchObject({ name: 'cifar', tags: { 'mlflow.note.content': 'ResNet sweeps' } });
    expect(node(f, 'mlflow:experiment:mlruns:2').props).toMatchObject({ name: 'old', lifecycleStage: 'deleted' });
    expect(edge(f, `mlflow:run:${ids.trashed}`, 'mlflow:experiment:mlruns:2', 'member')).toBeDefined();
  });

  it('reads a run: params (keys with /), tags, status, times, user, source, git', () => {
    const n = node(f, run);
    expect(n.kind).toBe('run');
    expect(n.label).toBe('resnet-sweep');
    expect(n.props).toMatchObject({
      runId: ids.parent,
      experimentId: '1',
      runName: 'resnet-sweep',
      status: 'FINISHED',
      lifecycleStage: 'active',
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_060_000,
      user: 'alice',
      sourceName: 'train.py',
      gitCommit: COMMIT,
      repoURL: 'https://github.com/acme/cifar.git',
      gitBranch: 'main',
      params: { lr: '0.01', batch_size: '128', 'optim/momentum': '0.9' },
      artifactsDir: `${runDir}/artifacts`,
    });
    expect(n.evidence[0]).toEqual({ file: `${runDir}/meta.yaml`, detail: `run ${ids.parent}` });
    expect((n.props.tags as Record<string, string>)['mlflow.log-model.history']).toBeUndefined();
  });

  it('keeps final metrics and histories capped at 1000 points', () => {
    const props = node(f, run).props as { metrics: Record<string, unknown>; metricHistory: Record<string, { count: number; sampled: boolean; points: unknown[] }> };
    expect(props.metrics).toEqual({ loss: 1 / 1500, 'val/acc': 0.91 });
    expect(props.metricHistory.loss).toMatchObject({ count: 1500, sampled: true, latestStep: 1499 });
    expect(props.metricHistory.loss!.points).toHaveLength(1000);
    expect(props.metricHistory['val/acc']).toMatchObject({ count: 2, sampled: false, points: [[0, 0.5, 1_700_000_000_000], [10, 0.91, 1_700_000_001_000]] });
  });

  it('links the run to its experiment, its code revision, and a child run to its parent', () => {
    expect(edge(f, run, 'mlflow:experiment:mlruns:1', 'member')).toMatchObject({ strength: 'declared', evidence: { file: `${runDir}/meta.yaml` } });
    expect(node(f, `git:commit:${COMMIT}`).props).toMatchObject({ commit: COMMIT, repoURL: 'https://github.com/acme/cifar.git', branch: 'main' });
    expect(edge(f, `git:commit:${COMMIT}`, run, 'code')?.evidence).toEqual({ file: `${runDir}/tags/mlflow.source.git.commit`, detail: 'tag mlflow.source.git.commit (source train.py)' });
    expect(edge(f, `mlflow:run:${ids.child}`, run, 'member')?.evidence.file).toBe(`mlruns/1/${ids.child}/tags/mlflow.parentRunId`);
  });

  it('keeps a deleted run, marked deleted', () => {
    expect(node(f, `mlflow:run:${ids.deleted}`).props).toMatchObject({ lifecycleStage: 'deleted', status: 'KILLED', deletedTime: 1_700_000_120_000 });
  });

  it('relocates artifacts and makes checkpoint and dataset files into digest-carrying nodes', () => {
    const ckpt = node(f, `file:${runDir}/artifacts/checkpoints/epoch_10.safetensors`);
    expect(ckpt.kind).toBe('checkpoint');
    expect(ckpt.files).toEqual([{ path: `${runDir}/artifacts/checkpoints/epoch_10.safetensors`, size: WEIGHTS.length, digests: [{ algorithm: 'sha256', value: sha256(WEIGHTS) }] }]);
    expect(edge(f, run, ckpt.key, 'output')).toBeDefined();
    expect(node(f, `file:${runDir}/artifacts/eval/preds.csv`).kind).toBe('dataset');
    expect(f.nodes.some((n) => n.key.endsWith('loss.png'))).toBe(false);
  });

  it('reads the MLflow model directory: flavors, weights, and its environment', () => {
    const model = node(f, `mlflow:model:${ids.parent}/model`);
    expect(model.kind).toBe('checkpoint');
    expect(model.props).toMatchObject({ flavors: ['python_function', 'sklearn'], flavorDetails: { sklearn: { sklearn_version: '1.3.0', pickled_model: 'model.pkl' } }, mlflowVersion: '2.9.2', artifactPath: 'model' });
    expect(model.files.map((x) => x.path)).toEqual([`${runDir}/artifacts/model/MLmodel`, `${runDir}/artifacts/model/model.pkl`]);
    expect(node(f, `file:${runDir}/artifacts/model/model.pkl`).kind).toBe('checkpoint');
    expect(edge(f, run, model.key, 'output')).toBeDefined();
    const env = node(f, `mlflow:environment:${runDir}/artifacts/model`);
    expect(env.props).toMatchObject({ python: '3.10.12', pinned: { mlflow: '2.9.2', cloudpickle: '2.2.1', 'scikit-learn': '1.3.0' }, unpinned: ['numpy>=1.24'], files: ['requirements.txt', 'conda.yaml', 'python_env.yaml'] });
    expect(edge(f, env.key, run, 'environment')).toBeDefined();
    expect(edge(f, env.key, model.key, 'environment')).toBeDefined();
  });

  it('reads dataset inputs with their digest, source and profile, joined to the copied source file', () => {
    const ds = node(f, 'mlflow:dataset:8a1f2b3c:cifar-train');
    expect(ds.props).toMatchObject({ name: 'cifar-train', digest: '8a1f2b3c', sourceType: 'local', source: { uri: '/home/alice/proj/data/train.csv' }, profile: { num_rows: 2, num_elements: 4 } });
    expect(ds.files).toEqual([{ path: 'data/train.csv', size: TRAIN_CSV.length, digests: [{ algorithm: 'sha256', value: sha256(TRAIN_CSV) }] }]);
    expect(edge(f, ds.key, run, 'input')?.evidence.detail).toContain('(context training)');
  });

  it('reads the registry: versions, stages, aliases from files and inline, version-of and registered edges', () => {
    const v1 = node(f, 'mlflow:model-version:mlruns:cifar-resnet:v1');
    expect(v1.props).toMatchObject({ name: 'cifar-resnet', version: 1, stage: 'Production', status: 'READY', aliases: ['champion'], runId: ids.parent, source: `file:///home/alice/proj/mlruns/1/${ids.parent}/artifacts/model` });
    expect(node(f, 'mlflow:registered-model:mlruns:cifar-resnet').props).toMatchObject({ aliases: { champion: '1' }, tags: { task: 'vision' } });
    expect(edge(f, v1.key, 'mlflow:registered-model:mlruns:cifar-resnet', 'registered')).toBeDefined();
    expect(edge(f, run, v1.key, 'version-of')).toBeDefined();
    expect(edge(f, `mlflow:model:${ids.parent}/model`, v1.key, 'version-of')).toBeDefined();
    expect(f.nodes.some((n) => n.key === 'mlflow:model-version:mlruns:cifar-resnet:v2')).toBe(false);
    const small = node(f, 'mlflow:model-version:mlruns:cifar-small:v1');
    expect(small.props.aliases).toEqual(['staging']);
    // Prompts kept as registered models are not models.
    expect(f.nodes.some((n) => n.key.includes('summarize-prompt'))).toBe(false);
    expect(f.findings.find((x) => x.code === 'mlflow-prompts-skipped')?.message).toMatch(/1 prompt .*summarize-prompt/);
    // A version's own aliases: list is a snapshot from its last meta.yaml write; the model's aliases decide.
    expect(node(f, 'mlflow:model-version:mlruns:cifar-small:v2').props.aliases).toEqual([]);
    expect(node(f, 'mlflow:registered-model:mlruns:cifar-small').props.aliases).toEqual({ staging: '1' });
    expect(edge(f, `mlflow:model:${ids.parent}/model`, small.key, 'version-of')?.evidence.detail).toBe(`source runs:/${ids.parent}/model`);
  });

  it('reports nothing wrong with a healthy store', () => {
    expect(codes(f, 'error')).toEqual([]);
    expect(codes(f, 'warning')).toEqual([]);
  });
});

describe('folder store, MLflow 1.x layout written on Windows', async () => {
  const root = temp.make();
  const { run } = write1xWindows(root);
  const f = await read(root);

  it('relocates bare Windows paths and names the run from its tag', () => {
    const n = node(f, `mlflow:run:${run}`);
    expect(n.label).toBe('legacy-train');
    expect(n.props).toMatchObject({ artifactsDir: `mlruns/0/${run}/artifacts`, sourceName: 'C:\\Users\\bob\\proj\\train.py', metrics: { loss: 0.7 } });
    expect((n.props.metricHistory as Record<string, { points: unknown }>).loss!.points).toEqual([[0, 0.9, 1546300800000], [1, 0.7, 1546300801000]]);
  });

  it('finds the PyTorch model, its weights folder, and the version registered from a Windows path', () => {
    const model = node(f, `mlflow:model:${run}/torch-model`);
    expect(model.props.flavors).toEqual(['python_function', 'pytorch']);
    expect(node(f, `file:mlruns/0/${run}/artifacts/torch-model/data/model.pth`).kind).toBe('checkpoint');
    const v = node(f, 'mlflow:model-version:mlruns:legacy:v1');
    expect(v.props).toMatchObject({ stage: 'Staging', aliases: [] });
    // 1.x deleted an experiment by moving it to .trash, its meta.yaml left saying active.
    expect(node(f, 'mlflow:experiment:mlruns:3').props).toMatchObject({ name: 'scratch', lifecycleStage: 'deleted' });
    expect(edge(f, model.key, v.key, 'version-of')?.evidence.detail).toMatch(/^source C:\\Users\\bob/);
  });
});

describe('folder store, MLflow 3.x layout with logged models', async () => {
  const root = temp.make();
  const ids = write3x(root);
  const f = await read(root);
  const model = `mlflow:logged-model:${ids.modelId}`;
  const run = `mlflow:run:${ids.run}`;

  it('reads the logged model: status, params, tags, metrics with the run that logged them, flavors', () => {
    const n = node(f, model);
    expect(n.kind).toBe('checkpoint');
    expect(n.props).toMatchObject({ modelId: ids.modelId, name: 'sft-model', status: 'READY', sourceRunId: ids.run, params: { lora_rank: '16' }, tags: { 'mlflow.user': 'dana' }, metrics: { accuracy: 0.85 }, flavors: ['python_function', 'pytorch'] });
    expect((n.props.metricHistory as Record<string, unknown>).accuracy).toMatchObject({ count: 2, runIds: [ids.run] });
    expect(n.files.map((x) => x.path)).toContain(`mlruns/184467440737095516/models/${ids.modelId}/artifacts/data/model.pth`);
  });

  it('links run → logged model (outputs/ and source_run_id) and the weights to the run', () => {
    expect(edge(f, run, model, 'output')).toBeDefined();
    expect(edge(f, run, `file:mlruns/184467440737095516/models/${ids.modelId}/artifacts/data/model.pth`, 'output')).toBeDefined();
    expect(edge(f, `mlflow:environment:mlruns/184467440737095516/models/${ids.modelId}/artifacts`, model, 'environment')).toBeDefined();
  });

  it('reads 5-field run metric lines (with a dataset)', () => {
    expect((node(f, run).props.metricHistory as Record<string, unknown>).eval_loss).toMatchObject({ dataset: { name: 'eval-set', digest: '77aa88bb' } });
  });

  it('does not take a Hugging Face dataset path for a store folder, and notes artifacts left on S3', () => {
    expect(node(f, 'mlflow:dataset:0badc0de:alpaca')).toMatchObject({ files: [], props: { sourceType: 'huggingface', source: { path: 'mlruns', split: 'train' } } });
    expect(f.findings.find((x) => x.code === 'mlflow-artifacts-remote')).toMatchObject({ path: `mlruns/184467440737095516/${ids.remoteRun}/meta.yaml`, severity: 'info' });
    expect(node(f, `mlflow:run:${ids.remoteRun}`).props.artifactsDir).toBeUndefined();
  });

  it('resolves a models:/m-<id> version source to the logged model', () => {
    const v = node(f, 'mlflow:model-version:mlruns:sft:v1');
    expect(v.props).toMatchObject({ modelId: ids.modelId, aliases: ['prod'] });
    expect(edge(f, model, v.key, 'version-of')).toBeDefined();
    expect(codes(f, 'warning')).toEqual([]);
  });
});

describe('SQLite store', () => {
  it('reads a 2.x mlflow.db read-only: runs, metrics, datasets, registry; artifacts relocated under mlartifacts/', async () => {
    const root = temp.make();
    const db = createMlflowDb(join(root, 'mlflow.db'), '2.x');
    const ids = fillScenario(db, '2.x');
    db.close();
    const w = new MlrunsWriter({ dir: join(root, 'mlartifacts'), writtenAt: '/srv/mlflow/mlartifacts', generation: '2.x' });
    w.modelDir(`7/${ids.runId}/artifacts/model`, { runId: ids.runId, artifactPath: 'model' });
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data/train.parquet'), 'PAR1');
    const before = readdirSync(root).sort();
    const f = await read(root);
    expect(readdirSync(root).sort()).toEqual(before);

    const run = `mlflow:run:${ids.runId}`;
    const n = node(f, run);
    expect(n.evidence[0]).toEqual({ file: 'mlflow.db', detail: `mlflow.db: table runs, run_uuid ${ids.runId}` });
    expect(n.props).toMatchObject({ runName: 'resnet-train', status: 'FINISHED', user: 'carol', params: { lr: '0.1', epochs: '90' }, metrics: { loss: 1 / 2500, val_acc: 'NaN' }, artifactsDir: `mlartifacts/7/${ids.runId}/artifacts` });
    expect((n.props.metricHistory as Record<string, { points: unknown[]; count: number }>).loss).toMatchObject({ count: 2500 });
    expect((n.props.metricHistory as Record<string, { points: unknown[] }>).loss!.points).toHaveLength(1000);
    expect(node(f, 'mlflow:experiment:mlflow.db:7').props).toMatchObject({ name: 'imagenet', tags: { team: 'vision' } });
    expect(edge(f, run, 'mlflow:experiment:mlflow.db:7', 'member')).toBeDefined();
    expect(edge(f, `mlflow:run:${ids.childRunId}`, run, 'member')?.evidence.detail).toBe(`mlflow.db: table tags, run_uuid ${ids.childRunId}, key mlflow.parentRunId`);
    expect(node(f, `mlflow:run:${ids.deletedRunId}`).props).toMatchObject({ lifecycleStage: 'deleted', status: 'KILLED' });
    expect(edge(f, 'git:commit:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', run, 'code')).toBeDefined();

    const ds = node(f, 'mlflow:dataset:6f1ed002:imagenet-train');
    expect(ds.props).toMatchObject({ profile: { num_rows: 1281167 } });
    expect(ds.files.map((x) => x.path)).toEqual(['data/train.parquet']);
    expect(edge(f, ds.key, run, 'input')?.evidence.detail).toMatch(/table inputs, .* \(context training\)$/);

    const v1 = node(f, 'mlflow:model-version:mlflow.db:resnet:v1');
    expect(v1.props).toMatchObject({ version: 1, stage: 'Production', aliases: ['champion'], tags: { validated: 'true' } });
    expect(f.nodes.some((x) => x.key === 'mlflow:model-version:mlflow.db:resnet:v2')).toBe(false);
    expect(edge(f, `mlflow:model:${ids.runId}/model`, v1.key, 'version-of')).toBeDefined();
    expect(edge(f, run, v1.key, 'version-of')).toBeDefined();
    expect(codes(f, 'warning')).toEqual([]);
    expect(codes(f, 'error')).toEqual([]);
  });

  it('reads a 3.x database in WAL mode from a snapshot, leaving no -wal/-shm files in the store', async () => {
    const root = temp.make();
    const db = createMlflowDb(join(root, 'mlflow.db'), '3.x', { wal: true });
    const ids = fillScenario(db, '3.x');
    db.close();
    new MlrunsWriter({ dir: join(root, 'mlartifacts'), writtenAt: '/srv/mlflow/mlartifacts', generation: '3.x' }).modelDir(`7/models/${ids.modelId}/artifacts`, { modelId: ids.modelId, flavor: 'pytorch' });
    const before = readdirSync(root).sort();
    expect(before).toEqual(['mlartifacts', 'mlflow.db']);
    const f = await read(root);
    expect(readdirSync(root).sort()).toEqual(before);
    const model = `mlflow:logged-model:${ids.modelId}`;
    expect(node(f, model).props).toMatchObject({ name: 'resnet50', status: 'READY', params: { depth: '50' }, metrics: { top1: 0.76 }, flavors: ['python_function', 'pytorch'], artifactsDir: `mlartifacts/7/models/${ids.modelId}/artifacts` });
    expect((node(f, model).props.metricHistory as Record<string, unknown>).top1).toMatchObject({ runIds: [ids.runId], dataset: { name: 'imagenet-train', digest: '6f1ed002' } });
    expect(edge(f, `mlflow:run:${ids.runId}`, `file:mlartifacts/7/models/${ids.modelId}/artifacts/data/model.pth`, 'output')).toBeDefined();
    expect(edge(f, `mlflow:run:${ids.runId}`, model, 'output')).toBeDefined();
    expect(edge(f, model, 'mlflow:model-version:mlflow.db:resnet:v1', 'version-of')?.evidence.detail).toBe(`source models:/${ids.modelId}`);
  });

  it('reports a schema from a newer MLflow and still reads the tables it shares', async () => {
    const root = temp.make();
    const db = createMlflowDb(join(root, 'mlflow.db'), '3.x', { revision: 'ffffffffffff' });
    db.exec('ALTER TABLE runs ADD COLUMN workspace VARCHAR(64); CREATE TABLE future_things (x INTEGER);');
    const ids = fillScenario(db, '3.x');
    db.close();
    const f = await read(root);
    const finding = f.findings.find((x) => x.code === 'mlflow-db-schema-unknown');
    expect(finding).toMatchObject({ path: 'mlflow.db', severity: 'info' });
    expect(finding?.message).toContain('ffffffffffff');
    expect(node(f, `mlflow:run:${ids.runId}`).props.runName).toBe('resnet-train');
  });

  it('reports a database without an alembic stamp, and one with columns missing', async () => {
    const root = temp.make();
    const db = createMlflowDb(join(root, 'mlflow.db'), '2.x', { revision: null });
    fillScenario(db, '2.x');
    db.exec('ALTER TABLE runs DROP COLUMN source_name');
    db.close();
    const f = await read(root);
    expect(codes(f)).toEqual(expect.arrayContaining(['mlflow-db-no-alembic-version', 'mlflow-db-columns-missing']));
    expect(f.nodes.filter((n) => n.kind === 'run')).toHaveLength(3);
  });

  it('turns a database locked by a writer into a finding, and reads the rest of the store', async () => {
    const root = temp.make();
    write3x(root);
    const db = createMlflowDb(join(root, 'mlflow.db'), '2.x');
    fillScenario(db, '2.x');
    db.exec('BEGIN EXCLUSIVE');
    try {
      const f = await read(root);
      expect(f.findings.find((x) => x.code === 'mlflow-db-locked')).toMatchObject({ path: 'mlflow.db', severity: 'error' });
      expect(f.nodes.some((n) => n.key.startsWith('mlflow:logged-model:'))).toBe(true);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
  });

  it('reports a file named mlflow.db that is not SQLite', async () => {
    const root = temp.make();
    writeFileSync(join(root, 'mlflow.db'), 'not a database at all, just text padding it out past one hundred bytes...........................');
    const f = await read(root);
    expect(codes(f)).toEqual(['mlflow-db-not-sqlite']);
  });
});

describe('bad input becomes findings on the file, and the read goes on', async () => {
  const root = temp.make();
  const w = new MlrunsWriter({ dir: join(root, 'mlruns'), writtenAt: '/home/eve/mlruns', generation: '2.x' });
  const good = hexId('bad-good');
  const noFields = hexId('bad-nofields');
  const bomb = hexId('bad-bomb');
  const deep = hexId('bad-deep');
  w.experiment('0', 'Default');
  w.write('1/meta.yaml', Buffer.concat([Buffer.from("artifact_location: /home/eve/mlruns/1\nexperiment_id: '1'\nlifecycle_stage: active\nname: caf"), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
  const g = w.run('1', good, { name: 'good' });
  w.write(`${g}/metrics/loss`, '1700000000000 0.5 0\n1700000001000 zero 1\n1700000002000 0.25 2\n17000000030');
  w.write(`${g}/artifacts/model/MLmodel`, '- just\n- a list\n');
  w.write(`${g}/inputs/0123456789abcdef0123456789abcdef/meta.yaml`, pyYaml({ destination_id: 'x', destination_type: 'RUN', source_id: 'ffffffffffffffffffffffffffffffff', source_type: 'DATASET', tags: {} }));
  w.write(`1/${noFields}/meta.yaml`, pyYaml({ lifecycle_stage: 'active', status: 3, start_time: 1 }));
  w.write(`1/${bomb}/meta.yaml`, `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nrun_uuid: ${bomb}\n`);
  w.write(`1/${deep}/meta.yaml`, `run_uuid: ${deep}\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  w.registeredModel('broken');
  w.write('models/broken/version-1/meta.yaml', pyYaml({ name: 'broken', version: 1, current_stage: 'None' }));
  const f = await read(root);
  const at = (path: string) => f.findings.filter((x) => x.path === path).map((x) => x.code);

  it('reads a meta.yaml with invalid UTF-8, reporting it', () => {
    expect(at('mlruns/1/meta.yaml')).toEqual(['mlflow-invalid-utf8']);
    expect(node(f, 'mlflow:experiment:mlruns:1').props.name).toBe('caf\uFFFD\uFFFD');
  });

  it('reads a run whose meta.yaml lacks its ids from the folder, reporting the missing fields', () => {
    expect(at(`mlruns/1/${noFields}/meta.yaml`)).toEqual(['mlflow-meta-missing-field']);
    expect(f.findings.find((x) => x.path === `mlruns/1/${noFields}/meta.yaml`)?.message).toBe('the meta.yaml has no run_id (or run_uuid), experiment_id');
    expect(node(f, `mlflow:run:${noFields}`).props).toMatchObject({ experimentId: '1', status: 'FINISHED' });
  });

  it('refuses an alias bomb and deep nesting, skipping only those runs', () => {
    expect(at(`mlruns/1/${bomb}/meta.yaml`)).toEqual(['mlflow-yaml-aliases']);
    expect(at(`mlruns/1/${deep}/meta.yaml`)).toEqual(['mlflow-yaml-too-deep']);
    expect(f.nodes.some((n) => n.key === `mlflow:run:${bomb}` || n.key === `mlflow:run:${deep}`)).toBe(false);
    expect(node(f, `mlflow:run:${good}`).label).toBe('good');
  });

  it('skips a bad metric line and a truncated last one, keeping the rest', () => {
    const path = `mlruns/1/${good}/metrics/loss`;
    expect(at(path)).toEqual(['mlflow-metric-line-invalid', 'mlflow-metric-line-truncated']);
    expect(f.findings.find((x) => x.code === 'mlflow-metric-line-invalid')?.message).toBe('line 2: value "zero" is not a number; it was skipped');
    expect(f.findings.find((x) => x.code === 'mlflow-metric-line-truncated')?.message).toMatch(/^line 4 is cut short/);
    expect(node(f, `mlflow:run:${good}`).props.metrics).toEqual({ loss: 0.25 });
  });

  it('reports an MLmodel that is not a mapping, a missing dataset, and a version without a source', () => {
    expect(at(`mlruns/1/${good}/artifacts/model/MLmodel`)).toEqual(['mlflow-mlmodel-invalid']);
    expect(at(`mlruns/1/${good}/inputs/0123456789abcdef0123456789abcdef/meta.yaml`)).toEqual(['mlflow-dataset-missing']);
    expect(at('mlruns/models/broken/version-1/meta.yaml')).toEqual(['mlflow-meta-missing-field']);
    expect(node(f, 'mlflow:model-version:mlruns:broken:v1').props.version).toBe(1);
  });
});

describe('match', () => {
  it('is false for a tree with nothing of MLflow in it', () => {
    const files = new Map([['data/meta.yaml', { size: 1, sha256: null, md5: null }], ['cache.db', { size: 1, sha256: null, md5: null }], ['models/x/config.json', { size: 1, sha256: null, md5: null }]]);
    expect(mlflowReader.match({ root: '/x', files })).toBe(false);
  });

  it('is true for a run folder, a registry version, or an mlflow.db anywhere in the store', () => {
    const one = (p: string) => ({ root: '/x', files: new Map([[p, { size: 1, sha256: null, md5: null }]]) });
    expect(mlflowReader.match(one(`exp/mlruns/3/${hexId('m')}/meta.yaml`))).toBe(true);
    expect(mlflowReader.match(one('mlruns/models/resnet/version-4/meta.yaml'))).toBe(true);
    expect(mlflowReader.match(one('server/mlflow.db'))).toBe(true);
  });
});
