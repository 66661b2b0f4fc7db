import { useEffect, useState, type DragEvent } from 'react';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { cardFormProblems, HUB_LICENSES, type CardForm } from '../../shared/cards';
import type { LineageNodeDto } from '../../shared/lineage';
import { getApi } from '../api';
import { Empty, ErrorBox, Loading } from '../components/States';
import { useAppStore } from '../state/store';
import { TYPING_PAUSE_MS } from './typing';

const NODE_MIME = 'application/x-pedigree-node';
const SECTION_MIME = 'application/x-pedigree-section';
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** A dropped README.md (or a folder holding one) becomes a path to open: from Electron directly, in a browser by its digest in the index. */
async function pathOfDrop(e: DragEvent): Promise<string | null> {
  const file = e.dataTransfer.files[0];
  if (!file) return null;
  const direct = window.pedigreeBridge?.pathForFile?.(file);
  if (direct) return /\.md$/i.test(direct) ? direct : `${direct.replace(/\/$/, '')}/README.md`;
  // Browser mode hides paths: find the indexed file with the same content.
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
  const hit = (await getApi().searchFiles({ query: digest, limit: 1 })).rows[0];
  return hit?.absPath ?? null;
}

export function CardsView() {
  const route = useAppStore((s) => s.route);
  const navigate = useAppStore((s) => s.navigate);
  const card = useAppStore((s) => s.card);
  const state = useAppStore((s) => s.cardState);
  const error = useAppStore((s) => s.cardError);
  const openCardAt = useAppStore((s) => s.openCardAt);
  const linkNode = useAppStore((s) => s.linkNode);
  const [path, setPath] = useState(route.params.path ?? '');
  const [dropping, setDropping] = useState(false);
  const [dropError, setDropError] = useState<string | null>(null);
  useEffect(() => {
    if (route.params.path && route.params.path !== card?.path) void openCardAt(route.params.path);
  }, [route.params.path, card?.path, openCardAt]);
  const open = (p: string) => navigate({ view: 'cards', params: { path: p } });

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    setDropError(null);
    const node = e.dataTransfer.getData(NODE_MIME);
    if (node) {
      if (card) await linkNode(Number(node));
      return;
    }
    const p = await pathOfDrop(e);
    if (p) open(p);
    else setDropError('That file is not in the index: add its folder as a store first, or type its path.');
  };

  return (
    <section
      className={`view cards-view${dropping ? ' dropping' : ''}`}
      aria-labelledby="cards-title"
      onDragOver={(e) => {
        e.preventDefault();
        // only a file from outside marks the drop zone; moves inside the editor do not
        if (e.dataTransfer.types.includes('Files')) setDropping(true);
      }}
      onDragEnd={() => setDropping(false)}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDropping(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      <header className="view-header">
        <div>
          <h1 id="cards-title">Model cards</h1>
          <p className="muted">Drop a README.md (or a folder holding one) here to open it. Drag a checkpoint or dataset from the right onto the card to link its lineage. Saving keeps every byte you did not change.</p>
        </div>
      </header>
      <form
        className="add-store"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) open(path.trim());
        }}
      >
        <input className="input mono" placeholder="/path/to/README.md" value={path} onChange={(e) => setPath(e.target.value)} aria-label="card path" spellCheck={false} />
        <button className="btn primary">Open</button>
        <GenerateButton />
      </form>
      {dropError && (
        <div className="form-error" role="alert">
          {dropError}
        </div>
      )}
      {state === 'loading' && <Loading what="the card" />}
      {state === 'error' && <ErrorBox message={error ?? 'cannot open the card'} />}
      {state === 'idle' && <Empty title="No card open">Type a path, drop a README.md, or generate a card from a checkpoint's lineage.</Empty>}
      {card && state === 'ready' && <Editor />}
    </section>
  );
}

