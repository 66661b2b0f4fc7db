import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ApiEvent, ApiHandlers } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import type { Store } from '../../shared/domain';
import { closeDb, openWorkspaceDb, schemaVersion, type WritableDb } from '../db/connection';
import { countPresentFiles, missingFileIndexes, searchFileRows, workspaceTotals, type ListedFiles } from '../db/files';
import { countFindings, insertFinding, listFindingRows } from '../db/findings';
import { listScanSummaries, markInterruptedScans, scansRunningElsewhere, type ScanOwner } from '../db/scans';
import { deleteStore, describeStore, findStoreByPath, getStore, insertStore, listStoreRecords, setStoreStatus, type StoreRecord } from '../db/stores';
import { createHashPool, type HashPool } from '../scan/hash-pool';
import { rebuildFileIndexes } from '../scan/index-build';
import { inspectStoreRoot, unmountedReason } from '../scan/root';
import { getNodes, nodesForFile, searchNodes } from '../db/lineage';
import { FILE_INDEX_REBUILD, getMeta, setMeta } from '../db/meta';
import { createRegistry, registryHandlers } from '../registry';
import { compareSubjects, renderComparisonHtml } from '../compare';
import { cardHandlers } from '../cards/handlers';
import { cardFactsFor } from '../lineage/facts';
import { auditCheckpoint } from '../lineage/audit';
import { graphAround, graphOverview, nodeDetails, nodeDtos } from '../lineage/dto';
import { extractStoreLineage, type ExtractSummary } from '../lineage/extract';
import type { StoreReader } from '../lineage/model';
import { pathBetween } from '../lineage/query';
import { storeReaders } from '../lineage/readers';
import { startScan, type ScanHandle } from '../scan/scanner';

export interface WorkspaceOptions {
  dbPath: string;
  /** Folder holding the built workers (walk.js, hash.js). */
  workersDir: string;
  mode: 'electron' | 'browser' | 'cli';
  version: string;
  demoStorePath?: string | null;
  hashThreads?: number;
  /** Walker threads for scans (default: one per core). */
  walkThreads?: number;
  /** For tests: rows above which a first index rebuilds the file indexes mid-scan (default a million). */
  bulkMaxRows?: number;
  /** For tests: slow hashing down so that cancel and kill can be exercised. */
  throttleMs?: number;
  /** The lineage readers run after each complete scan (default: every reader). */
  readers?: readonly StoreReader[];
}

/** When a store's lineage was last read (the meta table). */
const lineageKey = (storeId: number) => `lineage-read:${storeId}`;

/** Refuses a database file that cannot be written, naming it, before SQLite fails half-way. */
function assertWritable(dbPath: string): void {
  if (dbPath === ':memory:') return;
  const target = existsSync(dbPath) ? dbPath : dirname(dbPath);
  if (!existsSync(target)) return; // will be created
  try {
    accessSync(target, constants.W_OK);
    if (existsSync(dbPath)) accessSync(dirname(dbPath), constants.W_OK); // WAL needs its -wal and -shm files beside it
  } catch {
    throw new ApiError('io', `the workspace database ${dbPath} is read-only (no write permission on ${target}); choose another with --db or PEDIGREE_DB`);
  }
}

/**
 * The Node-side core behind the API: one workspace database, its stores, the
 * scans running on them, and the event stream. No Electron, no HTTP here.
 */
/** When a process started, as the kernel counts it (Linux: /proc/PID/stat field 22, clock ticks after boot): a pid reused by another process has another. Null elsewhere. */
function processStart(pid: number | 'self'): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** This process, as the owner of the scans it runs. */
const SCAN_OWNER = { pid: process.pid, host: hostname(), start: processStart('self') };

/**
 * Is the process that owns a scan still running? Signal 0 checks that a
 * process with the pid exists (EPERM: it does, under another user); where
 * the start of the owner is known, the process with the pid now must have
 * started then too, or the pid was reused.
 */
function processIsAlive(pid: number, start: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = start === null ? null : processStart(pid);
  return now === null || now === start; // unreadable /proc (hidepid): trust the signal
}

export class Workspace {
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly scans = new Map<number, ScanHandle>();
  private pool: HashPool | null = null;
  /** Lineage extractions under way, so that close() and callers can wait for them. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Per store, its last scan's work after the scan (lineage read, index rebuild). */
  private readonly storeWork = new Map<number, Promise<void>>();
  private readonly lastExtract = new Map<number, ExtractSummary>();

  private constructor(
    readonly db: WritableDb,
    readonly options: WorkspaceOptions,
  ) {}

