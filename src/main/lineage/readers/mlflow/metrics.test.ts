import { describe, expect, it } from 'vitest';
import { MetricAccumulator, parseModelMetricLine, parseRunMetricLine } from './metrics';

describe('metric lines', () => {
  it('reads the 2-, 3- and 5-field run lines FileStore writes', () => {
    expect(parseRunMetricLine('1700000000000 0.5')).toEqual({ ok: true, point: { timestamp: 1700000000000, value: 0.5, step: 0 } });
    expect(parseRunMetricLine('1700000000000 1e-05 12\n')).toEqual({ ok: true, point: { timestamp: 1700000000000, value: 1e-5, step: 12 } });
    expect(parseRunMetricLine('1700000000000 0.9 3 eval-set 1a2b3c4d')).toEqual({ ok: true, point: { timestamp: 1700000000000, value: 0.9, step: 3, datasetName: 'eval-set', datasetDigest: '1a2b3c4d' } });
  });

  it('reads the non-finite values Python repr writes', () => {
    const nan = parseRunMetricLine('1 nan 0');
    expect(nan.ok && Number.isNaN(nan.point.value)).toBe(true);
    expect(parseRunMetricLine('1 inf 0')).toMatchObject({ ok: true, point: { value: Infinity } });
    expect(parseRunMetricLine('1 -inf 0')).toMatchObject({ ok: true, point: { value: -Infinity } });
  });

  it('rejects lines with the wrong field count or unparsable numbers', () => {
    expect(parseRunMetricLine('17000')).toMatchObject({ ok: false, reason: '1 fields, expected 2, 3 or 5' });
    expect(parseRunMetricLine('1700000000000 0.5 1 x')).toMatchObject({ ok: false });
    expect(parseRunMetricLine('17000x 0.5 1')).toMatchObject({ ok: false });
    expect(parseRunMetricLine('1700000000000 0.5 1.5')).toMatchObject({ ok: false });
    expect(parseRunMetricLine('1700000000000 0.')).toMatchObject({ ok: true });
  });

  it('reads 3.x logged-model lines with the run id as fourth field', () => {
    expect(parseModelMetricLine('1700000000000 0.76 90 abcdef0123')).toEqual({ ok: true, point: { timestamp: 1700000000000, value: 0.76, step: 90, runId: 'abcdef0123' } });
    expect(parseModelMetricLine('1 0.7 1 r ds 9f')).toMatchObject({ ok: true, point: { runId: 'r', datasetName: 'ds', datasetDigest: '9f' } });
    expect(parseModelMetricLine('1 0.7 1')).toMatchObject({ ok: false, reason: '3 fields, expected 4 or 6' });
  });
});

describe('MetricAccumulator', () => {
  it("reports MLflow's value: the largest (step, timestamp, value), not the last line", () => {
    const acc = new MetricAccumulator();
    acc.add({ timestamp: 3, value: 0.2, step: 5 });
    acc.add({ timestamp: 1, value: 0.9, step: 9 });
    acc.add({ timestamp: 2, value: 0.1, step: 7 });
    expect(acc.summary()).toMatchObject({ latest: { value: 0.9, step: 9, timestamp: 1 }, count: 3, sampled: false });
    expect(acc.summary()!.history.map((p) => p[0])).toEqual([5, 7, 9]);
  });

  it("keeps one value per dataset a logged model's metric was logged against", () => {
    const acc = new MetricAccumulator();
    acc.add({ timestamp: 10, value: 0.91, step: 5, runId: 'r', datasetName: 'val', datasetDigest: 'd1' });
    acc.add({ timestamp: 20, value: 0.7, step: 5, runId: 'r', datasetName: 'test', datasetDigest: 'd2' });
    acc.add({ timestamp: 5, value: 0.5, step: 1, runId: 'r', datasetName: 'val', datasetDigest: 'd1' });
    const s = acc.summary()!;
    expect(s.dataset).toBeUndefined();
    expect(s.datasets).toEqual([
      { name: 'val', digest: 'd1', value: 0.91, step: 5, timestamp: 10 },
      { name: 'test', digest: 'd2', value: 0.7, step: 5, timestamp: 20 },
    ]);
    const one = new MetricAccumulator();
    one.add({ timestamp: 1, value: 0.4, step: 1, datasetName: 'val', datasetDigest: 'd1' });
    expect(one.summary()).toMatchObject({ dataset: { name: 'val', digest: 'd1' } });
    expect(one.summary()!.datasets).toBeUndefined();
  });

  it('keeps at most the cap, spread evenly over a long history, first and last included', () => {
    const acc = new MetricAccumulator(100);
    for (let i = 0; i < 1_000_000; i++) acc.add({ timestamp: i, value: i, step: i });
    const s = acc.summary()!;
    expect(s.count).toBe(1_000_000);
    expect(s.sampled).toBe(true);
    expect(s.history.length).toBe(100);
    expect(s.history[0]![0]).toBe(0);
    expect(s.history[99]![0]).toBe(999_999);
    const gaps = s.history.slice(1).map((p, i) => p[0] - s.history[i]![0]);
    expect(Math.max(...gaps) / Math.min(...gaps)).toBeLessThan(4);
  });

  it('writes non-finite values as text so props stay JSON', () => {
    const acc = new MetricAccumulator();
    acc.add({ timestamp: 1, value: NaN, step: 0 });
    expect(acc.summary()!.latest.value).toBe('NaN');
    expect(JSON.parse(JSON.stringify(acc.summary()))).toEqual(acc.summary());
  });
});
