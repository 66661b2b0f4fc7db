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