  static open(options: WorkspaceOptions): Workspace {
    assertWritable(options.dbPath);
    const db = openWorkspaceDb(options.dbPath);
    const { stillRunning } = markInterruptedScans(db, SCAN_OWNER, processIsAlive);
    const ws = new Workspace(db, options);
    // A first index killed mid-way leaves the file indexes dropped; one running (or rebuilding them) in another process rebuilds them itself.
    const rebuilder = JSON.parse(getMeta(db, FILE_INDEX_REBUILD) ?? 'null') as ScanOwner | null;
    const rebuildingElsewhere = rebuilder !== null && rebuilder.host === SCAN_OWNER.host && rebuilder.pid !== SCAN_OWNER.pid && processIsAlive(rebuilder.pid, rebuilder.start);
    if (stillRunning === 0 && !rebuildingElsewhere && missingFileIndexes(db).length > 0) ws.rebuildFileIndexes();
    return ws;
  }

  /**
   * Builds the file indexes a killed first index left dropped, on a worker
   * (the window, the server, the command answer meanwhile, more slowly);
   * here if the worker cannot run. idle() and close() wait for it.
   */
  private rebuildFileIndexes(): void {
    const work = rebuildFileIndexes(this.db, join(this.options.workersDir, 'index-build.js'), SCAN_OWNER).finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit = (e: ApiEvent) => {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener must not stop a scan
      }
    }
  };

  private hashPool(): HashPool {
    this.pool ??= createHashPool(join(this.options.workersDir, 'hash.js'), this.options.hashThreads);
    return this.pool;
  }

  activeScans(): ScanHandle[] {
    return [...this.scans.values()];
  }

  /** Stores with their counts; a store whose folder is unreachable is marked offline and keeps its index. */
  listStores(): Store[] {
    return listStoreRecords(this.db).map((s) => {
      const { record, reason } = this.refreshReachability(s);
      return describeStore(this.db, record, reason);
    });
  }

  /** Looks at the store's folder now: online when it can be walked, offline (with why) when not. */
  private refreshReachability(s: StoreRecord): { record: StoreRecord; reason: string | null } {
    // An empty mount point where a disk was mounted at the last scan is no more reachable than a missing folder.
    const root = inspectStoreRoot(s.path);
    const reason = !root.ok ? root.message : unmountedReason(s.path, s.root, root, () => countPresentFiles(this.db, s.id));
    const status = reason === null ? 'online' : 'offline';
    if (status !== s.status && !this.isScanning(s.id)) {
      setStoreStatus(this.db, s.id, status);
      return { record: { ...s, status }, reason };
    }
    return { record: s, reason };
  }

  private isScanning(storeId: number): boolean {
    return [...this.scans.values()].some((h) => h.storeId === storeId);
  }

  getStore(storeId: number): StoreRecord {
    const s = getStore(this.db, storeId);
    if (!s) throw new ApiError('not-found', `no store with id ${storeId}`);
    return s;
  }

  /** Adds a folder as a store (or returns the one that is already there) and scans it unless told not to. */
  addStore(input: { path: string; name?: string; followSymlinks?: boolean; scan?: boolean }): { store: StoreRecord; scan: ScanHandle | null } {
    let real: string;
    try {
      real = realpathSync(input.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ApiError(code === 'ENOENT' ? 'invalid-input' : 'io', code === 'ENOENT' ? `no such folder: ${input.path}` : `cannot open ${input.path}: ${(e as Error).message}`);
    }
    if (!statSync(real).isDirectory()) throw new ApiError('invalid-input', `not a folder: ${input.path}; a store is a folder`);
    const existing = findStoreByPath(this.db, real);
    if (existing) {
      const scan = input.scan === false ? null : this.rescan(existing.id);
      return { store: existing, scan };
    }
    for (const s of listStoreRecords(this.db)) {
      if (real.startsWith(`${s.path}/`)) throw new ApiError('conflict', `${real} is inside the store "${s.name}" (${s.path}); rescan that store instead`);
      if (s.path.startsWith(`${real}/`)) throw new ApiError('conflict', `${real} contains the store "${s.name}" (${s.path}); remove that store first`);
    }
    const store = insertStore(this.db, { path: real, name: input.name ?? (basename(real) || real), followSymlinks: input.followSymlinks ?? false, now: new Date().toISOString() });
    this.emit({ type: 'stores.changed' });
    return { store, scan: input.scan === false ? null : this.rescan(store.id) };
  }

  /** Starts a scan of a store, or returns the one already running on it. */
  rescan(storeId: number, rehash = false): ScanHandle {
    const running = [...this.scans.values()].find((h) => h.storeId === storeId);
    if (running) return running;
    const store = this.getStore(storeId);
    // Two processes scanning one store would race on its rows; the second is refused, saying who has it.
    const elsewhere = scansRunningElsewhere(this.db, storeId, SCAN_OWNER, processIsAlive);
    if (elsewhere.length > 0) throw new ApiError('conflict', `the store "${store.name}" is being scanned by another Pedigree on this machine (process ${elsewhere[0]!.pid}); wait for that scan to end, or stop it`);
    const handle = startScan({ db: this.db, pool: () => this.hashPool(), hashThreads: this.options.hashThreads ?? availableParallelism(), walkThreads: this.options.walkThreads ?? availableParallelism(), walkWorkerFile: join(this.options.workersDir, 'walk.js'), indexWorkerFile: join(this.options.workersDir, 'index-build.js'), emit: this.emit, owner: SCAN_OWNER, throttleMs: this.options.throttleMs, bulkMaxRows: this.options.bulkMaxRows }, store, { rehash });
    this.scans.set(handle.scanId, handle);
    // The scan is over when its summary is: a rescan asked for right then starts a new one.
    const after = handle.done
      .finally(() => this.scans.delete(handle.scanId))
      .then(async (summary) => {
        // The lineage is read again after a complete scan that changed something, so it follows the files.
        const changed = summary.new + summary.changed + summary.moved + summary.missing > 0;
        const listed = handle.takeListedFiles();
        if (summary.status === 'done' && (changed || getMeta(this.db, lineageKey(storeId)) === null)) await this.extractLineage(storeId, handle.settled, listed);
      })
      .catch(() => {
        // extractLineage records reader failures as findings; a scan's own outcome is in its summary
      })
      .finally(() => this.pending.delete(after));
    this.pending.add(after);
    // Dropped file indexes are rebuilt off this thread while the lineage is read; idle() and close() wait for both.
    const settled = handle.settled.finally(() => this.pending.delete(settled));
    this.pending.add(settled);
    const work = Promise.allSettled([after, settled]).then(() => {
      if (this.storeWork.get(storeId) === work) this.storeWork.delete(storeId);
    });
    this.storeWork.set(storeId, work);
    return handle;
  }

  /** Reads a store's lineage with every reader that recognises it; `beforeWrite`: what must be over before the graph is written (a scan's index rebuild). */
  async extractLineage(storeId: number, beforeWrite?: Promise<void>, listed?: ListedFiles | null): Promise<ExtractSummary> {
    const summary = await extractStoreLineage(this.db, this.getStore(storeId), this.options.readers ?? storeReaders, { beforeWrite, listed });
    setMeta(this.db, lineageKey(storeId), new Date().toISOString());
    this.lastExtract.set(storeId, summary);
    // Registries the store holds (MLflow's, GTO tags) become registered models, keeping their own names and numbers.
    try {
      createRegistry(this.db).importFromStores({ storeId });
      this.emit({ type: 'registry.changed' });
    } catch (e) {
      summary.findings++;
      insertFinding(this.db, { storeId, scanId: null, path: '.', code: 'registry-import-failed', severity: 'error', message: `reading this store's model registry failed: ${e instanceof Error ? e.message : String(e)}`, source: 'lineage' }, new Date().toISOString());
    }
    this.emit({ type: 'lineage.changed', storeId });
    return summary;
  }

  /** The last lineage extraction of a store in this process. */
  lineageSummary(storeId: number): ExtractSummary | undefined {
    return this.lastExtract.get(storeId);
  }

  /** Resolves when no scan or lineage extraction is under way. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  cancelScan(scanId: number): boolean {
    const h = this.scans.get(scanId);
    if (!h) return false;
    h.cancel();
    return true;
  }

  async removeStore(storeId: number): Promise<boolean> {
    for (const h of this.scans.values()) {
      if (h.storeId === storeId) {
        h.cancel();
        await h.done;
      }
    }
    // Its lineage read and index rebuild, if under way, end before its rows go (they would write for a store no longer there).
    await this.storeWork.get(storeId);
    const removed = deleteStore(this.db, storeId);
    if (removed) this.emit({ type: 'stores.changed' });
    return removed;
  }

  handlers(): ApiHandlers {
    return {
      getAppInfo: () => ({
        name: 'Pedigree',
        version: this.options.version,
        mode: this.options.mode === 'electron' ? 'electron' : 'browser',
        dbPath: this.options.dbPath,
        schemaVersion: schemaVersion(this.db),
        platform: process.platform,
        demoStorePath: this.options.demoStorePath ?? null,
      }),
      getStatus: () => ({
        dbPath: this.options.dbPath,
        schemaVersion: schemaVersion(this.db),
        ...workspaceTotals(this.db),
        findings: countFindings(this.db),
        activeScans: this.activeScans().map((h) => h.progress()),
      }),
      listStores: () => this.listStores(),
      addStore: (p) => describeStore(this.db, this.addStore(p).store),
      rescanStore: (p) => ({ scanId: this.rescan(p.storeId, p.rehash ?? false).scanId }),
      pickFolder: () => {
        throw new ApiError('invalid-input', 'there is no folder dialog in browser mode; type the folder path instead');
      },
      removeStore: async (p) => {
        this.getStore(p.storeId);
        return { removed: await this.removeStore(p.storeId) };
      },
      cancelScan: (p) => ({ cancelled: this.cancelScan(p.scanId) }),
      listScans: (p) => listScanSummaries(this.db, { storeId: p.storeId, limit: p.limit ?? 50 }),
      searchFiles: (p) => searchFileRows(this.db, { query: p.query, kind: p.kind, storeId: p.storeId, includeMissing: p.includeMissing, sort: p.sort ?? 'path', offset: p.offset ?? 0, limit: p.limit ?? 200 }),
      listFindings: (p) => listFindingRows(this.db, { storeId: p.storeId, offset: p.offset ?? 0, limit: p.limit ?? 200 }),
      getLineage: (p) => (p.nodeId === undefined ? graphOverview(this.db, { storeId: p.storeId, limit: p.limit ?? 3000 }) : this.requireNode(p.nodeId) && graphAround(this.db, p.nodeId, p.up ?? 3, p.down ?? 3)),
      getNodeDetails: (p) => {
        const node = this.requireNode(p.nodeId);
        return nodeDetails(this.db, p.nodeId, node.kind === 'checkpoint' ? auditCheckpoint(this.db, p.nodeId) : null)!;
      },
      findLineagePath: (p) => {
        this.requireNode(p.from);
        this.requireNode(p.to);
        return { path: pathBetween(this.db, p.from, p.to) };
      },
      searchLineage: (p) => {
        const { total, rows } = searchNodes(this.db, { text: p.query, kind: p.kind, storeId: p.storeId, auditStatus: p.auditStatus, limit: p.limit ?? 50 });
        return { total, rows: nodeDtos(this.db, rows.map((r) => r.id)) };
      },
      nodesForFile: (p) => nodeDtos(this.db, nodesForFile(this.db, p.fileId).map((n) => n.id)),
      auditNode: (p) => {
        this.requireNode(p.nodeId);
        return auditCheckpoint(this.db, p.nodeId);
      },
      ...this.registryApi(),
      compareSubjects: (p) => compareSubjects(this.db, p.refs, { workersDir: this.options.workersDir, hashThreads: this.options.hashThreads }),
      ...cardHandlers(),
      cardFactsForNode: (p) => {
        this.requireNode(p.nodeId);
        return cardFactsFor(this.db, p.nodeId)!;
      },
      exportComparisonHtml: async (p) => ({ html: renderComparisonHtml(await compareSubjects(this.db, p.refs, { workersDir: this.options.workersDir, hashThreads: this.options.hashThreads })) }),
    };
  }

  /** The registry's handlers; every change it makes is announced, so open views refresh. */
  private registryApi() {
    const handlers = registryHandlers(this.db);
    const announced = {} as typeof handlers;
    for (const [name, fn] of Object.entries(handlers) as [keyof typeof handlers, (p: unknown) => unknown][]) {
      (announced as Record<string, unknown>)[name] = async (p: unknown) => {
        const result = await fn(p);
        if (!/^(list|show|get|log|export)/i.test(String(name))) this.emit({ type: 'registry.changed' });
        return result;
      };
    }
    return announced;
  }

  private requireNode(nodeId: number) {
    const [node] = getNodes(this.db, [nodeId]);
    if (!node) throw new ApiError('not-found', `no lineage node with id ${nodeId}`);
    return node;
  }

  async close(): Promise<void> {
    for (const h of this.scans.values()) h.cancel();
    await Promise.allSettled([...this.scans.values()].map((h) => h.done));
    await this.idle();
    await this.pool?.destroy();
    this.pool = null;
    closeDb(this.db);
  }
}
