import { create, type StateCreator } from 'zustand';
import type { AppInfo, FileKind, FileRow, Finding, ScanProgress, ScanSummary, Store } from '../../shared/domain';
import type { FileSort } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { getApi } from '../api';
import { createLineageSlice, type LineageSlice } from './lineage';
import { createRegistrySlice, type RegistrySlice } from './registry';
import { createCompareSlice, type CompareSlice } from './compare';
import { createCardsSlice, type CardsSlice } from './cards';
import { formatRoute, parseRoute, type Route } from './route';

/**
 * One bound store built from slices, as zustand's guides do it. Where each
 * piece lives: `route` mirrors the URL (session), lists are loaded from the
 * API (ephemeral caches of the workspace), nothing here makes undo steps.
 */
export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

// ---- app -----------------------------------------------------------------
export interface AppSlice {
  info: AppInfo | null;
  connection: 'connecting' | 'online' | 'lost';
  connectionError: string | null;
  route: Route;
  navigate(route: Route, opts?: { replace?: boolean }): void;
  syncRouteFromUrl(): void;
  boot(): Promise<void>;
}

let lastCountsRefresh = 0;

const createAppSlice: StateCreator<State, [], [], AppSlice> = (set, get) => ({
  info: null,
  connection: 'connecting',
  connectionError: null,
  route: parseRoute(typeof window === 'undefined' ? '' : window.location.hash),
  navigate(route, opts) {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) {
      if (opts?.replace) window.history.replaceState(window.history.state, '', hash);
      else window.history.pushState(window.history.state, '', hash);
    }
    set({ route });
  },
  syncRouteFromUrl() {
    set({ route: parseRoute(window.location.hash) });
  },
  async boot() {
    const api = getApi();
    api.onEvent((e) => {
      switch (e.type) {
        case 'scan.started':
          set((s) => ({ scanning: { ...s.scanning, [e.storeId]: s.scanning[e.storeId] ?? null }, scanIds: { ...s.scanIds, [e.storeId]: e.scanId } }));
          break;
        case 'scan.progress':
          set((s) => ({ scanning: { ...s.scanning, [e.progress.storeId]: e.progress } }));
          // the counts on the cards grow as the scan writes; a refresh every two seconds is plenty
          if (Date.now() - lastCountsRefresh > 2000) {
            lastCountsRefresh = Date.now();
            void get().loadStores();
          }
          break;
        case 'scan.finished': {
          set((s) => {
            const scanning = { ...s.scanning };
            delete scanning[e.summary.storeId];
            return { scanning, lastSummary: { ...s.lastSummary, [e.summary.storeId]: e.summary } };
          });
          void get().loadStores();
          void get().loadFindings();
          if (get().route.view === 'files') void get().searchFiles();
          break;
        }
        case 'finding':
          set((s) => ({ findings: [e.finding, ...s.findings].slice(0, 500) }));
          break;
        case 'stores.changed':
          void get().loadStores();
          break;
        case 'registry.changed':
          get().refreshRegistry();
          break;
        case 'lineage.changed':
          if (get().route.view === 'lineage') void get().loadGraph(get().focus);
          break;
      }
    });
    try {
      const [info, status] = await Promise.all([api.getAppInfo({}), api.getStatus({})]);
      const scanning: Record<number, ScanProgress | null> = {};
      const scanIds: Record<number, number> = {};
      for (const p of status.activeScans) {
        scanning[p.storeId] = p;
        scanIds[p.storeId] = p.scanId;
      }
      set({ info, connection: 'online', scanning, scanIds });
    } catch (e) {
      set({ connection: 'lost', connectionError: message(e) });
    }
  },
});

// ---- stores ----------------------------------------------------------------
export interface StoresSlice {
  stores: Store[];
  storesState: LoadState;
  storesError: string | null;
  /** Stores being scanned, with the latest progress (null until the first report). */
  scanning: Record<number, ScanProgress | null>;
  scanIds: Record<number, number>;
  lastSummary: Record<number, ScanSummary>;
  findings: Finding[];
  actionError: string | null;
  loadStores(): Promise<void>;
  loadFindings(): Promise<void>;
  addStore(path: string): Promise<boolean>;
  pickAndAddStore(): Promise<void>;
  rescanStore(storeId: number): Promise<void>;
  cancelScan(storeId: number): Promise<void>;
  removeStore(storeId: number): Promise<void>;
  clearActionError(): void;
}

