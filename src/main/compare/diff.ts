import type { DriftStatus, KeyDiff, KeyStatus, MetricRow } from '../../shared/compare';

/** Pure helpers that line columns up: keyed values, metrics with deltas, drift of one fact. */

/** A value as one line of text, the same for equal values whatever their key order. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x)) ?? String(v);
}

/** Keys in first-seen order across the columns. */
function unionKeys(columns: ReadonlyMap<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const c of columns) for (const k of c.keys()) seen.add(k);
  return [...seen];
}

export function keyStatus(values: (string | null)[]): KeyStatus {
  const [first, ...rest] = values;
  if (first === null || first === undefined) return 'added';
  if (rest.some((v) => v === null)) return 'removed';
  return rest.every((v) => v === first) ? 'same' : 'changed';
}

/**
 * Each key of any column with its value per column (null where absent) and
 * its status against the first column. `all` keeps the keys that are the same.
 */
export function diffKeyed(columns: ReadonlyMap<string, unknown>[], opts: { all?: boolean } = {}): KeyDiff[] {
  const out: KeyDiff[] = [];
  for (const key of unionKeys(columns)) {
    const values = columns.map((c) => (c.has(key) ? showValue(c.get(key)) : null));
    const status = keyStatus(values);
    if (status !== 'same' || opts.all) out.push({ key, status, values });
  }
  return out;
}

/**
 * Whether one fact drifted: same when every column has it and they agree,
 * changed when two columns that have it differ, unknown when some column
 * does not have it (and those that do agree). Null when no column has it.
 */
export function drift(values: (string | null)[]): DriftStatus | null {
  const known = values.filter((v): v is string => v !== null);
  if (known.length === 0) return null;
  if (new Set(known).size > 1) return 'changed';
  return known.length === values.length ? 'same' : 'unknown';
}

/** changed over unknown over same; unknown when nothing was judged. */
export function worstDrift(statuses: (DriftStatus | null)[]): DriftStatus {
  const s = statuses.filter((x): x is DriftStatus => x !== null);
  if (s.includes('changed')) return 'changed';
  if (s.includes('unknown') || s.length === 0) return 'unknown';
  return 'same';
}

export interface ColumnMetric {
  value: number | null;
  history: [number, number][] | null;
  source: string;
}

/** One row per metric name, final values with deltas against the first column, histories kept. */
export function metricRows(columns: ReadonlyMap<string, ColumnMetric>[]): MetricRow[] {
  return unionKeys(columns).map((name) => {
    const cells = columns.map((c) => c.get(name) ?? null);
    const values = cells.map((c) => (c && c.value !== null && Number.isFinite(c.value) ? c.value : null));
    const base = values[0] ?? null;
    return {
      name,
      values,
      deltas: values.map((v, i) => (i === 0 || v === null || base === null ? null : roundDelta(v - base))),
      histories: cells.map((c) => (c?.history?.length ? c.history : null)),
      sources: cells.map((c) => c?.source ?? null),
    };
  });
}

/** Float noise off the difference (0.9 − 0.86 = 0.04, not 0.040000000000000036). */
function roundDelta(d: number): number {
  return Number.parseFloat(d.toPrecision(12));
}
