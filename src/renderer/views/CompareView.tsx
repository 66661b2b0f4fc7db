import { useEffect, useMemo, useState } from 'react';
import type { AxisComparison, Comparison, KeyDiff, MetricRow, WordOp } from '../../shared/compare';
import type { LineageNodeDto } from '../../shared/lineage';
import { getApi } from '../api';
import { Empty, ErrorBox, Loading } from '../components/States';
import { useAppStore } from '../state/store';

/** Column colours for curves and chips: column A, B, C… */
const COLUMN_COLOURS = ['#2f6fb3', '#c2410c', '#2f8a5b', '#7c3aed', '#a86408', '#a1457a', '#0e7490', '#4b5563'];
const AXIS_LABEL: Record<string, string> = { data: 'Data', code: 'Code', hyperparameters: 'Hyperparameters', compute: 'Compute' };

export function CompareView() {
  const route = useAppStore((s) => s.route);
  const navigate = useAppStore((s) => s.navigate);
  const comparison = useAppStore((s) => s.comparison);
  const state = useAppStore((s) => s.comparisonState);
  const error = useAppStore((s) => s.comparisonError);
  const run = useAppStore((s) => s.runComparison);
  const exportAs = useAppStore((s) => s.exportComparison);
  const refs = useMemo(() => (route.params.refs ? route.params.refs.split('|').filter(Boolean) : []), [route.params.refs]);
  const setRefs = (next: string[]) => navigate({ view: 'compare', params: { refs: next.join('|') } });
  useEffect(() => void run(refs), [refs, run]);

  return (
    <section className="view compare-view" aria-labelledby="compare-title">
      <header className="view-header">
        <div>
          <h1 id="compare-title">Compare</h1>
          <p className="muted">Two or more checkpoints or registry versions side by side: which of the four axes drifted, and what changed in configs, pins, metrics, tensors and cards.</p>
        </div>
        {comparison && (
          <div className="panel-actions">
            <button className="btn" onClick={() => void exportAs(refs, 'html')}>
              Export HTML
            </button>
            <button className="btn" onClick={() => void exportAs(refs, 'json')}>
              Export JSON
            </button>
          </div>
        )}
      </header>
      <SubjectPicker refs={refs} onChange={setRefs} />
      {refs.length < 2 && <Empty title="Pick two or more subjects">Search for checkpoints, or type a registry version such as <span className="mono">acme/sentiment@v2</span> or <span className="mono">acme/sentiment@champion</span>.</Empty>}
      {state === 'loading' && <Loading what="the comparison (hashing tensors)" />}
      {state === 'error' && <ErrorBox message={error ?? 'the comparison failed'} onRetry={() => void run(refs)} />}
      {comparison && state !== 'loading' && <ComparisonBody c={comparison} />}
    </section>
  );
}

function SubjectPicker({ refs, onChange }: { refs: string[]; onChange(refs: string[]): void }) {
  const [text, setText] = useState('');
  const [hits, setHits] = useState<LineageNodeDto[]>([]);
  useEffect(() => {
    if (!text.trim() || text.includes('@')) {
      setHits([]);
      return;
    }
    const t = setTimeout(() => {
      void getApi()
        .searchLineage({ query: text, kind: 'checkpoint', limit: 12 })
        .then((r) => setHits(r.rows), () => setHits([]));
    }, 120);
    return () => clearTimeout(t);
  }, [text]);
  const add = (ref: string) => {
    if (!refs.includes(ref) && refs.length < 8) onChange([...refs, ref]);
    setText('');
  };
  return (
    <div className="subject-picker">
      <div className="chips" aria-label="subjects">
        {refs.map((r, i) => (
          <span key={r} className="subject-chip" style={{ borderColor: COLUMN_COLOURS[i % COLUMN_COLOURS.length] }}>
            <b style={{ color: COLUMN_COLOURS[i % COLUMN_COLOURS.length] }}>{String.fromCharCode(65 + i)}</b> <span className="mono">{r}</span>
            <button className="link" aria-label={`remove ${r}`} onClick={() => onChange(refs.filter((x) => x !== r))}>
              ✕
            </button>
          </span>
        ))}
      </div>
      <form
        className="search-box"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.includes('@')) add(text.trim());
          else if (hits[0]) add(`#${hits[0].id}`);
        }}
      >
        <input className="input search" placeholder="Add a checkpoint (search) or a registry version (model@v2)" value={text} onChange={(e) => setText(e.target.value)} aria-label="add subject" spellCheck={false} />
        {hits.length > 0 && (
          <div className="search-hits" role="listbox" aria-label="subject results">
            {hits.map((h) => (
              <button key={h.id} type="button" role="option" aria-selected={false} className="hit" onClick={() => add(`#${h.id}`)}>
                <span className="kind-pill small kind-checkpoint">checkpoint</span> {h.label} <span className="muted small">#{h.id} · {h.storeName}</span>
              </button>
            ))}
          </div>
        )}
      </form>
    </div>
  );
}