const createStoresSlice: StateCreator<State, [], [], StoresSlice> = (set, get) => {
  const act = async (fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      set({ actionError: null });
      await fn();
      return true;
    } catch (e) {
      set({ actionError: message(e) });
      return false;
    }
  };
  return {
    stores: [],
    storesState: 'idle',
    storesError: null,
    scanning: {},
    scanIds: {},
    lastSummary: {},
    findings: [],
    actionError: null,
    async loadStores() {
      if (get().storesState === 'idle') set({ storesState: 'loading' });
      try {
        set({ stores: await getApi().listStores({}), storesState: 'ready', storesError: null });
      } catch (e) {
        set({ storesState: 'error', storesError: message(e) });
      }
    },
    async loadFindings() {
      try {
        set({ findings: (await getApi().listFindings({ limit: 500 })).rows });
      } catch {
        // the stores list shows the connection problem
      }
    },
    addStore: (path) => act(() => getApi().addStore({ path: path.trim() }).then(() => get().loadStores())),
    async pickAndAddStore() {
      await act(async () => {
        const { path } = await getApi().pickFolder({});
        if (path) {
          await getApi().addStore({ path });
          await get().loadStores();
        }
      });
    },
    rescanStore: async (storeId) =>
      void (await act(async () => {
        const { scanId } = await getApi().rescanStore({ storeId });
        set((s) => ({ scanning: { ...s.scanning, [storeId]: s.scanning[storeId] ?? null }, scanIds: { ...s.scanIds, [storeId]: scanId } }));
      })),
    async cancelScan(storeId) {
      const scanId = get().scanIds[storeId];
      if (scanId !== undefined) await act(() => getApi().cancelScan({ scanId }));
    },
    removeStore: async (storeId) => void (await act(() => getApi().removeStore({ storeId }).then(() => get().loadStores()))),
    clearActionError: () => set({ actionError: null }),
  };
};

// ---- files -----------------------------------------------------------------
export interface FileFilters {
  query: string;
  kind: FileKind | '';
  storeId: number | null;
  sort: FileSort;
  includeMissing: boolean;
}

export interface FilesSlice {
  fileFilters: FileFilters;
  files: FileRow[];
  filesTotal: number;
  filesState: LoadState;
  filesError: string | null;
  filesTookMs: number | null;
  setFileFilters(patch: Partial<FileFilters>): void;
  searchFiles(): Promise<void>;
  loadMoreFiles(): Promise<void>;
}

const PAGE = 500;
let searchSeq = 0;

const createFilesSlice: StateCreator<State, [], [], FilesSlice> = (set, get) => ({
  fileFilters: { query: '', kind: '', storeId: null, sort: 'path', includeMissing: false },
  files: [],
  filesTotal: 0,
  filesState: 'idle',
  filesError: null,
  filesTookMs: null,
  setFileFilters(patch) {
    const fileFilters = { ...get().fileFilters, ...patch };
    set({ fileFilters });
    const f = fileFilters;
    // The files view searches when the route changes, so a bookmark and a filter change take one path.
    get().navigate({ view: 'files', params: { q: f.query, kind: f.kind, store: f.storeId === null ? '' : String(f.storeId), sort: f.sort === 'path' ? '' : f.sort, missing: f.includeMissing ? '1' : '' } }, { replace: true });
  },
  async searchFiles() {
    const seq = ++searchSeq;
    const f = get().fileFilters;
    set({ filesState: get().files.length ? get().filesState : 'loading' });
    const t0 = performance.now();
    try {
      const res = await getApi().searchFiles({ query: f.query || undefined, kind: f.kind || undefined, storeId: f.storeId ?? undefined, sort: f.sort, includeMissing: f.includeMissing, limit: PAGE, offset: 0 });
      if (seq !== searchSeq) return; // a newer search answered first
      set({ files: res.rows, filesTotal: res.total, filesState: 'ready', filesError: null, filesTookMs: performance.now() - t0 });
    } catch (e) {
      if (seq === searchSeq) set({ filesState: 'error', filesError: message(e) });
    }
  },
  async loadMoreFiles() {
    const { files, filesTotal, fileFilters: f } = get();
    if (files.length >= filesTotal) return;
    const seq = searchSeq;
    const res = await getApi().searchFiles({ query: f.query || undefined, kind: f.kind || undefined, storeId: f.storeId ?? undefined, sort: f.sort, includeMissing: f.includeMissing, limit: PAGE, offset: files.length });
    if (seq === searchSeq) set({ files: [...files, ...res.rows], filesTotal: res.total });
  },
});

export type State = AppSlice & StoresSlice & FilesSlice & LineageSlice & RegistrySlice & CompareSlice & CardsSlice;

export const useAppStore = create<State>()((...a) => ({
  ...createAppSlice(...a),
  ...createStoresSlice(...a),
  ...createFilesSlice(...a),
  ...createLineageSlice(...a),
  ...createRegistrySlice(...a),
  ...createCompareSlice(...a),
  ...createCardsSlice(...a),
}));

/** Reads the files view's filters from a route (bookmarks, Back). */
export function filtersFromRoute(params: Record<string, string>): FileFilters {
  const kinds = ['checkpoint', 'dataset', 'config', 'card', 'code', 'environment', 'other'];
  const sorts = ['path', 'size-desc', 'size-asc', 'mtime-desc'];
  return {
    query: params.q ?? '',
    kind: params.kind && kinds.includes(params.kind) ? (params.kind as FileKind) : '',
    storeId: params.store && /^\d+$/.test(params.store) ? Number(params.store) : null,
    sort: params.sort && sorts.includes(params.sort) ? (params.sort as FileSort) : 'path',
    includeMissing: params.missing === '1',
  };
}
