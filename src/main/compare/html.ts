import type { AxisComparison, Comparison, KeyDiff, LayerSummary, MetricRow, TensorRow, WordOp } from '../../shared/compare';
import { letter } from './axes';

/**
 * The comparison as one self-contained HTML file: inline CSS (light and dark),
 * inline SVG for the metric curves and the per-layer strip, no script and no
 * external resource, so it opens the same on an air-gapped machine.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const fmt = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : Number.parseFloat(v.toPrecision(6)).toString());
const signed = (v: number | null) => (v === null ? '' : `${v > 0 ? '+' : ''}${fmt(v)}`);

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--card:#f6f8fa;--same:#1a7f37;--changed:#bc4c00;--unknown:#6e7781;--ins:#dafbe1;--del:#ffebe9;--ins-fg:#116329;--del-fg:#82071e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--card:#161b22;--same:#3fb950;--changed:#f0883e;--unknown:#8d96a0;--ins:#033a16;--del:#67060c;--ins-fg:#aff5b4;--del-fg:#ffdcd7}}
body{margin:0 auto;max-width:1200px;padding:24px;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--card)}
td.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;word-break:break-all}
.muted{color:var(--muted)}.axes{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px}
.axis{border:1px solid var(--line);border-radius:8px;padding:12px;background:var(--card);overflow-wrap:anywhere}.axis h3{margin:0 0 6px;text-transform:capitalize}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}.s-same{background:var(--same)}.s-changed,.s-added,.s-removed,.s-shape-changed,.s-dtype-changed{background:var(--changed)}.s-unknown{background:var(--unknown)}
.answer{font-size:16px;margin:12px 0}ins{background:var(--ins);color:var(--ins-fg);text-decoration:none}del{background:var(--del);color:var(--del-fg)}
.diff{white-space:pre-wrap;border:1px solid var(--line);border-radius:6px;padding:8px;background:var(--card)}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid var(--line);border-radius:6px;padding:6px;background:var(--card)}
svg text{fill:var(--fg);font-size:11px}svg .grid{stroke:var(--line)}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
`;

function badge(status: string): string {
  return `<span class="badge s-${esc(status)}">${esc(status)}</span>`;
}

function header(c: Comparison): string {
  const rows = c.columns.map((col, i) => `<tr><th>${letter(i)}</th><td>${esc(col.label)}</td><td>${esc(col.kind)}${col.nodeId !== null ? ` · node ${col.nodeId}` : ''}</td><td class="mono">${col.files.map((f) => `${esc(f.path)}${f.sha256 ? ` <span class="muted">sha256 ${esc(f.sha256.slice(0, 16))}…</span>` : ''}`).join('<br>')}</td></tr>`);
  return `<h1>Comparison of ${c.columns.length} ${c.columns.every((x) => x.kind === 'registry-version') ? 'versions' : 'checkpoints'}</h1><p class="muted">Made by Pedigree on ${esc(c.createdAt)}</p><table><tr><th></th><th>subject</th><th>kind</th><th>files</th></tr>${rows.join('')}</table>`;
}

function axisCard(a: AxisComparison): string {
  return `<div class="axis"><h3>${esc(a.axis)} ${badge(a.status)}</h3><div>${esc(a.reason)}</div>${a.notes.map((n) => `<div class="muted">${esc(n)}</div>`).join('')}</div>`;
}

function axisTable(a: AxisComparison, n: number): string {
  if (a.facts.length === 0) return '';
  const head = `<tr><th>${esc(a.axis)}</th>${Array.from({ length: n }, (_, i) => `<th>${letter(i)}</th>`).join('')}<th></th></tr>`;
  const rows = a.facts.map((f) => `<tr><td>${esc(f.what)}</td>${f.values.map((v, i) => `<td class="mono" title="${esc(f.evidence[i] ? `${f.evidence[i]!.file}${f.evidence[i]!.line ? `:${f.evidence[i]!.line}` : ''}` : '')}">${v === null ? '<span class="muted">—</span>' : esc(v)}</td>`).join('')}<td>${badge(f.status)}</td></tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

function keyTable(title: string, rows: KeyDiff[], n: number, empty: string): string {
  if (rows.length === 0) return `<h2>${esc(title)}</h2><p class="muted">${esc(empty)}</p>`;
  const head = `<tr><th>key</th>${Array.from({ length: n }, (_, i) => `<th>${letter(i)}</th>`).join('')}<th></th></tr>`;
  return `<h2>${esc(title)}</h2><table>${head}${rows.map((r) => `<tr><td class="mono">${esc(r.key)}</td>${r.values.map((v) => `<td class="mono">${v === null ? '<span class="muted">—</span>' : esc(v)}</td>`).join('')}<td>${badge(r.status)}</td></tr>`).join('')}</table>`;
}

function chart(m: MetricRow): string {
  const W = 360;
  const H = 180;
  const P = 34;
  const pts = m.histories.flatMap((h) => h ?? []);
  if (pts.length < 2) return '';
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => P + ((x - x0) / (x1 - x0 || 1)) * (W - P - 8);
  const sy = (y: number) => H - 20 - ((y - y0) / (y1 - y0)) * (H - 30);
  const lines = m.histories.map((h, i) => (h && h.length ? `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${h.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"><title>${letter(i)}</title></polyline>` : ''));
  const axes = `<line class="grid" x1="${P}" y1="${H - 20}" x2="${W - 8}" y2="${H - 20}"/><line class="grid" x1="${P}" y1="10" x2="${P}" y2="${H - 20}"/><text x="2" y="14">${esc(fmt(y1))}</text><text x="2" y="${H - 22}">${esc(fmt(y0))}</text><text x="${P}" y="${H - 4}">${esc(fmt(x0))}</text><text x="${W - 8}" y="${H - 4}" text-anchor="end">${esc(fmt(x1))}</text>`;
  const legend = m.histories.map((h, i) => (h ? `<span style="background:${PALETTE[i % PALETTE.length]}"></span>${letter(i)}` : '')).join('');
  return `<div class="chart"><div><b>${esc(m.name)}</b> <span class="legend">${legend}</span></div><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(m.name)} by step">${axes}${lines.join('')}</svg></div>`;
}

function metrics(c: Comparison): string {
  if (c.metrics.length === 0) return '<h2>Metrics</h2><p class="muted">No column records metrics.</p>';
  const n = c.columns.length;
  const head = `<tr><th>metric</th>${Array.from({ length: n }, (_, i) => `<th>${letter(i)}</th>`).join('')}</tr>`;
  const rows = c.metrics.map((m) => `<tr><td>${esc(m.name)}</td>${m.values.map((v, i) => `<td class="num" title="${esc(m.sources[i] ?? '')}">${esc(fmt(v))}${i > 0 && m.deltas[i] !== null ? ` <span class="muted">(${esc(signed(m.deltas[i]!))})</span>` : ''}</td>`).join('')}</tr>`);
  return `<h2>Metrics</h2><table>${head}${rows.join('')}</table><div class="charts">${c.metrics.map(chart).join('')}</div>`;
}

function strip(layers: LayerSummary[]): string {
  const w = Math.max(6, Math.min(96, Math.floor(1100 / Math.max(1, layers.length))));
  const chars = Math.max(2, Math.floor(w / 7));
  const H = 28;
  const rects = layers.map((l, i) => {
    const structural = l.counts.added + l.counts.removed + l.counts['shape-changed'] + l.counts['dtype-changed'];
    const fill = structural ? 'var(--del-fg)' : l.counts.changed ? 'var(--changed)' : l.counts.unknown ? 'var(--unknown)' : 'var(--same)';
    const opacity = l.changedFraction > 0 ? 0.35 + 0.65 * l.changedFraction : 0.25;
    const tip = `${l.layer}: ${l.tensors} tensors, ${Object.entries(l.counts).filter(([, v]) => v).map(([k, v]) => `${v} ${k}`).join(', ')}`;
    return `<rect x="${i * w}" y="0" width="${w - 1}" height="${H}" fill="${fill}" fill-opacity="${opacity.toFixed(2)}"><title>${esc(tip)}</title></rect>`;
  });
  const labels = layers.length <= 40 ? layers.map((l, i) => `<text x="${i * w + (w - 1) / 2}" y="${H + 12}" text-anchor="middle">${esc(l.layer.length > chars ? `${l.layer.slice(0, chars - 1)}…` : l.layer)}</text>`) : [];
  return `<svg width="${layers.length * w}" height="${H + 16}" viewBox="0 0 ${layers.length * w} ${H + 16}" role="img" aria-label="changed tensors per layer">${rects.join('')}${labels.join('')}</svg>`;
}

function tensors(c: Comparison): string {
  const t = c.tensors;
  if (!t.available) return `<h2>Tensors</h2><p class="muted">${esc(t.notes.join('; ') || 'no tensors to compare')}</p>`;
  const counts = Object.entries(t.counts).filter(([, v]) => v).map(([k, v]) => `${v} ${k}`).join(', ');
  const changed = t.tensors.filter((r) => r.status !== 'same');
  const shape = (r: TensorRow, i: number) => (r.shapes[i] ? `${r.dtypes[i]} [${r.shapes[i]!.join(', ')}]` : '—');
  const table = changed.length
    ? `<table><tr><th>tensor</th><th>layer</th>${c.columns.map((_, i) => `<th>${letter(i)}</th>`).join('')}<th></th></tr>${changed.map((r) => `<tr><td class="mono">${esc(r.name)}</td><td>${esc(r.layer)}</td>${c.columns.map((_, i) => `<td class="mono">${esc(shape(r, i))}</td>`).join('')}<td>${badge(r.status)}</td></tr>`).join('')}</table>`
    : '<p>Every tensor is the same.</p>';
  return `<h2>Tensors</h2><p>${t.tensors.length} tensors: ${esc(counts)}.</p><h3>Per layer</h3>${strip(t.layers)}${table}${t.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('')}`;
}

function ops(diff: WordOp[]): string {
  return diff.map((o) => (o.op === 'eq' ? esc(o.text) : o.op === 'ins' ? `<ins>${esc(o.text)}</ins>` : `<del>${esc(o.text)}</del>`)).join('');
}

function card(c: Comparison): string {
  const k = c.card;
  const where = `<p class="muted">${k.cards.map((w, i) => `${letter(i)}: ${w ? esc(w) : 'no card'}`).join(' · ')}</p>`;
  const meta = keyTable('Model card metadata', k.metadata, c.columns.length, 'The metadata is the same.');
  const sections = k.sections
    .filter((s) => s.status !== 'same')
    .map((s) => `<h3>${esc(s.heading)} ${badge(s.status)}</h3>${s.diffs.map((d, i) => (d ? `<div class="muted">${letter(0)} → ${letter(i)}</div><div class="diff">${ops(d)}</div>` : '')).join('')}`);
  return `<h2>Model card</h2>${where}${meta.replace('<h2>', '<h3>').replace('</h2>', '</h3>')}${sections.length ? sections.join('') : '<p class="muted">The sections are the same.</p>'}${k.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('')}`;
}

export function renderComparisonHtml(c: Comparison): string {
  const n = c.columns.length;
  const answer = c.drifted.length ? `Drifted: <b>${c.drifted.map(esc).join(', ')}</b>` : 'No axis drifted.';
  const title = `Pedigree comparison: ${c.columns.map((x) => x.label).join(' vs ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>${header(c)}
<h2>Which axis drifted?</h2><p class="answer">${answer}</p><div class="axes">${c.axes.map(axisCard).join('')}</div>${c.axes.map((a) => axisTable(a, n)).join('')}
${keyTable('Config', c.config, n, 'The configs are the same (or not recorded).')}
${keyTable('Dependency pins', c.pins, n, 'The pins are the same (or not recorded).')}
${metrics(c)}
${tensors(c)}
${card(c)}
</body></html>
`;
}
