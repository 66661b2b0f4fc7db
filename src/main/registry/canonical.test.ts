import { describe, expect, it } from 'vitest';
import { canonicalJson, documentChecksum, sameJson } from './canonical';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":"é","z":1}]},"b":1}');
  });
  it('makes key order irrelevant to comparisons and checksums, but not array order', () => {
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    const doc = { format: 'x', models: [{ name: 'm', uid: '1' }] };
    const shuffled = { models: [{ uid: '1', name: 'm' }], format: 'x' };
    expect(documentChecksum(doc)).toBe(documentChecksum(shuffled));
    expect(documentChecksum({ ...doc, checksum: 'sha256:anything' })).toBe(documentChecksum(doc));
    expect(documentChecksum({ ...doc, format: 'y' })).not.toBe(documentChecksum(doc));
    expect(documentChecksum(doc)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
