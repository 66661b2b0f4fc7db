import type { Comparison, KeyDiff, WordOp } from '../../shared/compare';
import { letter } from './axes';

/** The comparison as the CLI prints it: the answer (which axes drifted) first, then the detail. */

const MARK = { same: '=', changed: '≠', unknown: '?' } as const;
const fmt = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : Number.parseFloat(v.toPrecision(6)).toString());

function keyLines(rows: KeyDiff[], limit: number): string[] {
  const width = Math.min(40, Math.max(0, ...rows.map((r) => r.key.length)));
  const out = rows.slice(0, limit).map((r) => `  ${r.key.padEnd(width)}  ${r.values.map((v) => v ?? '(none)').join(' → ')}   ${r.status}`);
  if (rows.length > limit) out.push(`  … and ${rows.length - limit} more (--json or --html for all)`);
  return out;
}

/** Word ops as text: [-deleted-]{+inserted+}, as `git diff --word-diff` shows them. */
export function wordDiffText(ops: WordOp[], context = 60): string {
  return ops
    .map((o) => {
      if (o.op === 'ins') return `{+${o.text}+}`;
      if (o.op === 'del') return `[-${o.text}-]`;
      return o.text.length > 2 * context ? `${o.text.slice(0, context)}…${o.text.slice(-context)}` : o.text;
    })
    .join('');
}

export function formatComparison(c: Comparison, opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? 40;
  const L: string[] = [];
  L.push(`Comparing ${c.columns.length} ${c.columns.every((x) => x.kind === 'registry-version') ? 'versions' : 'subjects'}:`);
  c.columns.forEach((col, i) => L.push(`  ${letter(i)}  ${col.label}${col.nodeId !== null ? `  (node ${col.nodeId})` : ''}${col.kind === 'registry-version' ? '  (registry version)' : ''}`));
  L.push('');
  const by = (s: string) => c.axes.filter((a) => a.status === s).map((a) => a.axis);
  L.push(c.drifted.length ? `Drifted: ${c.drifted.join(', ')}` : 'No axis drifted.');
  if (by('same').length) L.push(`Same: ${by('same').join(', ')}`);
  if (by('unknown').length) L.push(`Unknown: ${by('unknown').join(', ')}`);
  L.push('');
  for (const a of c.axes) {
    L.push(`${MARK[a.status]} ${a.axis}: ${a.status}. ${a.reason}`);
    for (const f of a.facts) L.push(`    ${MARK[f.status]} ${f.what}: ${f.values.map((v, i) => `${letter(i)} ${v ?? '(none)'}`).join(' | ')}`);
    for (const n of a.notes) L.push(`    note: ${n}`);
  }
  L.push('', `Config: ${c.config.length ? `${c.config.length} key${c.config.length === 1 ? '' : 's'} differ` : 'the same (or not recorded)'}`, ...keyLines(c.config, limit));
  L.push('', `Dependency pins: ${c.pins.length ? `${c.pins.length} differ` : 'the same (or not recorded)'}`, ...keyLines(c.pins, limit));
  L.push('', `Metrics: ${c.metrics.length ? '' : 'none recorded'}`);
  for (const m of c.metrics.slice(0, limit)) {
    L.push(`  ${m.name.padEnd(20)}  ${m.values.map((v, i) => `${letter(i)} ${fmt(v)}${i > 0 && m.deltas[i] !== null ? ` (${m.deltas[i]! > 0 ? '+' : ''}${fmt(m.deltas[i]!)})` : ''}`).join('  ')}`);
  }
  const t = c.tensors;
  L.push('');
  if (!t.available) L.push(`Tensors: not compared: ${t.notes[0] ?? 'no safetensors files'}`);
  else {
    const counts = Object.entries(t.counts).filter(([, v]) => v).map(([k, v]) => `${v} ${k}`).join(', ');
    L.push(`Tensors: ${t.tensors.length} (${counts}); ${t.bytesHashed} bytes hashed`);
    L.push(`  per layer: ${t.layers.map((l) => `${l.layer} ${l.changedFraction === 0 ? '·' : l.changedFraction === 1 ? '■' : '▪'}`).join('  ')}`);
    const changed = t.tensors.filter((r) => r.status !== 'same');
    for (const r of changed.slice(0, limit)) L.push(`  ${r.status.padEnd(13)} ${r.name}  ${r.shapes.map((s, i) => (s ? `${r.dtypes[i]}[${s.join(',')}]` : '—')).join(' → ')}`);
    if (changed.length > limit) L.push(`  … and ${changed.length - limit} more`);
    for (const n of t.notes) L.push(`  note: ${n}`);
  }
  L.push('', `Model card: ${c.card.cards.map((w, i) => `${letter(i)} ${w ?? '(none)'}`).join(' | ')}`);
  if (c.card.metadata.length) L.push('  metadata:', ...keyLines(c.card.metadata, limit).map((l) => `  ${l}`));
  for (const s of c.card.sections.filter((x) => x.status !== 'same')) {
    L.push(`  ${s.heading}: ${s.status}`);
    s.diffs.forEach((d, i) => {
      if (d?.length) L.push(`    ${letter(0)}→${letter(i)}: ${wordDiffText(d).replace(/\n+/g, ' ⏎ ').slice(0, 400)}`);
    });
  }
  for (const n of c.card.notes) L.push(`  note: ${n}`);
  return `${L.join('\n')}\n`;
}