function GenerateButton() {
  const newCard = useAppStore((s) => s.newCard);
  const navigate = useAppStore((s) => s.navigate);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<LineageNodeDto[]>([]);
  useEffect(() => {
    if (!query.trim()) return setHits([]);
    const t = setTimeout(() => void getApi().searchLineage({ query, kind: 'checkpoint', limit: 8 }).then((r) => setHits(r.rows), () => setHits([])), TYPING_PAUSE_MS);
    return () => clearTimeout(t);
  }, [query]);
  const generate = async (n: LineageNodeDto) => {
    setQuery('');
    const [facts, details] = await Promise.all([getApi().cardFactsForNode({ nodeId: n.id }), getApi().getNodeDetails({ nodeId: n.id })]);
    const file = details.files.find((f) => f.absPath)?.absPath;
    if (!file) return;
    const r = await getApi().generateCard({ facts, meta: { modelName: n.label.replace(/\.[a-z]+$/, '') } });
    const path = `${file.slice(0, file.lastIndexOf('/'))}/README.md`;
    navigate({ view: 'cards', params: {} }, { replace: true });
    newCard(path, r.text);
  };
  return (
    <div className="search-box generate">
      <input className="input" placeholder="Generate a card from a checkpoint…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="generate from checkpoint" />
      {hits.length > 0 && (
        <div className="search-hits" role="listbox" aria-label="checkpoints">
          {hits.map((h) => (
            <button key={h.id} type="button" role="option" aria-selected={false} className="hit" onClick={() => void generate(h)}>
              {h.label} <span className="muted small">#{h.id}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function Editor() {
  const card = useAppStore((s) => s.card)!;
  const text = useAppStore((s) => s.cardText);
  const findings = useAppStore((s) => s.cardFindings);
  const error = useAppStore((s) => s.cardError);
  const conflict = useAppStore((s) => s.cardConflict);
  const saved = useAppStore((s) => s.cardSaved);
  const save = useAppStore((s) => s.saveCurrentCard);
  const dirty = text !== card.text;
  return (
    <div className="card-editor">
      <div className="card-left">
        <div className="card-path mono small" title={card.path}>
          {card.path} {card.sha256 ? '' : '(new)'} {dirty && <span className="badge warn">unsaved</span>}
        </div>
        <MetadataForm key={card.path + JSON.stringify(card.form)} form={card.form} />
        <Sections />
        <section aria-label="card findings">
          <h3>Findings</h3>
          {findings.length === 0 && <div className="muted small">None.</div>}
          {findings.map((f, i) => (
            <div key={i} className="small">
              <span className={`badge sev-${f.severity}`}>{f.severity}</span> {f.message}
            </div>
          ))}
        </section>
        <div className="panel-actions">
          <button className="btn primary" disabled={!dirty && !!card.sha256} onClick={() => void save()}>
            Save
          </button>
          {saved && <span className="muted small">{saved}</span>}
        </div>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        {conflict && (
          <pre className="conflict-diff" ref={(el) => el?.scrollIntoView({ block: 'nearest' })}>
            {conflict}
          </pre>
        )}
      </div>
      <div className="card-preview" aria-label="preview">
        <Markdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={(url) => (/^(https?:)?\/\//i.test(url) ? '' : url)} components={{ img: ({ alt }) => <span className="muted">[image: {alt ?? 'not shown'}]</span> }}>
          {bodyOf(text)}
        </Markdown>
      </div>
      <LineagePalette />
    </div>
  );
}

/** The markdown after the front matter, for the preview. */
function bodyOf(text: string): string {
  const m = /^\uFEFF?---\r?\n[\s\S]*?\r?\n---\r?\n?/.exec(text);
  return m ? text.slice(m[0].length) : text;
}

function MetadataForm({ form }: { form: CardForm }) {
  const apply = useAppStore((s) => s.applyForm);
  const [f, setF] = useState(form);
  const problems = cardFormProblems(f);
  const field = (key: keyof CardForm, label: string, value: string, onChange: (v: string) => void, hint?: string) => (
    <label className="form-field">
      <span>{label}</span>
      <input className="input" value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} aria-invalid={problems[key] ? true : undefined} />
      {problems[key] ? <span className="field-error">{problems[key]}</span> : hint && <span className="muted small">{hint}</span>}
    </label>
  );
  return (
    <section aria-label="metadata">
      <h3>Metadata</h3>
      <label className="form-field">
        <span>License</span>
        <select className="input" value={f.license} onChange={(e) => setF({ ...f, license: e.target.value })} aria-label="License">
          <option value="">(none)</option>
          {HUB_LICENSES.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      {f.license === 'other' && field('licenseName', 'License name', f.licenseName, (v) => setF({ ...f, licenseName: v }))}
      {field('tags', 'Tags', f.tags.join(', '), (v) => setF({ ...f, tags: list(v) }), 'comma separated')}
      {field('datasets', 'Datasets', f.datasets.join(', '), (v) => setF({ ...f, datasets: list(v) }), 'Hub dataset ids')}
      {field('baseModel', 'Base model', f.baseModel.join(', '), (v) => setF({ ...f, baseModel: list(v) }))}
      <label className="form-field">
        <span>Base model relation</span>
        <select className="input" value={f.baseModelRelation} onChange={(e) => setF({ ...f, baseModelRelation: e.target.value })} aria-label="Base model relation">
          {['', 'finetune', 'adapter', 'merge', 'quantized'].map((r) => (
            <option key={r} value={r}>
              {r || '(none)'}
            </option>
          ))}
        </select>
      </label>
      {field('metrics', 'Metrics', f.metrics.join(', '), (v) => setF({ ...f, metrics: list(v) }))}
      <ResultsEditor entries={f.modelIndex} onChange={(modelIndex) => setF({ ...f, modelIndex })} problem={problems.modelIndex} />
      <button className="btn" disabled={Object.keys(problems).length > 0 || JSON.stringify(f) === JSON.stringify(form)} onClick={() => void apply(f)}>
        Apply to the card
      </button>
    </section>
  );
}

/** One evaluation result per row: the model-index as people read it in a table. */
interface ResultRow {
  model: string;
  task: string;
  dataset: string;
  datasetType: string;
  split: string;
  metric: string;
  value: string;
  /** Fields the table does not show, kept as they were. */
  keep: { taskName?: string; config?: string; metricName?: string };
}

function rowsOf(entries: CardForm['modelIndex']): ResultRow[] {
  return entries.flatMap((e) =>
    e.results.flatMap((r) =>
      r.metrics.map((m) => ({
        model: e.name,
        task: r.task.type,
        dataset: r.dataset.name,
        datasetType: r.dataset.type,
        split: r.dataset.split ?? '',
        metric: m.type,
        value: String(m.value),
        keep: { taskName: r.task.name, config: r.dataset.config, metricName: m.name },
      })),
    ),
  );
}

function entriesOf(rows: ResultRow[]): CardForm['modelIndex'] {
  const out: CardForm['modelIndex'] = [];
  for (const row of rows) {
    let entry = out.find((e) => e.name === row.model);
    if (!entry) out.push((entry = { name: row.model, results: [] }));
    let result = entry.results.find((r) => r.task.type === row.task && r.dataset.name === row.dataset && r.dataset.type === row.datasetType && (r.dataset.split ?? '') === row.split);
    if (!result) {
      result = {
        task: { type: row.task, ...(row.keep.taskName ? { name: row.keep.taskName } : {}) },
        dataset: { type: row.datasetType, name: row.dataset, ...(row.keep.config ? { config: row.keep.config } : {}), ...(row.split ? { split: row.split } : {}) },
        metrics: [],
      };
      entry.results.push(result);
    }
    const num = Number(row.value);
    result.metrics.push({ type: row.metric, value: row.value.trim() !== '' && Number.isFinite(num) ? num : row.value, ...(row.keep.metricName ? { name: row.keep.metricName } : {}) });
  }
  return out;
}

function ResultsEditor({ entries, onChange, problem }: { entries: CardForm['modelIndex']; onChange(e: CardForm['modelIndex']): void; problem?: string }) {
  const rows = rowsOf(entries);
  const set = (i: number, patch: Partial<ResultRow>) => onChange(entriesOf(rows.map((r, j) => (j === i ? { ...r, ...patch } : r))));
  const cols: [keyof ResultRow, string][] = [
    ['task', 'task'],
    ['dataset', 'dataset'],
    ['datasetType', 'type'],
    ['split', 'split'],
    ['metric', 'metric'],
    ['value', 'value'],
  ];
  return (
    <div className="form-field" aria-label="evaluation results">
      <span>Evaluation results (model-index)</span>
      <table className="results-table">
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {cols.map(([k, label]) => (
                <td key={k}>
                  <input className="input" value={r[k] as string} placeholder={label} aria-label={`result ${i + 1} ${label}`} onChange={(e) => set(i, { [k]: e.target.value })} />
                </td>
              ))}
              <td>
                <button type="button" className="link" aria-label={`remove result ${i + 1}`} onClick={() => onChange(entriesOf(rows.filter((_, j) => j !== i)))}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        className="link small"
        onClick={() => onChange(entriesOf([...rows, { model: rows[0]?.model ?? 'model', task: 'text-classification', dataset: '', datasetType: '', split: 'test', metric: 'accuracy', value: '', keep: {} }]))}
      >
        + add a result
      </button>
      {problem && <span className="field-error">{problem}</span>}
    </div>
  );
}

function Sections() {
  const card = useAppStore((s) => s.card)!;
  const move = useAppStore((s) => s.moveSection);
  const [over, setOver] = useState<number | null>(null);
  return (
    <section aria-label="sections">
      <h3>Sections</h3>
      <ol className="section-list">
        {card.sections.map((s, i) => (
          <li
            key={`${i}:${s.id}`}
            className={`section-item${over === i ? ' drop-over' : ''}`}
            draggable
            onDragStart={(e) => e.dataTransfer.setData(SECTION_MIME, String(i))}
            onDragOver={(e) => {
              if (e.dataTransfer.types.includes(SECTION_MIME)) {
                e.preventDefault();
                setOver(i);
              }
            }}
            onDragLeave={() => setOver(null)}
            onDrop={(e) => {
              const from = Number(e.dataTransfer.getData(SECTION_MIME));
              setOver(null);
              if (e.dataTransfer.types.includes(SECTION_MIME)) {
                e.preventDefault();
                e.stopPropagation();
                if (from !== i) void move(from, i);
              }
            }}
          >
            <span className="grip">⋮⋮</span> {s.title || "(before the first heading)"}
            {s.mitchell && <span className="muted small"> · {s.mitchell}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Checkpoints and datasets to drag onto the card. */
function LineagePalette() {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<LineageNodeDto[]>([]);
  useEffect(() => {
    const t = setTimeout(() => {
      void getApi()
        .searchLineage({ query, limit: 20 })
        .then((r) => setHits(r.rows.filter((n) => n.kind === 'checkpoint' || n.kind === 'dataset')), () => setHits([]));
    }, 120);
    return () => clearTimeout(t);
  }, [query]);
  return (
    <aside className="palette" aria-label="lineage palette">
      <h3>Link lineage</h3>
      <input className="input" placeholder="Find a checkpoint or dataset" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="find lineage" />
      {hits.map((h) => (
        <div key={h.id} className={`palette-item kind-${h.kind}`} draggable onDragStart={(e) => e.dataTransfer.setData(NODE_MIME, String(h.id))} title="drag onto the card">
          <span className={`kind-pill small kind-${h.kind}`}>{h.kind}</span> {h.label}
          <div className="muted small">
            #{h.id} · {h.storeName}
            {h.summary ? ` · ${h.summary}` : ''}
          </div>
        </div>
      ))}
    </aside>
  );
}
