import type { AxisAudit, NodeDetails, NodeFileDto } from '../../shared/lineage';
import { Empty, ErrorBox, Loading } from '../components/States';
import { formatBytes } from '../components/format';
import { Sparkline } from '../components/Sparkline';
import { useAppStore } from '../state/store';

const AXIS_LABEL: Record<string, string> = { data: 'Data', code: 'Code', hyperparameters: 'Hyperparameters', compute: 'Compute' };
const INTEGRITY_LABEL: Record<NodeFileDto['integrity'], string> = {
  intact: 'intact',
  mismatch: 'digest mismatch',
  'not-hashed': 'not hashed yet',
  missing: 'missing',
  'declared-only': 'declared, not present',
};

/** The details panel: what the selected node is, its files, the evidence behind its edges, and its audit. */
export function NodePanel({ onOpen }: { onOpen(nodeId: number): void }) {
  const details = useAppStore((s) => s.details);
  const state = useAppStore((s) => s.detailsState);
  const error = useAppStore((s) => s.detailsError);
  const selected = useAppStore((s) => s.selected);
  const toggleCollapse = useAppStore((s) => s.toggleCollapse);
  const collapsed = useAppStore((s) => s.collapsed);
  if (selected === null) return <Empty title="Nothing selected">Click a node to see its files, the evidence behind its edges and, for a checkpoint, its four-axis audit. Shift-click a second node to highlight the path between them.</Empty>;
  if (state === 'loading' && !details) return <Loading what="details" />;
  if (state === 'error') return <ErrorBox message={error ?? 'cannot load the node'} />;
  if (!details) return null;
  const n = details.node;
  return (
    <div className="node-panel" aria-label="node details">
      <header>
        <div className={`kind-pill kind-${n.kind}`}>{n.kind}</div>
        <h2 title={n.key}>{n.label}</h2>
        <div className="muted small">
          in {n.storeName} · read by {details.readers.join(', ')}
        </div>
        {!n.present && <div className="badge warn">declared, not present</div>}
        {n.mismatch && <div className="badge sev-error">digest mismatch</div>}
        <div className="panel-actions">
          <button className="btn" onClick={() => onOpen(n.id)}>
            Focus here
          </button>
          {n.kind === 'checkpoint' && <CompareButton nodeId={n.id} />}
          {details.outgoing.length > 0 && (
            <button className="btn" onClick={() => toggleCollapse(n.id)}>
              {collapsed.includes(n.id) ? 'Expand outputs' : 'Collapse outputs'}
            </button>
          )}
        </div>
      </header>
      {details.audit && (
        <section aria-label="audit">
          <h3>
            Reproducibility audit <span className={`badge axis-${details.audit.status}`}>{details.audit.status}</span>
          </h3>
          <div className="axes">
            {details.audit.axes.map((a) => (
              <AxisCard key={a.axis} axis={a} onOpen={onOpen} />
            ))}
          </div>
        </section>
      )}
      {details.files.length > 0 && (
        <section aria-label="files">
          <h3>Files</h3>
          {details.files.map((f) => (
            <div key={f.path} className={`file-card integrity-${f.integrity}`}>
              <div className="mono small" title={f.absPath ?? f.path}>
                {f.path}
              </div>
              <div className="small">
                <span className={`badge ${f.integrity === 'intact' ? 'ok' : f.integrity === 'mismatch' ? 'sev-error' : 'warn'}`}>{INTEGRITY_LABEL[f.integrity]}</span> {f.size !== null && formatBytes(f.size)}
              </div>
              {f.sha256 && <div className="mono digest-line">sha256 {f.sha256}</div>}
              {f.md5 && <div className="mono digest-line">md5 {f.md5}</div>}
              {f.declared.map((d) => (
                <div key={d.algorithm + d.digest} className="mono digest-line muted">
                  declared {d.algorithm} {d.digest}
                </div>
              ))}
            </div>
          ))}
        </section>
      )}
      <Props details={details} />
      <section aria-label="edges">
        <h3>Lineage</h3>
        {[...details.incoming.map((e) => ({ e, dir: 'from' as const })), ...details.outgoing.map((e) => ({ e, dir: 'to' as const }))].map(({ e, dir }) => (
          <div key={`${dir}${e.id}`} className="edge-row">
            <button className="link" onClick={() => onOpen(e.other.id)}>
              {dir === 'from' ? '←' : '→'} {e.other.label}
            </button>{' '}
            <span className="muted small">
              {e.relation} · <span className={`strength strength-${e.strength}`}>{e.strength}</span>
            </span>
            <div className="mono evidence">
              {e.evidence.file}
              {e.evidence.line ? `:${e.evidence.line}` : ''}
              {e.evidence.detail ? ` — ${e.evidence.detail}` : ''}
            </div>
          </div>
        ))}
        {details.incoming.length + details.outgoing.length === 0 && <div className="muted small">No edges.</div>}
      </section>
      {details.evidence.length > 0 && (
        <section aria-label="evidence">
          <h3>Read from</h3>
          {details.evidence.slice(0, 8).map((e, i) => (
            <div key={i} className="mono evidence">
              {e.file}
              {e.line ? `:${e.line}` : ''}
              {e.detail ? ` — ${e.detail}` : ''}
            </div>
          ))}
        </section>
      )}
    </div>
  );
}

