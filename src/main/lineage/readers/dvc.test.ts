import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDvcProject, buildHostileProject, buildLegacyProject, md5, MODEL, preparedListing, RAW, TEST_PART } from '../../../../test/fixtures/dvc/project';
import { contextFor, edgesBetween, findingCodes, node, readStore } from '../../../../test/fixtures/plain/context';
import { tempDirs } from '../../../../test/helpers/temp';
import { dvcReader } from './dvc';
import { PyFloat } from './plain/safe-yaml';
import { expandForeach, expandMatrix, interpolate, pyFloat, toStr } from './dvc/interpolate';

const temp = tempDirs('dvc-reader');
afterAll(() => temp.cleanup());

describe('dvc reader: a DVC 3 project', async () => {
  const root = temp.make();
  buildDvcProject(root);
  const f = await readStore(dvcReader, root);

  it('matches only stores with DVC metafiles', () => {
    expect(dvcReader.match(contextFor(root))).toBe(true);
    expect(dvcReader.match({ root, files: new Map([['a.txt', { size: 1, sha256: null, md5: null }]]) })).toBe(false);
  });

  it('makes a stage node per stage with its command, params values and evidence lines', () => {
    const train = node(f, 'dvc:stage:dvc.yaml:train');
    expect(train.kind).toBe('stage');
    expect(train.props.cmd).toBe('python train.py --lr 0.01'); // the lock's resolved command
    expect(train.props.params).toEqual({ 'params.yaml': { 'train.epochs': 3, 'train.lr': 0.01 } });
    expect(train.evidence).toContainEqual({ file: 'dvc.yaml', line: 9, detail: 'stages.train' });
    expect(train.evidence).toContainEqual({ file: 'dvc.lock', line: 19, detail: 'stages.train' });
    expect(node(f, 'dvc:stage:dvc.yaml:report').props.frozen).toBe(true);
  });

  it('links deps as inputs and outs as outputs, citing the lock entry and its line', () => {
    const [input] = edgesBetween(f, 'file:data/raw.csv', 'dvc:stage:dvc.yaml:prepare');
    expect(input).toMatchObject({ relation: 'input', strength: 'declared', evidence: { file: 'dvc.lock', line: 6, detail: 'stages.prepare.deps[0]' } });
    const [output] = edgesBetween(f, 'dvc:stage:dvc.yaml:train', 'file:models/model.pt');
    expect(output).toMatchObject({ relation: 'output', strength: 'declared', evidence: { file: 'dvc.lock', detail: 'stages.train.outs[1]' } });
    expect(edgesBetween(f, 'file:params.yaml', 'dvc:stage:dvc.yaml:train')[0]?.relation).toBe('config');
  });

  it('keeps declared digests: md5 for DVC 3 entries, md5-dos2unix for entries without hash:', () => {
    const raw = node(f, 'file:data/raw.csv');
    expect(raw.files[0]!.digests).toContainEqual({ algorithm: 'md5', value: md5(RAW) });
    const script = node(f, 'file:prepare.py');
    expect(script.kind).toBe('code');
    expect(script.files[0]).toMatchObject({ declaredOnly: true, digests: [{ algorithm: 'md5-dos2unix', value: '0cc175b9c0f1b6a831c399e269772661' }] });
    const model = node(f, 'file:models/model.pt');
    expect(model.kind).toBe('checkpoint');
    expect(model.files[0]!.digests).toContainEqual({ algorithm: 'md5', value: md5(MODEL) });
    expect(model.props.dvc).toMatchObject({ persist: true, desc: 'the trained weights' }); // flags only dvc.yaml has
  });

  it('lists a directory out from its .dir listing in the cache', () => {
    const dir = node(f, 'file:data/prepared');
    expect(dir.props.directory).toBe(true);
    expect(dir.props.dvc).toMatchObject({ dirMd5: preparedListing().md5, nfiles: 2 });
    expect(dir.files.find((x) => x.path === 'data/prepared/test.csv')?.digests).toEqual([{ algorithm: 'md5', value: md5(TEST_PART) }]);
  });

  it('expands foreach and matrix stages to name@key as DVC does', () => {
    expect(node(f, 'dvc:stage:dvc.yaml:evaluate@us').props.group).toBe('evaluate');
    expect(edgesBetween(f, 'dvc:stage:dvc.yaml:evaluate@uk', 'file:eval/uk.json')).toHaveLength(1);
    for (const name of ['small-1', 'small-2', 'large-1', 'large-2']) node(f, `dvc:stage:dvc.yaml:sweep@${name}`);
    expect(edgesBetween(f, 'dvc:stage:dvc.yaml:sweep@large-2', 'file:sweeps/large-2.pt')).toHaveLength(1);
  });

  it('reports stages in dvc.yaml that dvc.lock does not have as not run yet', () => {
    const notRun = f.findings.filter((x) => x.code === 'dvc-stage-not-run').map((x) => x.message);
    expect(notRun.some((m) => m.includes('stage report'))).toBe(true);
    expect(notRun.some((m) => m.includes('stage sweep@small-1'))).toBe(true);
    expect(notRun.some((m) => m.includes('stage train'))).toBe(false);
  });

  it('turns top-level artifacts into registered-model nodes linked from their file', () => {
    const art = node(f, 'artifact:text-classifier');
    expect(art).toMatchObject({ kind: 'registered-model', props: { type: 'model', labels: ['nlp', 'demo'], path: 'models/model.pt' } });
    expect(edgesBetween(f, 'file:models/model.pt', 'artifact:text-classifier')[0]?.relation).toBe('version-of');
  });

  it('reads .dvc files: dvc add outputs and dvc import stages, with credentials removed from the URL', () => {
    expect(node(f, 'file:data/raw.csv').evidence.some((e) => e.file === 'data/raw.csv.dvc' && e.detail === 'outs[0]')).toBe(true);
    const stage = node(f, 'dvc:stage:data/external.xml.dvc');
    expect(stage.props).toMatchObject({ import: 'repo', frozen: true });
    const source = f.nodes.find((n) => n.key.startsWith('dvc:import:'))!;
    expect(source.props).toMatchObject({ repoUrl: 'https://user:***@github.com/iterative/dataset-registry', revLock: 'f31f5c4cdae787b4bdeb97a717687d44667d9e62', path: 'get-started/data.xml' });
    expect(JSON.stringify(f)).not.toContain('s3cret');
    expect(edgesBetween(f, source.key, stage.key)[0]?.relation).toBe('input');
    expect(edgesBetween(f, stage.key, 'file:data/external.xml')[0]?.relation).toBe('output');
  });
});

