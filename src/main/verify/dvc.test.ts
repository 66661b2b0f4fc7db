import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectDeclared } from './declared';
import { scopeOf } from './paths';

const root = mkdtempSync(join(tmpdir(), 'pedigree-dvc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
  return rel;
};
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('collectDeclared: DVC', () => {
  const paths = [
    write('p/dvc.yaml', 'stages:\n  train:\n    cmd: x\n    wdir: sub\n  sweep:\n    foreach: [a, b]\n    do:\n      cmd: y\n      wdir: runs\n'),
    write('p/dvc.lock', `schema: '2.0'\nstages:\n  train:\n    cmd: x\n    outs:\n    - path: model.bin\n      hash: md5\n      md5: ${MD5}\n  sweep@a:\n    cmd: y\n    outs:\n    - path: a.out\n      md5: ${MD5}\n`),
    write('imports/lib.dvc', `deps:\n- path: data/lib.csv\n  repo:\n    url: https://example.com/repo\n    rev_lock: ${'c'.repeat(40)}\nouts:\n- md5: ${MD5}\n  path: lib.csv\n  hash: md5\n`),
    write('far.dvc', `outs:\n- md5: ${MD5}\n  path: ../../elsewhere.bin\n`),
    write('odd.dvc', `outs:\n- md5: not-a-digest\n  path: x\n- md5: ${MD5}\n  path: y\n  hash: sha256\n`),
    // "Billion laughs": refused by the alias limit, not expanded.
    write('laughs.dvc', ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`), 'outs: []', ''].join('\n')),
  ];

  const collected = collectDeclared({ root, paths }, scopeOf(null));
  const byPath = new Map(collected.declarations.map((d) => [d.path, d]));

  it("places lock paths in the stage's wdir from dvc.yaml, foreach stages included", () => {
    expect(byPath.get('p/sub/model.bin')).toMatchObject({ algorithm: 'md5', source: 'p/dvc.lock: stage train, outs' });
    expect(byPath.get('p/runs/a.out')).toMatchObject({ algorithm: 'md5-dos2unix', source: 'p/dvc.lock: stage sweep@a, outs' });
  });

  it('skips imports from other repositories but checks their outs', () => {
    expect(byPath.has('imports/data/lib.csv')).toBe(false);
    expect(byPath.get('imports/lib.csv')).toMatchObject({ algorithm: 'md5', source: 'imports/lib.dvc: outs' });
  });

  it('turns paths outside the store, malformed digests, unknown hashes and unparsable files into findings', () => {
    const codes = collected.findings.map((f) => `${f.path} ${f.code}`);
    expect(codes).toContain('far.dvc dvc-path-outside-store');
    expect(codes).toContain('odd.dvc dvc-digest-malformed');
    expect(codes).toContain('odd.dvc dvc-hash-unsupported');
    expect(collected.findings.find((f) => f.path === 'laughs.dvc')).toMatchObject({ code: 'dvc-file-invalid', severity: 'error' });
    expect(collected.declarations).toHaveLength(3);
  });
});

describe('collectDeclared: DVC as older and newer versions write it', () => {
  const A = '0cc175b9c0f1b6a831c399e269772661';
  const B = '92eb5ffee6ae2fec3ad71c777531578f';
  const paths = [
    // A directory pushed to a version-aware remote: its files inline, no `.dir` digest (dvc/output.py dumpd with_files).
    write('v/imgs.dvc', `outs:\n- path: imgs\n  hash: md5\n  files:\n  - relpath: 1.png\n    md5: ${A}\n    size: 1\n    cloud:\n      r:\n        etag: a\n        version_id: v1\n  - relpath: sub/2.png\n    md5: ${B}\n    size: 1\n`),
    write('v/imgs/1.png', 'a'),
    write('v/imgs/sub/2.png', 'b'),
    write('v/imgs/extra.png', 'c'),
    // A .dvcignore inside the directory out: DVC never listed what it names.
    write('v/imgs/.dvcignore', '*.tmp\n!keep.tmp\n'),
    write('v/imgs/scratch.tmp', 't'),
    write('v/imgs/keep.tmp', 'k'),
    // DVC 0.x: a stage with no outs of its own file is `Dvcfile`.
    write('old/Dvcfile', `cmd: python eval.py\nmd5: ${MD5}\ndeps:\n- path: eval.py\n  md5: ${A}\nouts:\n- path: metrics.json\n  md5: ${B}\n  cache: false\n  metric: true\n`),
    // `dvc import-db`: a dependency with no path.
    write('db/results.csv.dvc', `md5: ${MD5}\nfrozen: true\ndeps:\n- db:\n    connection: pg\n    query: SELECT * FROM results\nouts:\n- md5: ${A}\n  size: 1\n  hash: md5\n  path: results.csv\n`),
    // YAML merge keys, as ruamel's safe loader expands them.
    write('m/dvc.yaml', 'base: &base\n  cmd: x\n  wdir: w\nstages:\n  train:\n    <<: *base\n'),
    write('m/dvc.lock', `schema: '2.0'\nstages:\n  train:\n    cmd: x\n    outs:\n    - path: out.bin\n      hash: md5\n      md5: ${A}\n`),
  ];
  const collected = collectDeclared({ root, paths }, scopeOf(null));
  const byPath = new Map(collected.declarations.map((d) => [d.path, d]));

  it('checks each file of a directory listed inline, and reports files it does not list', () => {
    expect(byPath.get('v/imgs/1.png')).toMatchObject({ algorithm: 'md5', digest: A, source: 'v/imgs.dvc: outs' });
    expect(byPath.get('v/imgs/sub/2.png')).toMatchObject({ algorithm: 'md5', digest: B });
    expect(collected.findings.find((f) => f.path === 'v/imgs/extra.png')).toMatchObject({ code: 'dvc-dir-unlisted' });
    const unlisted = collected.findings.filter((f) => f.code === 'dvc-dir-unlisted').map((f) => f.path);
    expect(unlisted).not.toContain('v/imgs/scratch.tmp');
    expect(unlisted).toContain('v/imgs/keep.tmp');
  });

  it('reads DVC 0.x Dvcfile stages', () => {
    expect(byPath.get('old/eval.py')).toMatchObject({ algorithm: 'md5-dos2unix', digest: A, source: 'old/Dvcfile: deps' });
    expect(byPath.get('old/metrics.json')).toMatchObject({ digest: B, source: 'old/Dvcfile: outs' });
  });

  it('takes a database dependency without a path as nothing to check, not as an invalid entry', () => {
    expect(byPath.get('db/results.csv')).toMatchObject({ algorithm: 'md5', digest: A });
    expect(collected.findings.filter((f) => f.path.startsWith('db/'))).toEqual([]);
  });

  it('places a stage whose wdir comes through a YAML merge key', () => {
    expect(byPath.get('m/w/out.bin')).toMatchObject({ source: 'm/dvc.lock: stage train, outs' });
  });
});
