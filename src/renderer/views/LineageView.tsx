import { useEffect, useMemo, useRef, useState } from 'react';
import { NODE_KINDS, type NodeKind } from '../../shared/lineage';
import { GraphCanvas, type GraphHandle } from '../graph/GraphCanvas';
import { Empty, ErrorBox, Loading } from '../components/States';
import { hiddenByCollapse } from '../state/lineage';
import { useAppStore } from '../state/store';
import { NodePanel } from './NodePanel';
import { TYPING_PAUSE_MS } from './typing';

const num = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);

export function LineageView() {
  const route = useAppStore((s) => s.route);
  const navigate = useAppStore((s) => s.navigate);
  const graph = useAppStore((s) => s.graph);
  const layout = useAppStore((s) => s.layout);
  const state = useAppStore((s) => s.graphState);
  const error = useAppStore((s) => s.graphError);
  const loadGraph = useAppStore((s) => s.loadGraph);
  const select = useAppStore((s) => s.select);
  const selected = useAppStore((s) => s.selected);
  const collapsed = useAppStore((s) => s.collapsed);
  const toggleCollapse = useAppStore((s) => s.toggleCollapse);
  const path = useAppStore((s) => s.path);
  const showPath = useAppStore((s) => s.showPath);
  const clearPath = useAppStore((s) => s.clearPath);
  const hits = useAppStore((s) => s.searchHits);
  const hitsTotal = useAppStore((s) => s.searchTotal);
  const searchNodes = useAppStore((s) => s.searchNodes);
  const layoutMs = useAppStore((s) => s.layoutMs);
  const graphRef = useRef<GraphHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState<NodeKind | ''>('');
  const [storeId, setStoreId] = useState<number | null>(null);
  const [auditStatus, setAuditStatus] = useState<'' | 'complete' | 'partial' | 'missing'>('');
  const stores = useAppStore((s) => s.stores);
  const loadStores = useAppStore((s) => s.loadStores);
  useEffect(() => void loadStores(), [loadStores]);

  const focusId = route.params.node ? num(route.params.node, 0) || null : null;
  const up = num(route.params.up, 3);
  const down = num(route.params.down, 3);
  const sel = route.params.sel ? num(route.params.sel, 0) || null : null;
  const go = (params: Record<string, string | number | null | undefined>, replace = false) => {
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...route.params, ...params })) if (v !== null && v !== undefined && v !== '') next[k] = String(v);
    navigate({ view: 'lineage', params: next }, { replace });
  };

  // the URL drives what is shown
  useEffect(() => {
    void loadGraph({ nodeId: focusId, up, down, storeId: null });
  }, [focusId, up, down, loadGraph]);
  useEffect(() => {
    if (sel !== selected) void select(sel);
  }, [sel, select, selected]);
  useEffect(() => {
    const t = setTimeout(() => void searchNodes(query, { kind: kind || undefined, storeId: storeId ?? undefined, auditStatus: auditStatus || undefined }), TYPING_PAUSE_MS);
    return () => clearTimeout(t);
  }, [query, kind, storeId, auditStatus, searchNodes]);

  const hidden = useMemo(() => (graph ? hiddenByCollapse(graph.nodes, graph.edges, collapsed) : new Set<number>()), [graph, collapsed]);
  const byId = useMemo(() => new Map((graph?.nodes ?? []).map((n) => [n.id, n])), [graph]);

  const open = (nodeId: number) => go({ node: nodeId, sel: nodeId });
  const onSelect = (nodeId: number | null, withShift: boolean) => {
    if (nodeId !== null && withShift && selected !== null && selected !== nodeId) {
      void showPath(selected, nodeId);
      return;
    }
    if (nodeId === null) clearPath();
    go({ sel: nodeId }, true);
  };

  // keyboard: / search, Esc clear, arrows walk the graph
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLSelectElement;
      if (e.key === '/' && !typing) {
        e.preventDefault();
        searchRef.current?.focus();
        return;
      }
      if (e.key === 'Escape') {
        if (typing) {
          setQuery('');
          (document.activeElement as HTMLElement).blur();
        } else {
          clearPath();
          go({ sel: null }, true);
        }
        return;
      }
      if (typing || !layout || !graph || selected === null) return;
      const here = layout.positions.get(selected);
      if (!here) return;
      let next: number | null = null;
      const visible = graph.edges.filter((x) => !hidden.has(x.from) && !hidden.has(x.to));
      const nearest = (ids: number[]) => ids.sort((a, b) => Math.abs(layout.positions.get(a)!.y - here.y) - Math.abs(layout.positions.get(b)!.y - here.y))[0] ?? null;
      if (e.key === 'ArrowLeft') next = nearest(visible.filter((x) => x.to === selected && layout.positions.has(x.from)).map((x) => x.from));
      else if (e.key === 'ArrowRight') next = nearest(visible.filter((x) => x.from === selected && layout.positions.has(x.to)).map((x) => x.to));
      else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
        const same = [...layout.positions.entries()].filter(([, p]) => p.layer === here.layer && (e.key === 'ArrowUp' ? p.y < here.y : p.y > here.y));
        same.sort((a, b) => Math.abs(a[1].y - here.y) - Math.abs(b[1].y - here.y));
        next = same[0]?.[0] ?? null;
      } else if (e.key === 'Enter') {
        open(selected);
        return;
      } else return;
      e.preventDefault();
      if (next !== null) {
        go({ sel: next }, true);
        graphRef.current?.centerOn(next);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const focusNode = focusId !== null ? byId.get(focusId) : undefined;
  return (
    <section className="view lineage-view" aria-labelledby="lineage-title">
      <header className="view-header">
        <div>
          <h1 id="lineage-title">Lineage</h1>
          <p className="muted">
            {focusNode ? (
              <>
                Around <b>{focusNode.label}</b>: {up} step{up === 1 ? '' : 's'} up, {down} down.{' '}
                <button className="link" onClick={() => go({ node: null, sel: null })}>
                  Show everything
                </button>
              </>
            ) : (
              'Data, runs and stages flow left to right into checkpoints and registered versions.'
            )}
          </p>
        </div>
        <div className="legend small muted" aria-label="legend">
          <span>
            <svg width="28" height="8">
              <line x1="0" y1="4" x2="28" y2="4" className="edge strength-declared" />
            </svg>
            declared
          </span>
          <span>
            <svg width="28" height="8">
              <line x1="0" y1="4" x2="28" y2="4" className="edge strength-hash-matched" />
            </svg>
            hash-matched
          </span>
          <span>
            <svg width="28" height="8">
              <line x1="0" y1="4" x2="28" y2="4" className="edge strength-inferred" />
            </svg>
            inferred
          </span>
        </div>
      </header>
      <div className="toolbar">
        <div className="search-box">
          <input ref={searchRef} className="input search" type="search" placeholder="Search names, paths, digests, params   ( / )" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="search lineage" spellCheck={false} />
          {(query || auditStatus) && (
            <div className="search-hits" role="listbox" aria-label="search results">
              {hits.map((h) => (
                <button
                  key={h.id}
                  role="option"
                  aria-selected={false}
                  className="hit"
                  onClick={() => {
                    setQuery('');
                    open(h.id);
                  }}
                >
                  <span className={`kind-pill small kind-${h.kind}`}>{h.kind}</span> {h.label} <span className="muted small">{h.storeName}</span>
                  {h.audit && <span className={`badge axis-${h.audit}`}>{h.audit}</span>}
                </button>
              ))}
              {hits.length === 0 && <div className="muted small hit">No node matches.</div>}
              {hitsTotal > hits.length && <div className="muted small hit">{hitsTotal - hits.length} more…</div>}
            </div>
          )}
        </div>
        <select className="input" value={kind} onChange={(e) => setKind(e.target.value as NodeKind | '')} aria-label="kind filter">
          <option value="">All kinds</option>
          {NODE_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <select className="input" value={storeId ?? ''} onChange={(e) => setStoreId(e.target.value ? Number(e.target.value) : null)} aria-label="store filter">
          <option value="">All stores</option>
          {stores.map((st) => (
            <option key={st.id} value={st.id}>
              {st.name}
            </option>
          ))}
        </select>
        <select className="input" value={auditStatus} onChange={(e) => setAuditStatus(e.target.value as typeof auditStatus)} aria-label="audit filter">
          <option value="">Any audit</option>
          <option value="complete">Audit complete</option>
          <option value="partial">Audit partial</option>
          <option value="missing">Audit missing</option>
        </select>
        {focusId !== null && (
          <>
            <label className="check">
              up
              <select className="input" value={up} onChange={(e) => go({ up: e.target.value })} aria-label="ancestor depth">
                {[0, 1, 2, 3, 5, 8, 12, 20].map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
            <label className="check">
              down
              <select className="input" value={down} onChange={(e) => go({ down: e.target.value })} aria-label="descendant depth">
                {[0, 1, 2, 3, 5, 8, 12, 20].map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <button className="btn" onClick={() => graphRef.current?.fit()}>
          Fit
        </button>
        {path && (
          <button className="btn" onClick={clearPath}>
            {path.nodes === null ? 'Finding path…' : path.nodes.length ? `Path: ${path.nodes.length} nodes ✕` : 'No path ✕'}
          </button>
        )}
      </div>
      <div className="lineage-body">
        <div className="graph-area">
          {state === 'loading' && !layout && <Loading what="the lineage graph" />}
          {state === 'error' && <ErrorBox message={error ?? 'cannot load the lineage'} onRetry={() => void loadGraph({ nodeId: focusId, up, down, storeId: null })} />}
          {graph && graph.nodes.length === 0 && state !== 'loading' && <Empty title="No lineage yet">Add a store with checkpoints, an MLflow store, a DVC project or a Hugging Face cache; its lineage appears here after the scan.</Empty>}
          {graph && layout && graph.nodes.length > 0 && (
            <GraphCanvas ref={graphRef} nodes={graph.nodes} edges={graph.edges} layout={layout} hidden={hidden} collapsed={collapsed} selected={selected} focusId={focusId} pathNodes={path?.nodes ?? null} onSelect={onSelect} onToggleCollapse={toggleCollapse} />
          )}
          {graph && (
            <div className="graph-status muted small" aria-live="polite">
              {graph.nodes.length - hidden.size} nodes, {graph.edges.length} edges{graph.truncated ? ` (first ${graph.nodes.length} of ${graph.total})` : ''}
              {layoutMs !== null ? ` · laid out in ${Math.round(layoutMs)} ms` : ''}
            </div>
          )}
        </div>
        <aside className="details-panel">
          <NodePanel onOpen={open} />
        </aside>
      </div>
    </section>
  );
}
