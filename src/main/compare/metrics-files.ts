import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnMetric } from './diff';

/**
 * Metric histories a training run leaves beside its checkpoint when no
 * tracker recorded them: `metrics.csv`, `metrics.jsonl` (one row per step)
 * and Hugging Face's `trainer_state.json` (`log_history`). Read bounded.
 */

const MAX_BYTES = 4 * 1024 * 1024;
const MAX_POINTS = 2000;
const STEP = ['step', 'global_step', 'iteration', 'iter', 'epoch'];

function readBounded(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const got = readSync(fd, buf, n, st.size - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const toNum = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Rows of named values → one metric per numeric column, its history against the step column (or the row number). */
export function metricsFromRows(rows: Record<string, unknown>[], source: string): Map<string, ColumnMetric> {
  const out = new Map<string, ColumnMetric>();
  const stepKey = STEP.find((k) => rows.some((r) => toNum(r[k]) !== null));
  const names: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (k !== stepKey && !names.includes(k) && names.length < 100) names.push(k);
  for (const name of names) {
    const history: [number, number][] = [];
    rows.forEach((r, i) => {
      const v = toNum(r[name]);
      const step = stepKey ? toNum(r[stepKey]) : i;
      if (v !== null && step !== null) history.push([step, v]);
    });
    if (history.length === 0 || STEP.includes(name)) continue;
    const sampled = history.length > MAX_POINTS ? history.filter((_, i) => i % Math.ceil(history.length / MAX_POINTS) === 0 || i === history.length - 1) : history;
    out.set(name, { value: history[history.length - 1]![1], history: sampled, source });
  }
  return out;
}

export function parseCsvRows(text: string): Record<string, unknown>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const header = lines[0]?.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (!header) return [];
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i]?.trim().replace(/^"|"$/g, '')]));
  });
}

function parseJsonl(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) rows.push(v as Record<string, unknown>);
    } catch {
      // a torn last line of a log still being written
    }
  }
  return rows;
}

export function metricsInFolder(folder: string): Map<string, ColumnMetric> {
  const out = new Map<string, ColumnMetric>();
  const add = (m: Map<string, ColumnMetric>) => {
    for (const [k, v] of m) if (!out.has(k)) out.set(k, v);
  };
  const csv = readBounded(join(folder, 'metrics.csv'));
  if (csv !== null) add(metricsFromRows(parseCsvRows(csv), 'metrics.csv'));
  const jsonl = readBounded(join(folder, 'metrics.jsonl'));
  if (jsonl !== null) add(metricsFromRows(parseJsonl(jsonl), 'metrics.jsonl'));
  const state = readBounded(join(folder, 'trainer_state.json'));
  if (state !== null) {
    try {
      const s = JSON.parse(state) as { log_history?: unknown };
      if (Array.isArray(s.log_history)) add(metricsFromRows(s.log_history.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object'), 'trainer_state.json'));
    } catch {
      // not JSON: nothing to add
    }
  }
  return out;
}
