import { describe, expect, it } from 'vitest';
import { diffKeyed, drift, metricRows, showValue, worstDrift } from './diff';

describe('diffKeyed', () => {
  it('lists changed, added and removed keys against the first column', () => {
    const a = new Map<string, unknown>([['training.seed', 1234], ['training.lr', 3e-4], ['gone', true], ['same', 'x']]);
    const b = new Map<string, unknown>([['training.seed', 99], ['training.lr', 3e-4], ['same', 'x'], ['new', [1, 2]]]);
    expect(diffKeyed([a, b])).toEqual([
      { key: 'training.seed', status: 'changed', values: ['1234', '99'] },
      { key: 'gone', status: 'removed', values: ['true', null] },
      { key: 'new', status: 'added', values: [null, '[1,2]'] },
    ]);
    expect(diffKeyed([a, b], { all: true })).toHaveLength(5);
  });

  it('shows objects the same whatever their key order', () => {
    expect(showValue({ b: 1, a: { d: 2, c: 3 } })).toBe(showValue({ a: { c: 3, d: 2 }, b: 1 }));
  });
});

describe('drift', () => {
  it('is same, changed, unknown or not judged', () => {
    expect(drift(['x', 'x'])).toBe('same');
    expect(drift(['x', 'y'])).toBe('changed');
    expect(drift(['x', null])).toBe('unknown');
    expect(drift(['x', null, 'y'])).toBe('changed');
    expect(drift([null, null])).toBeNull();
    expect(worstDrift(['same', 'unknown', null])).toBe('unknown');
    expect(worstDrift(['same', 'changed'])).toBe('changed');
    expect(worstDrift([null])).toBe('unknown');
  });
});

describe('metricRows', () => {
  it('gives deltas against the first column without float noise', () => {
    const rows = metricRows([
      new Map([['accuracy', { value: 0.86, history: [[1, 0.5], [2, 0.86]] as [number, number][], source: 'a' }]]),
      new Map([
        ['accuracy', { value: 0.9, history: null, source: 'b' }],
        ['loss', { value: 0.29, history: null, source: 'b' }],
      ]),
    ]);
    expect(rows[0]).toMatchObject({ name: 'accuracy', values: [0.86, 0.9], deltas: [null, 0.04], histories: [[[1, 0.5], [2, 0.86]], null] });
    expect(rows[1]).toMatchObject({ name: 'loss', values: [null, 0.29], deltas: [null, null] });
  });
});