describe('dvc reader: DVC 1 and 2 layouts', async () => {
  const root = temp.make();
  buildLegacyProject(root);
  const f = await readStore(dvcReader, root);

  it('reads a lock without a schema key, its digests as CRLF-normalised, and the DVC 2 cache layout', () => {
    const [edge] = edgesBetween(f, 'file:legacy/raw.txt', 'dvc:stage:legacy/dvc.yaml:featurize');
    expect(edge?.evidence).toMatchObject({ file: 'legacy/dvc.lock', detail: 'featurize.deps[0]', line: 4 });
    expect(node(f, 'file:legacy/raw.txt').files[0]!.digests).toEqual([{ algorithm: 'md5-dos2unix', value: md5('a\nb\n') }]);
    const features = node(f, 'file:legacy/features');
    expect(features.files.map((x) => x.path)).toContain('legacy/features/f.bin');
    expect(features.files[0]!.declaredOnly).toBe(true);
  });
});

describe('dvc reader: bad input becomes findings and the read goes on', async () => {
  const root = temp.make();
  buildHostileProject(root);
  const f = await readStore(dvcReader, root);
  const on = (path: string) => f.findings.filter((x) => x.path === path).map((x) => x.code);

  it('an unknown dvc.lock schema', () => expect(on('weird/dvc.lock')).toContain('dvc-lock-unknown-schema'));
  it('a YAML alias bomb', () => expect(on('bomb/dvc.yaml')).toContain('dvc-yaml-aliases'));
  it('deep flow nesting, refused before parsing', () => expect(on('deep/dvc.yaml')).toContain('dvc-yaml-too-deep'));
  it('deep block nesting', () => expect(on('deep2/dvc.yaml')).toContain('dvc-yaml-too-deep'));
  it('invalid UTF-8', () => expect(on('bad/data.csv.dvc')).toContain('dvc-file-invalid-utf8'));
  it('the good pipeline is still read', () => {
    expect(edgesBetween(f, 'dvc:stage:good/dvc.yaml:ok', 'file:good/out.txt')).toHaveLength(1);
    expect(findingCodes(f)).toContain('dvc-pipeline-not-run');
  });
});