function ComparisonBody({ c }: { c: Comparison }) {
  return (
    <div className="comparison">
      <div className="drift-answer" role="status">
        {c.drifted.length ? (
          <>
            Drifted: <b>{c.drifted.map((a) => AXIS_LABEL[a]).join(', ')}</b>
          </>
        ) : (
          'No axis drifted'
        )}
        {c.axes.some((a) => a.status === 'unknown') && <span className="muted"> · unknown: {c.axes.filter((a) => a.status === 'unknown').map((a) => AXIS_LABEL[a.axis]).join(', ')}</span>}
      </div>
      <div className="columns-head" style={{ gridTemplateColumns: `repeat(${c.columns.length}, minmax(0, 1fr))` }}>
        {c.columns.map((col, i) => (
          <div key={col.ref} className="column-card" style={{ borderTopColor: COLUMN_COLOURS[i % COLUMN_COLOURS.length] }}>
            <b>
              {String.fromCharCode(65 + i)} · {col.label}
            </b>
            <div className="muted small">{col.kind === 'registry-version' ? col.version : `checkpoint #${col.nodeId}`}</div>
            {col.files.slice(0, 2).map((f) => (
              <div key={f.path} className="mono small muted" title={f.absPath ?? f.path}>
                {f.path.split('/').pop()} {f.sha256?.slice(0, 12)}
              </div>
            ))}
          </div>
        ))}
      </div>
      <div className="axis-grid">
        {c.axes.map((a) => (
          <AxisCard key={a.axis} axis={a} columns={c.columns.length} />
        ))}
      </div>
      <DiffTable title="Config" rows={c.config} columns={c.columns.length} empty="No config recorded." />
      <DiffTable title="Dependency pins" rows={c.pins} columns={c.columns.length} empty="No dependency list recorded." />
      <Metrics rows={c.metrics} columns={c.columns.length} />
      <Tensors c={c} />
      <Card c={c} />
    </div>
  );
}

