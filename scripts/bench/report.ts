import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Section } from './options';

/** A target is checked either on the ratio Pedigree/reference or on Pedigree's own figure. */
export interface Target {
  on: 'ratio' | 'value';
  op: '>=' | '<' | '==';
  value: number;
}

export interface Row {
  section: Section;
  metric: string;
  unit: string;
  pedigree: number | null;
  reference: number | null;
  /** What the reference figure is: the command that made it. */
  referenceName: string | null;
  target: Target | null;
  /** Extra facts worth keeping in the JSON (commands, seconds, digests, counts). */
  details?: Record<string, unknown>;
  notes?: string[];
}

export interface ScoredRow extends Row {
  ratio: number | null;
  pass: boolean | null;
}

export function score(row: Row): ScoredRow {
  const ratio = row.pedigree !== null && row.reference !== null && row.reference !== 0 ? row.pedigree / row.reference : null;
  let pass: boolean | null = null;
  if (row.target) {
    const x = row.target.on === 'ratio' ? ratio : row.pedigree;
    if (x === null) pass = false;
    else if (row.target.op === '>=') pass = x >= row.target.value;
    else if (row.target.op === '<') pass = x < row.target.value;
    else pass = x === row.target.value;
  }
  return { ...row, ratio, pass };
}

function fmt(n: number | null, unit: string): string {
  if (n === null) return '-';
  if (unit === 'bool') return n ? 'yes' : 'no';
  const digits = Number.isInteger(n) || Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`.trim();
}

function fmtTarget(t: Target | null, unit: string): string {
  if (!t) return '-';
  if (t.on === 'ratio') return `ratio ${t.op} ${t.value}x`;
  if (unit === 'bool') return t.value ? 'yes' : 'no';
  return `${t.op} ${t.value.toLocaleString('en-US')} ${unit}`;
}

export function renderTable(rows: ScoredRow[]): string {
  const lines = [['metric', 'Pedigree', 'reference', 'ratio', 'target', 'result']];
  for (const r of rows) {
    lines.push([r.metric, fmt(r.pedigree, r.unit), fmt(r.reference, r.unit), r.ratio === null || r.unit === 'bool' ? '-' : `${r.ratio.toFixed(2)}x`, fmtTarget(r.target, r.unit), r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL']);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const out = lines.map((l) => l.map((c, i) => (i === 0 || i === 4 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const refs = [...new Set(rows.filter((r) => r.referenceName).map((r) => `  ${r.metric}: ${r.referenceName}`))];
  const notes = rows.flatMap((r) => (r.notes ?? []).map((n) => `  ${r.metric}: ${n}`));
  return [...out, '', 'References:', ...refs, ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}

export function writeJson(dir: string, payload: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `bench-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}
