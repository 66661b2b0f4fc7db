import { describe, expect, it } from 'vitest';
import { mergeFragments } from './merge';
import type { LineageFragment } from './model';

const ev = (file: string) => ({ file });

describe('mergeFragments', () => {
  it('merges one key from two readers into one node, keeping the more specific kind and every file and digest', () => {
    const a: LineageFragment = {
      reader: 'plain',
      nodes: [{ key: 'file:m.safetensors', kind: 'config', label: 'm', props: { a: 1 }, files: [{ path: 'm.safetensors', digests: [{ algorithm: 'sha256', value: 'aa' }] }], evidence: [ev('m.safetensors')] }],
      edges: [],
      findings: [],
    };
    const b: LineageFragment = {
      reader: 'dvc',
      nodes: [{ key: 'file:m.safetensors', kind: 'checkpoint', label: 'm.safetensors', props: { a: 2, b: 3 }, files: [{ path: 'm.safetensors', digests: [{ algorithm: 'md5', value: 'bb' }] }], evidence: [ev('dvc.lock')] }],
      edges: [],
      findings: [{ path: 'dvc.lock', code: 'x', severity: 'info', message: 'm' }],
    };
    const m = mergeFragments([a, b]);
    expect(m.nodes).toHaveLength(1);
    const n = m.nodes[0]!;
    expect(n.kind).toBe('checkpoint');
    expect(n.props).toEqual({ a: 1, b: 3 });
    expect(n.files[0]!.digests).toEqual([{ algorithm: 'sha256', value: 'aa' }, { algorithm: 'md5', value: 'bb' }]);
    expect(n.readers).toEqual(['plain', 'dvc']);
    expect(m.findings).toHaveLength(1);
  });

  it('gives an edge to an undescribed key a "declared, not present" node, and keeps the strongest duplicate edge', () => {
    const f: LineageFragment = {
      reader: 'dvc',
      nodes: [{ key: 'dvc:stage:train', kind: 'stage', label: 'train', props: {}, files: [], evidence: [ev('dvc.yaml')] }],
      edges: [
        { from: 'file:data/train.csv', to: 'dvc:stage:train', relation: 'input', strength: 'inferred', evidence: ev('params.yaml') },
        { from: 'file:data/train.csv', to: 'dvc:stage:train', relation: 'input', strength: 'declared', evidence: ev('dvc.lock') },
        { from: 'dvc:stage:train', to: 'dvc:stage:train', relation: 'input', strength: 'declared', evidence: ev('dvc.lock') },
      ],
      findings: [],
    };
    const m = mergeFragments([f]);
    const placeholder = m.nodes.find((n) => n.key === 'file:data/train.csv')!;
    expect(placeholder).toMatchObject({ kind: 'dataset', present: false, label: 'train.csv', files: [{ path: 'data/train.csv', declaredOnly: true }] });
    expect(m.edges).toEqual([{ from: 'file:data/train.csv', to: 'dvc:stage:train', relation: 'input', strength: 'declared', evidence: ev('dvc.lock') }]);
  });

  it('keeps a node a reader marks present: false (named, not held) as declared, not present', () => {
    const f: LineageFragment = { reader: 'hf', nodes: [{ key: 'hf:model:org/base', kind: 'checkpoint', label: 'org/base', props: { present: false }, files: [], evidence: [ev('README.md')] }], edges: [], findings: [] };
    expect(mergeFragments([f]).nodes[0]!.present).toBe(false);
    const g: LineageFragment = { reader: 'other', nodes: [{ key: 'hf:model:org/base', kind: 'checkpoint', label: 'org/base', props: {}, files: [], evidence: [ev('x')] }], edges: [], findings: [] };
    expect(mergeFragments([f, g]).nodes[0]!.present).toBe(true);
  });
});