/** Adds this checkpoint to the compare view's subjects (keeping those already there). */
function CompareButton({ nodeId }: { nodeId: number }) {
  const navigate = useAppStore((s) => s.navigate);
  const comparison = useAppStore((s) => s.comparison);
  const lastRefs = comparison?.columns.map((c) => c.ref) ?? [];
  return (
    <button className="btn" onClick={() => navigate({ view: 'compare', params: { refs: [...lastRefs.filter((r) => r !== `#${nodeId}`), `#${nodeId}`].slice(-8).join('|') } })}>
      Compare
    </button>
  );
}

function AxisCard({ axis, onOpen }: { axis: AxisAudit; onOpen(nodeId: number): void }) {
  return (
    <div className={`axis axis-${axis.status}`} aria-label={`${axis.axis} axis ${axis.status}`}>
      <div className="axis-head">
        <span className="axis-dot" /> {AXIS_LABEL[axis.axis]} <span className="axis-status">{axis.status}</span>
      </div>
      {axis.found.map((f, i) => (
        <div key={i} className="small">
          <span className="muted">{f.what}:</span>{' '}
          {f.nodeId !== null ? (
            <button className="link mono" onClick={() => onOpen(f.nodeId!)} title={f.evidence ? `${f.evidence.file}${f.evidence.line ? `:${f.evidence.line}` : ''}` : ''}>
              {f.value}
            </button>
          ) : (
            <span className="mono">{f.value}</span>
          )}
        </div>
      ))}
      {axis.missing.map((m) => (
        <div key={m} className="small missing-line">
          ✗ {m}
        </div>
      ))}
    </div>
  );
}

/** Params, metrics (with their history as sparklines) and the rest, compactly. */
function Props({ details }: { details: NodeDetails }) {
  const entries = Object.entries(details.props).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return null;
  const histories = (details.props.metricHistory ?? details.props.metric_history ?? details.props.histories) as Record<string, unknown> | undefined;
  return (
    <section aria-label="properties">
      <h3>Properties</h3>
      <table className="props">
        <tbody>
          {entries
            .filter(([k]) => k !== 'metricHistory' && k !== 'metric_history' && k !== 'histories')
            .slice(0, 60)
            .map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td className="mono">
                  <PropValue value={v} histories={k === 'metrics' ? histories : undefined} />
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}

function PropValue({ value, histories }: { value: unknown; histories?: Record<string, unknown> }) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      <div className="prop-object">
        {entries.slice(0, 40).map(([k, v]) => {
          const h = histories?.[k];
          const points = Array.isArray(h) ? h.map((p) => (typeof p === 'number' ? p : typeof p === 'object' && p && 'value' in p ? Number((p as { value: unknown }).value) : NaN)).filter((x) => Number.isFinite(x)) : [];
          return (
            <div key={k}>
              <span className="muted">{k}</span> {typeof v === 'object' ? JSON.stringify(v).slice(0, 120) : String(v)} {points.length > 1 && <Sparkline values={points} />}
            </div>
          );
        })}
        {entries.length > 40 && <div className="muted">… {entries.length - 40} more</div>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return <>{text.length > 300 ? `${text.slice(0, 300)}…` : text}</>;
}
