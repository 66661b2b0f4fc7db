import type { StateCreator } from 'zustand';
import type { LineageEdgeDto, LineageNodeDto, NodeDetails, NodeKind } from '../../shared/lineage';
import { ApiError } from '../../shared/errors';
import { getApi } from '../api';
import { layoutGraph, type Layout } from '../graph/layout-client';
import type { LoadState, State } from './store';

/**
 * The lineage explorer's state. The graph and its layout are caches of the
 * workspace (ephemeral); focus, depth and the path endpoints mirror the URL
 * (session); collapse is a view choice kept while the tab lives.
 */
export interface LineageSlice {
  graph: { nodes: LineageNodeDto[]; edges: LineageEdgeDto[]; truncated: boolean; total: number } | null;
  graphState: LoadState;
  graphError: string | null;
  layout: Layout | null;
  layoutMs: number | null;
  /** What the URL asked for: a node to focus (with depths), or the whole graph. */
  focus: { nodeId: number | null; up: number; down: number; storeId: number | null };
  selected: number | null;
  details: NodeDetails | null;
  detailsState: LoadState;
  detailsError: string | null;
  collapsed: number[];
  path: { from: number; to: number; nodes: number[] | null } | null;
  searchHits: LineageNodeDto[];
  searchTotal: number;
  loadGraph(focus: LineageSlice['focus']): Promise<void>;
  select(nodeId: number | null): Promise<void>;
  toggleCollapse(nodeId: number): void;
  showPath(from: number, to: number): Promise<void>;
  clearPath(): void;
  searchNodes(query: string, filters?: { kind?: NodeKind; storeId?: number; auditStatus?: 'complete' | 'partial' | 'missing' }): Promise<void>;
}

/** The overview draws at most this many nodes (the rest are reached by search and focus): it keeps the first view under a second. */
const OVERVIEW_LIMIT = 3000;

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));
let graphSeq = 0;
let detailsSeq = 0;

/** Nodes hidden by collapsing: descendants reachable only through a collapsed node. */
export function hiddenByCollapse(nodes: LineageNodeDto[], edges: LineageEdgeDto[], collapsed: number[]): Set<number> {
  if (collapsed.length === 0) return new Set();
  const down = new Map<number, number[]>();
  const indeg = new Map<number, number>();
  for (const e of edges) {
    down.set(e.from, [...(down.get(e.from) ?? []), e.to]);
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  }
  // walk from every root, not passing through collapsed nodes: whatever is not reached is hidden
  const reached = new Set<number>();
  const stack = nodes.filter((n) => !indeg.get(n.id)).map((n) => n.id);
  const blocked = new Set(collapsed);
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    if (blocked.has(id)) continue;
    for (const w of down.get(id) ?? []) stack.push(w);
  }
  // hidden: below a collapsed node and not reached another way (nodes on rootless cycles stay shown)
  const below = new Set<number>();
  const stack2 = collapsed.flatMap((c) => down.get(c) ?? []);
  while (stack2.length) {
    const id = stack2.pop()!;
    if (below.has(id)) continue;
    below.add(id);
    for (const w of down.get(id) ?? []) stack2.push(w);
  }
  return new Set([...below].filter((id) => !reached.has(id) && !blocked.has(id)));
}

export const createLineageSlice: StateCreator<State, [], [], LineageSlice> = (set, get) => {
  /** Lays out `g` (or the current graph) and publishes graph and layout together: never a new graph over an old layout. */
  const relayout = async (next?: LineageSlice['graph']) => {
    const g = next ?? get().graph;
    if (!g) return;
    const hidden = hiddenByCollapse(g.nodes, g.edges, get().collapsed);
    const nodes = g.nodes.filter((n) => !hidden.has(n.id)).map((n) => ({ id: n.id }));
    const edges = g.edges.filter((e) => !hidden.has(e.from) && !hidden.has(e.to)).map((e) => ({ from: e.from, to: e.to }));
    try {
      const t0 = performance.now();
      const layout = await layoutGraph({ nodes, edges });
      set({ ...(next ? { graph: next } : {}), layout, layoutMs: performance.now() - t0, graphState: 'ready' });
    } catch (e) {
      if (message(e) !== 'superseded') set({ graphState: 'error', graphError: message(e) });
    }
  };
  return {
    graph: null,
    graphState: 'idle',
    graphError: null,
    layout: null,
    layoutMs: null,
    focus: { nodeId: null, up: 3, down: 3, storeId: null },
    selected: null,
    details: null,
    detailsState: 'idle',
    detailsError: null,
    collapsed: [],
    path: null,
    searchHits: [],
    searchTotal: 0,
    async loadGraph(focus) {
      const seq = ++graphSeq;
      set({ focus, graphState: 'loading', graphError: null });
      try {
        const g = await getApi().getLineage(focus.nodeId === null ? { storeId: focus.storeId ?? undefined, limit: OVERVIEW_LIMIT } : { nodeId: focus.nodeId, up: focus.up, down: focus.down });
        if (seq !== graphSeq) return;
        set({ collapsed: [] });
        await relayout(g);
      } catch (e) {
        if (seq === graphSeq) set({ graphState: 'error', graphError: message(e) });
      }
    },
    async select(nodeId) {
      const seq = ++detailsSeq;
      set({ selected: nodeId, details: nodeId === null ? null : get().details, detailsState: nodeId === null ? 'idle' : 'loading' });
      if (nodeId === null) return;
      try {
        const details = await getApi().getNodeDetails({ nodeId });
        if (seq === detailsSeq) set({ details, detailsState: 'ready', detailsError: null });
      } catch (e) {
        if (seq === detailsSeq) set({ detailsState: 'error', detailsError: message(e) });
      }
    },
    toggleCollapse(nodeId) {
      const c = get().collapsed;
      set({ collapsed: c.includes(nodeId) ? c.filter((x) => x !== nodeId) : [...c, nodeId] });
      void relayout();
    },
    async showPath(from, to) {
      set({ path: { from, to, nodes: null } });
      try {
        const { path } = await getApi().findLineagePath({ from, to });
        set({ path: { from, to, nodes: path ?? [] } });
      } catch (e) {
        set({ path: null, graphError: message(e) });
      }
    },
    clearPath: () => set({ path: null }),
    async searchNodes(query, filters = {}) {
      if (!query.trim() && !filters.auditStatus) {
        set({ searchHits: [], searchTotal: 0 });
        return;
      }
      try {
        const res = await getApi().searchLineage({ query, ...filters, limit: 30 });
        set({ searchHits: res.rows, searchTotal: res.total });
      } catch {
        set({ searchHits: [], searchTotal: 0 });
      }
    },
  };
};
