import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, writeSafetensors, type TensorSpec } from '../demo/safetensors-writer';
import { createTensorHasher, splitJobs, type TensorHasher } from './tensor-hasher';
import { compareTensorLists, readTensorList } from './tensors';

const dir = mkdtempSync(join(tmpdir(), 'pedigree-tensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t = (name: string, shape: number[], seed: number): TensorSpec => ({ name, shape, values: seededValues(shape.reduce((a, b) => a * b, 1), seed) });
const file = (name: string, tensors: TensorSpec[]) => {
  const p = join(dir, name);
  writeSafetensors(p, tensors);
  return p;
};
const list = (path: string, sha256: string | null = null) => readTensorList([{ path, sha256 }]);

describe('splitJobs', () => {
  it('cuts big jobs into tasks and keeps the order of ranges', () => {
    const { tasks, parts } = splitJobs([{ path: 'a', ranges: [{ begin: 0, end: 60 }, { begin: 60, end: 120 }, { begin: 120, end: 130 }] }, { path: 'b', ranges: [] }], 100);
    expect(tasks.map((x) => x.ranges.length)).toEqual([1, 2, 0]);
    expect(parts).toEqual([[0, 1], [2]]);
  });
});

describe.each(['in-process', 'pool'] as const)('tensor comparison (%s hashing)', (mode) => {
  let hasher: TensorHasher;
  beforeAll(async () => {
    let workersDir: string | null = null;
    if (mode === 'pool') {
      // the worker entry as scripts/build.mjs would build it, into a folder of this test's own
      workersDir = join(dir, `workers-${mode}`);
      await build({ entryPoints: { 'tensor-hash': join(__dirname, '..', '..', 'workers', 'tensor-hash.ts') }, outdir: workersDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
    }
    hasher = createTensorHasher(workersDir, 2);
    expect(hasher.mode).toBe(mode);
  });
  afterAll(() => hasher.destroy());

  it('finds the tensors whose values changed', async () => {
    const a = file(`a-${mode}.safetensors`, [t('embed.weight', [8, 4], 1), t('layers.0.w', [4, 4], 2), t('layers.1.w', [4, 4], 3), t('head.bias', [2], 4)]);
    const b = file(`b-${mode}.safetensors`, [t('embed.weight', [8, 4], 1), t('layers.0.w', [4, 4], 2), t('layers.1.w', [4, 4], 30), t('head.bias', [2], 40)]);
    const c = await compareTensorLists([await list(a), await list(b)], hasher);
    expect(c.available).toBe(true);
    expect(Object.fromEntries(c.tensors.map((r) => [r.name, r.status]))).toEqual({ 'embed.weight': 'same', 'layers.0.w': 'same', 'layers.1.w': 'changed', 'head.bias': 'changed' });
    expect(c.layers.map((l) => [l.layer, l.changedFraction])).toEqual([['embed', 0], ['0', 0], ['1', 1], ['head', 1]]);
    expect(c.bytesHashed).toBeGreaterThan(0);
  });

  it('names shape, dtype, added and removed tensors without hashing them', async () => {
    const a = file(`c-${mode}.safetensors`, [t('w', [4, 4], 1), t('b', [4], 2), t('old', [2], 3)]);
    const b = file(`d-${mode}.safetensors`, [t('w', [4, 8], 1), t('b', [4], 2), t('new', [2], 3)]);
    const c = await compareTensorLists([await list(a), await list(b)], hasher);
    expect(Object.fromEntries(c.tensors.map((r) => [r.name, r.status]))).toEqual({ w: 'shape-changed', b: 'same', old: 'removed', new: 'added' });
    expect(c.tensors.find((r) => r.name === 'w')!.shapes).toEqual([[4, 4], [4, 8]]);
    expect(c.counts).toMatchObject({ same: 1, 'shape-changed': 1, added: 1, removed: 1 });
  });

  it('reads nothing when both files have the same content', async () => {
    const a = file(`e-${mode}.safetensors`, [t('w', [64, 64], 1)]);
    const c = await compareTensorLists([await list(a, 'f'.repeat(64)), await list(a, 'f'.repeat(64))], hasher);
    expect(c.tensors[0]!.status).toBe('same');
    expect(c.bytesHashed).toBe(0);
  });
});

describe('tensor comparison without tensors', () => {
  it('says which column has no safetensors file', async () => {
    const c = await compareTensorLists([{ tensors: new Map(), notes: [], files: 0 }, await list(file('f.safetensors', [t('w', [2], 1)]))], createTensorHasher(null));
    expect(c.available).toBe(false);
    expect(c.notes[0]).toMatch(/column 1/);
  });
});