function AxisCard({ axis, columns }: { axis: AxisComparison; columns: number }) {
  const [open, setOpen] = useState(axis.status !== 'same');
  return (
    <section className={`drift drift-${axis.status}`} aria-label={`${axis.axis} drift ${axis.status}`}>
      <button className="drift-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="drift-status">{axis.status === 'changed' ? '≠' : axis.status === 'same' ? '=' : '?'}</span>
        <b>{AXIS_LABEL[axis.axis]}</b> <span className="muted small">{axis.reason}</span>
      </button>
      {open && (
        <table className="table small">
          <tbody>
            {axis.facts.map((f) => (
              <tr key={f.what} className={`fact-${f.status}`}>
                <th>{f.what}</th>
                {Array.from({ length: columns }, (_, i) => (
                  <td key={i} className="mono" title={f.evidence[i] ? `${f.evidence[i]!.file}${f.evidence[i]!.line ? `:${f.evidence[i]!.line}` : ''}` : ''}>
                    {f.values[i] ?? <span className="muted">—</span>}
                  </td>
                ))}
              </tr>
            ))}
            {axis.notes.map((n) => (
              <tr key={n}>
                <td colSpan={columns + 1} className="muted">
                  {n}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DiffTable({ title, rows, columns, empty }: { title: string; rows: KeyDiff[]; columns: number; empty: string }) {
  const [all, setAll] = useState(false);
  const changed = rows.filter((r) => r.status !== 'same');
  const shown = all ? rows : changed;
  return (
    <section aria-label={title}>
      <h3>
        {title} <span className="muted small">{rows.length ? `${changed.length} of ${rows.length} differ` : ''}</span>
        {rows.length > changed.length && (
          <button className="link small" onClick={() => setAll(!all)}>
            {all ? 'only differences' : 'show all'}
          </button>
        )}
      </h3>
      {rows.length === 0 ? (
        <div className="muted small">{empty}</div>
      ) : (
        <table className="table small diff-table">
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} className={`key-${r.status}`}>
                <th className="mono">{r.key}</th>
                {Array.from({ length: columns }, (_, i) => (
                  <td key={i} className="mono">
                    {r.values[i] ?? <span className="muted">—</span>}
                  </td>
                ))}
                <td>
                  <span className={`badge key-badge-${r.status}`}>{r.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Metrics({ rows, columns }: { rows: MetricRow[]; columns: number }) {
  if (rows.length === 0) return null;
  return (
    <section aria-label="metrics">
      <h3>Metrics</h3>
      <table className="table small">
        <tbody>
          {rows.map((m) => (
            <tr key={m.name}>
              <th className="mono">{m.name}</th>
              {Array.from({ length: columns }, (_, i) => (
                <td key={i} className="mono">
                  {m.values[i] === null ? '—' : fmt(m.values[i]!)}
                  {i > 0 && m.deltas[i] !== null && m.deltas[i] !== undefined && <span className={m.deltas[i]! >= 0 ? 'delta-up' : 'delta-down'}> ({m.deltas[i]! >= 0 ? '+' : ''}{fmt(m.deltas[i]!)})</span>}
                </td>
              ))}
              <td>{m.histories.some((h) => h && h.length > 1) && <Curves histories={m.histories} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || v === Math.round(v) ? String(v) : v.toPrecision(4));

function Curves({ histories }: { histories: ([number, number][] | null)[] }) {
  const W = 220;
  const H = 48;
  const pts = histories.flatMap((h) => h ?? []);
  const [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  const [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  const sx = (x: number) => ((x - x0) / (x1 - x0 || 1)) * (W - 4) + 2;
  const sy = (y: number) => H - 2 - ((y - y0) / (y1 - y0 || 1)) * (H - 4);
  return (
    <svg width={W} height={H} className="curves" role="img" aria-label="metric histories">
      {histories.map((h, i) => h && <polyline key={i} fill="none" stroke={COLUMN_COLOURS[i % COLUMN_COLOURS.length]} strokeWidth={1.5} points={h.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')} />)}
    </svg>
  );
}

function Tensors({ c }: { c: Comparison }) {
  const t = c.tensors;
  const changed = t.tensors.filter((x) => x.status !== 'same');
  return (
    <section aria-label="tensors">
      <h3>
        Tensors{' '}
        <span className="muted small">
          {t.available ? Object.entries(t.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(' · ') : 'not available'}
        </span>
      </h3>
      {t.notes.map((n) => (
        <div key={n} className="muted small">
          {n}
        </div>
      ))}
      {t.available && (
        <>
          <div className="layer-strip" aria-label="layers">
            {t.layers.map((l) => (
              <div key={l.layer} className="layer-cell" title={`${l.layer}: ${Math.round(l.changedFraction * 100)}% of ${l.tensors} tensors differ`} style={{ background: l.changedFraction > 0 ? `color-mix(in srgb, var(--err) ${Math.round(25 + l.changedFraction * 75)}%, var(--panel-2))` : 'var(--ok-soft)' }}>
                <span>{l.layer}</span>
              </div>
            ))}
          </div>
          {changed.length > 0 && (
            <table className="table small" aria-label="changed tensors">
              <tbody>
                {changed.slice(0, 200).map((x) => (
                  <tr key={x.name}>
                    <td className="mono">{x.name}</td>
                    <td>
                      <span className={`badge key-badge-${x.status === 'changed' ? 'changed' : x.status === 'added' ? 'added' : x.status === 'removed' ? 'removed' : 'changed'}`}>{x.status}</span>
                    </td>
                    <td className="mono muted">{x.shapes.map((s, i) => `${String.fromCharCode(65 + i)} ${s ? `[${s.join('×')}]` : '—'} ${x.dtypes[i] ?? ''}`).join('  ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function Words({ ops }: { ops: WordOp[] }) {
  return (
    <span>
      {ops.map((o, i) =>
        o.op === 'eq' ? (
          <span key={i}>{o.text}</span>
        ) : o.op === 'ins' ? (
          <ins key={i} className="word-ins">
            {o.text}
          </ins>
        ) : (
          <del key={i} className="word-del">
            {o.text}
          </del>
        ),
      )}
    </span>
  );
}

function Card({ c }: { c: Comparison }) {
  const card = c.card;
  if (card.cards.every((x) => x === null)) return null;
  return (
    <section aria-label="model card">
      <h3>Model card</h3>
      <DiffTable title="Card metadata" rows={card.metadata} columns={c.columns.length} empty="No metadata." />
      {card.sections
        .filter((s) => s.status !== 'same')
        .map((s) => (
          <div key={s.heading} className="card-section-diff">
            <b>{s.heading}</b> <span className={`badge key-badge-${s.status}`}>{s.status}</span>
            {s.diffs.map((d, i) => d && <div key={i} className="word-diff">{<Words ops={d} />}</div>)}
          </div>
        ))}
    </section>
  );
}
