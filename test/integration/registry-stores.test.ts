import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import type { WritableDb } from '../../src/main/db/connection';
import { replaceStoreLineage } from '../../src/main/db/lineage';
import { mergeFragments } from '../../src/main/lineage/merge';
import type { LineageEdge, LineageFragment, LineageNode } from '../../src/main/lineage/model';
import { createRegistry, type Registry } from '../../src/main/registry';
import { registryMethods } from '../../src/shared/registry';
import { tempDirs } from '../helpers/temp';
import { openWorkspace } from '../helpers/workspace';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function registryState(db: WritableDb): string {
  return JSON.stringify(['registry_models', 'registry_versions', 'registry_aliases', 'registry_audit'].map((t) => db.raw.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
}

const ev = { file: 'mlruns/models/churn/meta.yaml' };
const node = (key: string, kind: LineageNode['kind'], label: string, props: Record<string, unknown>, files: string[] = []): LineageNode => ({ key, kind, label, props, files: files.map((path) => ({ path })), evidence: [ev] });
const edge = (from: string, to: string, relation: LineageEdge['relation']): LineageEdge => ({ from, to, relation, strength: 'declared', evidence: ev });

/** What the MLflow reader makes of a folder store's registry (props as its emitter names them). */
function mlflowFragment(opts: { v2Stage: string; withV1: boolean; withV3: boolean; champion: string }): LineageFragment {
  const rm = 'mlflow:registered-model:mlruns:churn';
  const version = (n: number, stage: string, aliases: string[]) => node(`mlflow:model-version:mlruns:churn:v${n}`, 'model-version', `churn v${n}`, { name: 'churn', version: n, stage, status: 'READY', aliases, source: `runs:/r${n}/model`, runId: `r${n}`, userId: 'ann', creationTime: 1_700_000_000_000 + n });
  const nodes: LineageNode[] = [
    node(rm, 'registered-model', 'churn', { name: 'churn', description: 'predicts churn', tags: { team: 'growth' }, aliases: { champion: opts.champion }, store: 'mlruns' }),
    node('file:data/train.csv', 'dataset', 'train.csv', {}, ['data/train.csv']),
    node('mlflow:registered-model:mlruns:My Model', 'registered-model', 'My Model', { name: 'My Model' }),
    node('mlflow:registered-model:mlruns:taken', 'registered-model', 'taken', { name: 'taken' }),
    node('mlflow:model-version:mlruns:taken:v1', 'model-version', 'taken v1', { name: 'taken', version: 1, stage: 'None' }),
  ];
  const edges: LineageEdge[] = [edge('mlflow:model-version:mlruns:taken:v1', 'mlflow:registered-model:mlruns:taken', 'registered')];
  const versions: [number, string, string[]][] = [];
  if (opts.withV1) versions.push([1, 'Archived', []]);
  versions.push([2, opts.v2Stage, opts.champion === '2' ? ['champion'] : []]);
  if (opts.withV3) versions.push([3, 'Production', opts.champion === '3' ? ['champion'] : []]);
  for (const [n, stage, aliases] of versions) {
    const v = version(n, stage, aliases);
    const run = `mlflow:run:r${n}`;
    const model = `mlflow:run-model:r${n}:model`;
    nodes.push(v, node(run, 'run', `run r${n}`, { status: 'FINISHED' }, [`mlruns/0/r${n}/meta.yaml`]), node(model, 'checkpoint', `model (run r${n})`, {}, [`mlruns/0/r${n}/artifacts/model/model.pkl`, ...(n === 2 ? [`mlruns/0/r${n}/artifacts/model/README.md`] : [])]));
    edges.push(edge(v.key, rm, 'registered'), edge(run, v.key, 'version-of'), edge(model, v.key, 'version-of'), edge(run, model, 'output'), edge('file:data/train.csv', run, 'input'));
  }
  return { reader: 'mlflow', nodes, edges, findings: [] };
}

/** What the GTO reader makes of a repository's tags (props as it names them). */
function gtoFragment(): LineageFragment {
  const rm = 'artifact:clf';
  const v = (version: string, props: Record<string, unknown>, files: string[] = []) => node(`${rm}@${version}`, 'model-version', `clf@${version}`, { artifact: 'clf', version, registered: true, stageHistory: [], stages: [], ...props }, files);
  const nodes = [
    node(rm, 'registered-model', 'clf', { name: 'clf', description: 'tabular classifier', labels: ['tabular', 'prod-ready'], deprecated: false, stages: { prod: 'v1.1.0', dev: 'v1.0.0' } }),
    v('v1.1.0', { commit: 'c2', tag: 'clf@v1.1.0', registeredAt: '2024-03-01T00:00:00Z', tagger: 'gus', stages: ['prod'], stageHistory: [{ stage: 'prod', action: 'assign', tag: 'clf#prod#1' }] }),
    v('v0.9.0', { commit: 'c0', tag: 'clf@v0.9.0', registeredAt: '2024-01-01T00:00:00Z', deregistered: { at: '2024-02-15T00:00:00Z', tag: 'clf@v0.9.0!' } }),
    v('v1.0.0', { commit: 'c1', tag: 'clf@v1.0.0', registeredAt: '2024-02-01T00:00:00Z', stages: ['dev'] }),
    node('file:models/clf.pkl', 'checkpoint', 'clf.pkl', {}, ['models/clf.pkl']),
    node('git:commit:c2', 'code', 'c2', { commit: 'c2' }),
  ];
  const edges = [edge(`${rm}@v1.1.0`, rm, 'registered'), edge(`${rm}@v0.9.0`, rm, 'registered'), edge(`${rm}@v1.0.0`, rm, 'registered'), edge('file:models/clf.pkl', `${rm}@v1.1.0`, 'version-of'), edge('git:commit:c2', `${rm}@v1.1.0`, 'code')];
  return { reader: 'gto', nodes, edges, findings: [] };
}

describe('importing the registries stores hold', () => {
  const temp = tempDirs('registry-stores');
  let ws: Workspace;
  let r: Registry;
  let ml: { id: number; path: string };
  let repo: { id: number; path: string };

  const write = (root: string, rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const settle = async () => (ws as unknown as { idle?: () => Promise<void> }).idle?.();

  beforeAll(async () => {
    const dir = temp.make();
    const mlDir = join(dir, 'ml');
    write(mlDir, 'data/train.csv', 'a,b\n');
    for (const n of [1, 2, 3]) {
      write(mlDir, `mlruns/0/r${n}/meta.yaml`, `run_id: r${n}\n`);
      write(mlDir, `mlruns/0/r${n}/artifacts/model/model.pkl`, `pickle ${n}`);
    }
    write(mlDir, 'mlruns/0/r2/artifacts/model/README.md', '# churn v2\n');
    const repoDir = join(dir, 'repo');
    write(repoDir, 'models/clf.pkl', 'clf weights');
    ws = openWorkspace(join(dir, 'ws.db'));
    for (const d of [mlDir, repoDir]) await ws.addStore({ path: d }).scan!.done;
    await settle();
    const stores = ws.listStores();
    ml = stores.find((s) => s.name === 'ml')!;
    repo = stores.find((s) => s.name === 'repo')!;
    replaceStoreLineage(ws.db, ml.id, mergeFragments([mlflowFragment({ v2Stage: 'Production', withV1: true, withV3: false, champion: '2' })]));
    replaceStoreLineage(ws.db, repo.id, mergeFragments([gtoFragment()]));
    write(dir, 'local/taken.bin', 'mine');
    const local = ws.addStore({ path: join(dir, 'local') });
    await local.scan!.done;
    await settle();
    let t = 0;
    r = createRegistry(ws.db, { actor: 'importer', now: () => new Date(Date.UTC(2025, 5, 1) + 1000 * t++).toISOString() });
    r.register({ name: 'taken', paths: [join(realpathSync(dir), 'local', 'taken.bin')] });
  });
  afterAll(async () => {
    await ws.close();
    temp.cleanup();
  });

  it('makes MLflow registered models, keeping their names, version numbers, stages, aliases, tags and source runs', () => {
    const res = r.importFromStores();
    expect(res.changed).toBe(true);
    const churn = r.show('churn');
    expect(churn).toMatchObject({ source: 'mlflow', sourceStore: ml.path, sourceName: 'churn', description: 'predicts churn', tags: { team: 'growth' } });
    expect(churn.versions.map((v) => [v.number, v.name, v.label, v.stage, v.source])).toEqual([
      [1, '1', 'v1', 'archived', 'mlflow'],
      [2, '2', 'v2', 'production', 'mlflow'],
    ]);
    expect(churn.aliases.map((a) => [a.alias, a.version])).toEqual([['champion', '2']]);
    const [v1, v2] = churn.versions;
    // the model's files are pinned, the run's records are not
    expect(v1!.files).toEqual([{ store: ml.path, path: 'mlruns/0/r1/artifacts/model/model.pkl', size: 8, sha256: sha256('pickle 1') }]);
    expect(v2!.files.map((f) => f.path)).toEqual(['mlruns/0/r2/artifacts/model/README.md', 'mlruns/0/r2/artifacts/model/model.pkl']);
    expect(v2!.card).toMatchObject({ path: 'mlruns/0/r2/artifacts/model/README.md', text: '# churn v2\n' });
    expect(v1!.sourceState).toMatchObject({ runId: 'r1', status: 'READY', user: 'ann', stages: ['Archived'], inSource: true });
    expect(v1!.links.runs.map((x) => x.label)).toEqual(['run r1']);
    expect(v1!.links.data.map((x) => x.label)).toEqual(['train.csv']);
    expect(v1!.integrity.status).toBe('intact');
    expect(r.log({ name: 'churn' }).map((e) => [e.action, e.origin, e.actor])).toEqual([
      ['model.create', 'mlflow', 'importer'],
      ['version.register', 'mlflow', 'importer'],
      ['version.register', 'mlflow', 'importer'],
      ['alias.set', 'mlflow', 'importer'],
    ]);
  });

  it('makes GTO artifacts registered models: versions in order, stage assignments, deprecations, labels', () => {
    const clf = r.show('clf');
    expect(clf).toMatchObject({ source: 'gto', sourceStore: repo.path, description: 'tabular classifier', tags: { labels: 'tabular,prod-ready' } });
    expect(clf.versions.map((v) => [v.number, v.label, v.stage])).toEqual([
      [1, 'v0.9.0', 'archived'],
      [2, 'v1.0.0', 'none'],
      [3, 'v1.1.0', 'production'],
    ]);
    const [v090, v100, v110] = clf.versions;
    expect(v090!.sourceState).toMatchObject({ deprecated: true, commit: 'c0' });
    expect(v100!.sourceState).toMatchObject({ stages: ['dev'], unmappedStages: ['dev'] });
    expect(v110!.files).toEqual([{ store: repo.path, path: 'models/clf.pkl', size: 11, sha256: sha256('clf weights') }]);
    expect(v110!.sourceState).toMatchObject({ commit: 'c2', tag: 'clf@v1.1.0', user: 'gus' });
    expect(v110!.links.code).toEqual([expect.objectContaining({ key: 'git:commit:c2' })]);
    // versions are referred to by the source's own names
    expect(r.setStage({ name: 'clf', version: 'v1.0.0', stage: 'none' }).version.number).toBe(2);
  });

  it('makes an invalid source name valid, and skips a model whose name is taken, saying why', () => {
    expect(r.show('My-Model')).toMatchObject({ source: 'mlflow', sourceName: 'My Model', versionCount: 0 });
    expect(r.show('taken').source).toBe('local');
    expect(r.show('taken').versionCount).toBe(1);
  });

  it('changes nothing when run again on unchanged stores', () => {
    const before = registryState(ws.db);
    const res = r.importFromStores();
    expect(res.changed).toBe(false);
    expect(res.skipped).toEqual([{ what: `MLflow model "taken" in ${ml.path}`, reason: 'the name "taken" is taken by a model registered here' }]);
    expect(registryState(ws.db)).toBe(before);
  });

  it('keeps a stage set here until the source changes it', () => {
    r.setStage({ name: 'churn', version: '2', stage: 'staging' });
    r.importFromStores();
    expect(r.show('churn').versions[1]!.stage).toBe('staging');
  });

  it('applies what changed at the source: stage, a new version, a moved alias, a version no longer listed', () => {
    replaceStoreLineage(ws.db, ml.id, mergeFragments([mlflowFragment({ v2Stage: 'Archived', withV1: false, withV3: true, champion: '3' })]));
    const res = r.importFromStores({ storeId: ml.id });
    const report = res.models.find((m) => m.name === 'churn')!;
    expect(report.versionsAdded).toEqual(['v3']);
    const churn = r.show('churn');
    expect(churn.versions.map((v) => [v.label, v.stage, v.sourceState.inSource])).toEqual([
      ['v1', 'archived', false],
      ['v2', 'archived', true],
      ['v3', 'production', true],
    ]);
    expect(churn.aliases.map((a) => [a.alias, a.version])).toEqual([['champion', '3']]);
    const log = r.log({ name: 'churn' }).slice(-6).filter((e) => e.origin === 'mlflow');
    expect(log.map((e) => e.action)).toEqual(expect.arrayContaining(['version.register', 'stage.set', 'alias.set', 'version.source-update']));
    expect(log.find((e) => e.action === 'alias.set')).toMatchObject({ before: { version: '2' }, after: { version: '3' } });
    expect(log.find((e) => e.action === 'stage.set')).toMatchObject({ version: '2', before: { stage: 'staging' }, after: { stage: 'archived' } });
  });

  it('refuses to number new versions of an imported model here', () => {
    const before = registryState(ws.db);
    expect(() => r.register({ name: 'churn', paths: [join(ml.path, 'data', 'train.csv')] })).toThrow(/"churn" is read from the MLflow registry in .*: register its versions there and run `pedigree registry import-stores`/);
    expect(registryState(ws.db)).toBe(before);
  });

  it('exports and re-imports imported models like any other', () => {
    const doc = r.exportDocument();
    expect(doc.models.find((m) => m.name === 'churn')).toMatchObject({ source: 'mlflow', sourceRef: 'mlflow:registered-model:mlruns:churn' });
    expect(r.importDocument(JSON.stringify(doc)).changed).toBe(false);
  });

  it('answers in the shapes the API contract declares', () => {
    const parse = (m: keyof typeof registryMethods, value: unknown) => expect(registryMethods[m].result.safeParse(value).error).toBeUndefined();
    parse('listRegisteredModels', r.list());
    for (const m of r.list()) parse('getRegisteredModel', r.show(m.name));
    parse('listRegistryAudit', r.log());
    parse('exportRegistry', r.exportDocument());
    parse('importStoreRegistries', r.importFromStores());
    parse('setRegistryStage', r.setStage({ name: 'clf', version: 'v1.0.0', stage: 'staging' }));
    parse('setRegistryAlias', r.setAlias({ name: 'clf', version: 'v1.0.0', alias: 'candidate' }));
  });
});