describe('dvc templating', () => {
  it('names foreach stages by value, index (composite items) or key', () => {
    expect((expandForeach('s', ['a', 1, true]) as { name: string }[]).map((g) => g.name)).toEqual(['s@a', 's@1', 's@true']);
    expect((expandForeach('s', [{ x: 1 }, 'b']) as { name: string }[]).map((g) => g.name)).toEqual(['s@0', 's@1']);
    expect((expandForeach('s', { uk: {}, us: {} }) as { name: string }[]).map((g) => g.name)).toEqual(['s@uk', 's@us']);
  });
  it('names matrix stages by value, or key and index for composite values', () => {
    expect((expandMatrix('m', { a: [1, 2], b: [{ x: 1 }] }) as { name: string }[]).map((g) => g.name)).toEqual(['m@1-b0', 'm@2-b0']);
  });
  it('substitutes lookups, keeps escaped and unknown expressions', () => {
    const { value, unresolved } = interpolate({ cmd: 'run ${a.b[1]} \\${x} ${nope}', whole: '${a.b}' }, { a: { b: [1, 2] } });
    expect(value).toEqual({ cmd: 'run 2 ${x} ${nope}', whole: [1, 2] });
    expect(unresolved).toEqual(['nope']);
  });
});

describe('dvc reader: files as older and newer DVC versions write them', async () => {
  const root = temp.make();
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const A = md5('a');
  write('imgs.dvc', `outs:\n- path: imgs\n  hash: md5\n  files:\n  - relpath: 1.png\n    md5: ${A}\n    size: 1\n    cloud:\n      r:\n        etag: a\n        version_id: v1\n`);
  write('imgs/1.png', 'a');
  write('Dvcfile', `cmd: python eval.py\ndeps:\n- path: eval.py\n  md5: ${A}\nouts:\n- path: metrics.json\n  md5: ${A}\n  cache: false\n  metric: true\n`);
  write('eval.py', 'print(1)\n');
  write('results.csv.dvc', `frozen: true\ndeps:\n- db:\n    connection: pg\n    query: SELECT * FROM results\nouts:\n- md5: ${A}\n  hash: md5\n  path: results.csv\n`);
  write('sweep/dvc.yaml', 'base: &base\n  cmd: python train.py\nstages:\n  train:\n    foreach: [0.1, 1.0e-5, 5e-5, 1.0, 0.0]\n    do:\n      <<: *base\n      outs:\n        - models/lr_${item}.pt\n');
  write('sweep/dvc.lock', `schema: '2.0'\nstages:\n  train@1e-05:\n    cmd: python train.py\n    outs:\n    - path: models/lr_1e-05.pt\n      hash: md5\n      md5: ${A}\n  train@1.0:\n    cmd: python train.py\n    outs:\n    - path: models/lr_1.0.pt\n      hash: md5\n      md5: ${A}\n`);
  // Each foreach stage's own vars file: one's values must not reach the next.
  write('leak/params.yaml', 'train:\n  seed: 1\n');
  write('leak/cfg/a.yaml', 'train:\n  lr: 0.1\n');
  write('leak/cfg/b.yaml', 'train:\n  lr: 0.2\n');
  write('leak/dvc.yaml', 'stages:\n  train:\n    foreach: [a, b]\n    do:\n      vars:\n        - cfg/${item}.yaml\n      cmd: python train.py --seed ${train.seed} --lr ${train.lr}\n');
  write('vars/dvc.yaml', 'stages:\n  train:\n    foreach: [a, b]\n    do:\n      wdir: sub\n      vars:\n        - cfg.yaml\n      cmd: python train.py --fmt ${fmt}\n      outs:\n        - ${item}.${fmt}\n  single:\n    wdir: sub\n    vars:\n      - cfg.yaml\n    cmd: echo ${fmt}\n    outs:\n      - one.${fmt}\n');
  write('vars/sub/cfg.yaml', 'fmt: pt\n');
  const f = await readStore(dvcReader, root);

  it("gives each foreach stage its own vars file's values", () => {
    expect(node(f, 'dvc:stage:leak/dvc.yaml:train@a').props).toMatchObject({ cmd: 'python train.py --seed 1 --lr 0.1' });
    expect(node(f, 'dvc:stage:leak/dvc.yaml:train@b').props).toMatchObject({ cmd: 'python train.py --seed 1 --lr 0.2' });
  });

  it("reads a stage's vars from its wdir, and a foreach template's own vars for each stage", () => {
    expect(f.findings.filter((x) => x.path.startsWith('vars/') && x.code !== 'dvc-pipeline-not-run')).toEqual([]);
    expect(node(f, 'dvc:stage:vars/dvc.yaml:train@a').props).toMatchObject({ cmd: 'python train.py --fmt pt' });
    expect(edgesBetween(f, 'dvc:stage:vars/dvc.yaml:train@b', 'file:vars/sub/b.pt')).toHaveLength(1);
    expect(edgesBetween(f, 'dvc:stage:vars/dvc.yaml:single', 'file:vars/sub/one.pt')).toHaveLength(1);
  });

  it('lists a directory whose files a version-aware remote put inline, with their digests', () => {
    const imgs = node(f, 'file:imgs');
    expect(imgs.props).toMatchObject({ directory: true });
    expect(imgs.files.find((x) => x.path === 'imgs/1.png')).toMatchObject({ digests: [{ algorithm: 'md5', value: A }] });
  });

  it("reads DVC 0.x's Dvcfile as a stage", () => {
    expect(node(f, 'dvc:stage:Dvcfile').props).toMatchObject({ cmd: 'python eval.py' });
    expect(edgesBetween(f, 'file:eval.py', 'dvc:stage:Dvcfile')).toHaveLength(1);
    expect(edgesBetween(f, 'dvc:stage:Dvcfile', 'file:metrics.json')).toHaveLength(1);
  });

  it('makes a dataset node of a dvc import-db query, without an invalid-entry finding', () => {
    const db = node(f, 'dvc:db:pg:SELECT * FROM results');
    expect(db).toMatchObject({ kind: 'dataset', props: { db: { connection: 'pg', query: 'SELECT * FROM results' } } });
    expect(edgesBetween(f, 'dvc:db:pg:SELECT * FROM results', 'dvc:stage:results.csv.dvc')).toHaveLength(1);
    expect(f.findings.filter((x) => x.path === 'results.csv.dvc')).toEqual([]);
  });

  it('names foreach stages and paths from floats as Python writes them, through a YAML merge key', () => {
    const stage = node(f, 'dvc:stage:sweep/dvc.yaml:train@1e-05');
    expect(stage.props).toMatchObject({ cmd: 'python train.py' });
    expect(edgesBetween(f, 'dvc:stage:sweep/dvc.yaml:train@1e-05', 'file:sweep/models/lr_1e-05.pt')).toHaveLength(1);
    const notRun = f.findings.filter((x) => x.code === 'dvc-stage-not-run').map((x) => x.message);
    expect(notRun.some((m) => m.includes('stage train@5e-05 '))).toBe(true);
    expect(notRun.some((m) => m.includes('stage train@0.1 '))).toBe(true);
    // YAML 1.0 and 0.0 are floats: Python writes them so.
    expect(edgesBetween(f, 'dvc:stage:sweep/dvc.yaml:train@1.0', 'file:sweep/models/lr_1.0.pt')).toHaveLength(1);
    expect(notRun.some((m) => m.includes('stage train@0.0 '))).toBe(true);
    expect(findingCodes(f)).not.toContain('dvc-lock-stage-orphan');
  });
});

describe("Python's str of a float", () => {
  it('matches CPython for fixed and exponent forms', () => {
    const cases: [number, string][] = [[1e-5, '1e-05'], [5e-5, '5e-05'], [0.0001, '0.0001'], [0.1, '0.1'], [2.5e-7, '2.5e-07'], [1.2345678901234568e17, '1.2345678901234568e+17'], [123.456, '123.456'], [-0.00003, '-3e-05'], [0.1 + 0.2, '0.30000000000000004'], [NaN, 'nan'], [-Infinity, '-inf']];
    for (const [v, py] of cases) expect(pyFloat(v)).toBe(py);
    expect(toStr(3)).toBe('3');
    expect(toStr(new PyFloat(1))).toBe('1.0');
    expect(toStr(new PyFloat(1e16))).toBe('1e+16');
  });
});
