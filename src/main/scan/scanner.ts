import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ScanProgress, ScanStatus, ScanSummary } from '../../shared/domain';
import type { ApiEvent } from '../../shared/api';
import { inTransaction, type WritableDb } from '../db/connection';
import {
  deleteFile,
  insertSeenFile,
  loadIndexSnapshot,
  markFileMissing,
  markFilePresent,
  moveFile,
  setFileDigests,
  setFileFormat,
  updateChangedFile,
  type IndexedStat,
  type SeenFile,
} from '../db/files';
import { clearStoreScanFindings, insertFinding, type NewFinding } from '../db/findings';
import { finishScan, insertScan } from '../db/scans';
import { recordStoreScan, setStoreStatus, type StoreRecord } from '../db/stores';
import { classifyByName, refineByMagic } from './classify';
import type { HashPool } from './hash-pool';
import type { HashJob, HashOutcome, WalkedFile, WalkFinding, WalkMessage } from './protocol';

export interface ScanContext {
  db: WritableDb;
  /** The hash pool, started only when a scan has something to hash. */
  pool(): HashPool;
  hashThreads: number;
  walkWorkerFile: string;
  emit(event: ApiEvent): void;
  /** For tests: slow every hash chunk down. */
  throttleMs?: number;
}

export interface ScanOptions {
  /** Hash every file again, even those whose stat did not change. */
  rehash?: boolean;
}

export interface ScanHandle {
  scanId: number;
  storeId: number;
  done: Promise<ScanSummary>;
  cancel(): void;
  progress(): ScanProgress;
}

const SMALL_FILE = 1024 * 1024;
const TASK_FILES = 64;
const TASK_BYTES = 16 * 1024 * 1024;
const FLUSH_MS = 150;
const PROGRESS_MS = 250;
const MAX_FINDING_EVENTS = 100;

const nowIso = () => new Date().toISOString();
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const relKey = (rel: Uint8Array) => Buffer.from(rel.buffer, rel.byteOffset, rel.byteLength).toString('latin1');

function seenFrom(w: WalkedFile): SeenFile {
  const relPath = Buffer.from(w.rel.buffer, w.rel.byteOffset, w.rel.byteLength);
  const displayPath = relPath.toString('utf8');
  const slash = displayPath.lastIndexOf('/');
  const name = slash >= 0 ? displayPath.slice(slash + 1) : displayPath;
  const { kind, format } = classifyByName(name);
  return { relPath, displayPath, name, size: w.size, mtimeNs: w.mtimeNs, ctimeNs: w.ctimeNs, inode: w.inode, device: w.device, kind, format };
}

/** A store is a DVC project when it says so at its root; its files then get MD5 too (DVC's digest). */
function storeDeclaresMd5(root: string): boolean {
  return ['.dvc', 'dvc.yaml', 'dvc.lock'].some((n) => existsSync(join(root, n)));
}

interface QueuedHash {
  id: number;
  seen: SeenFile;
  abs: Uint8Array;
  /** MD5 too: the file is in a DVC project. */
  md5: boolean;
  /**
   * Its digest is shared with other names of its inode: big files (a re-read costs) and
   * files known to have other names. Small files with one name skip the bookkeeping.
   */
  tracked: boolean;
  /** Stat taken at this wall-clock time (ns); a file modified in the same second is racy. */
  statAtNs: bigint;
}

/**
 * One scan of one store: walk (on a worker thread), compare with the index,
 * write changes in short batched transactions, hash what is new or changed in
 * the pool, then settle moves and missing files. Cancelling keeps everything
 * finished so far; a killed scan resumes from what the index holds.
 */
export function startScan(ctx: ScanContext, store: StoreRecord, options: ScanOptions = {}): ScanHandle {
  const { db } = ctx;
  const startedAt = nowIso();
  const t0 = performance.now();
  const scanId = insertScan(db, store.id, startedAt);
  ctx.emit({ type: 'scan.started', scanId, storeId: store.id });
  // The walk starts first: it stats on its own thread while this one loads the index.
  // Its messages can only arrive once this function has returned, when all below is in place.
  const walker = new Worker(ctx.walkWorkerFile, { workerData: { kind: 'pedigree-walk', request: { root: store.path, followSymlinks: store.followSymlinks, batchSize: 2000 } } });

  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  let cancelled = false;
  let offline = false;
  let fatal: string | null = null;
  const md5 = storeDeclaresMd5(store.path);
  /** Files below a nested DVC project's root: they get MD5 too. */
  const md5Ids = new Set<number>();
  /** Files whose inode has other names (hard links, links into a Hugging Face cache's blobs). */
  const sharedIds = new Set<number>();
  const rootBytes = Buffer.from(store.path.endsWith('/') ? store.path : `${store.path}/`);

  const snapshot = loadIndexSnapshot(db, store.id);
  /** The last scan that saw every file it did not report: a file missing now was there then. */
  const lastCompleteScan = store.lastScanStatus === 'done' ? store.lastScanAt : null;
  const hadIndex = snapshot.size > 0;
  /** New files this scan, when the store had an index: candidates for moves. */
  const newFiles = new Map<number, { seen: SeenFile; sha256: string | null; statAtNs: bigint }>();
  const newByInode = new Map<string, number>();
  const inodeKey = (f: { device: string; inode: string; size: number; mtimeNs: bigint | string }) => `${f.device}:${f.inode}:${f.size}:${f.mtimeNs}`;
  /**
   * Indexed files by inode: a new path with one of these is likely a rename, settled when the walk ends.
   * Built at the first new file, so an unchanged re-scan never pays for it.
   */
  let indexedInodes: Set<string> | null = null;
  const isIndexedInode = (key: string) => {
    if (!indexedInodes) {
      indexedInodes = new Set<string>();
      for (const prev of snapshot.values()) if (!prev.missing) indexedInodes.add(inodeKey(prev));
    }
    return indexedInodes.has(key);
  };
  /** New files held back from hashing until then: a rename needs no reading. */
  const heldBack: { id: number; seen: SeenFile; statAtNs: bigint }[] = [];

  const counts = { files: 0, bytes: 0, new: 0, changed: 0, moved: 0, missing: 0, unchanged: 0, hashed: 0, bytesHashed: 0, errors: 0 };
  const progress: ScanProgress = {
    scanId,
    storeId: store.id,
    phase: 'walking',
    filesSeen: 0,
    filesToHash: 0,
    filesHashed: 0,
    bytesToHash: 0,
    bytesHashed: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
    currentFile: null,
    elapsedSeconds: 0,
  };

  // ---- writes, batched ---------------------------------------------------
  let pendingWrites: (() => void)[] = [];
  // A failed write (disk full, database made read-only) ends the scan, naming the database; the
  // batch rolls back, so its files stay unhashed. Thrown from the timer it would crash the process.
  const writeFailed = (e: unknown) => {
    fatal ??= `cannot write the index ${db.path}: ${errorText(e)}`;
    cancelNow();
  };
  const flushWrites = () => {
    if (pendingWrites.length === 0) return;
    const batch = pendingWrites;
    pendingWrites = [];
    try {
      inTransaction(db, () => {
        for (const w of batch) w();
      });
    } catch (e) {
      writeFailed(e);
    }
  };
  const flushTimer = setInterval(flushWrites, FLUSH_MS);

  // A store of 100,000 odd file names must not flood the views: the first findings are
  // streamed, the rest are read from the index when the scan ends.
  let findingEvents = 0;
  const addFinding = (f: Omit<NewFinding, 'storeId' | 'scanId'>) => {
    if (f.severity === 'error') counts.errors++;
    pendingWrites.push(() => {
      const stored = insertFinding(db, { ...f, storeId: store.id, scanId }, nowIso());
      if (findingEvents++ < MAX_FINDING_EVENTS) ctx.emit({ type: 'finding', finding: stored });
    });
  };

  // ---- hashing -----------------------------------------------------------
  // A queue with a moving head: Array#shift is linear on big arrays.
  let queue: QueuedHash[] = [];
  let head = 0;
  const queued = () => queue.length - head;
  const readBytes = new BigInt64Array(new SharedArrayBuffer(8));
  /** Bytes that count as hashed without being read (further names of an inode hashed in this scan). */
  let freeBytes = 0;
  const dropped = new Set<number>(); // queued files that turned out to be moves of indexed ones
  let inFlight = 0;
  const maxInFlight = ctx.hashThreads * 4;
  let drainResolve: (() => void) | null = null;
  let walkDone = false;
  // Hard links and the Hugging Face cache's snapshot links name one inode many times: it is read once.
  const byInode = new Map<string, { sha256: string; md5: string | null; head: Uint8Array }>();
  const inodeWaiters = new Map<string, QueuedHash[]>();
  const inodeKeyOf = (q: QueuedHash) => `${q.seen.device}:${q.seen.inode}:${q.seen.size}:${q.seen.mtimeNs}:${q.seen.ctimeNs}`;
  /** Listed by the walker, gone when opened: marked missing at the end, unless the whole store went away. */
  const vanished: QueuedHash[] = [];

  const applyOutcome = (q: QueuedHash, o: HashOutcome) => {
    const display = q.seen.displayPath;
    if (o.ok) {
      counts.hashed++;
      counts.bytesHashed += o.bytes;
      progress.filesHashed++;
      const racy = q.seen.mtimeNs / 1_000_000_000n >= q.statAtNs / 1_000_000_000n;
      const refined = refineByMagic(q.seen.name, o.head, q.seen);
      if (q.tracked && (!q.md5 || o.md5)) byInode.set(inodeKeyOf(q), { sha256: o.sha256, md5: o.md5, head: o.head });
      const nf = newFiles.get(q.id);
      if (nf) nf.sha256 = o.sha256;
      pendingWrites.push(() => {
        setFileDigests(db, q.id, { sha256: o.sha256, md5: o.md5, racy }, nowIso());
        if (refined && (refined.kind !== q.seen.kind || refined.format !== q.seen.format)) setFileFormat(db, q.id, refined.kind, refined.format);
      });
    } else if (o.kind === 'cancelled') {
      // left unhashed: the next scan picks it up
    } else if (o.kind === 'unstable') {
      addFinding({ path: display, code: 'file-unstable', severity: 'warning', message: `${o.message}; not recorded as hashed, will be hashed again on the next scan` });
    } else if (o.kind === 'not-a-file') {
      addFinding({ path: display, code: 'not-a-file', severity: 'warning', message: o.message });
    } else if (o.code === 'ENOENT' || o.code === 'ENOTDIR') {
      vanished.push(q);
    } else {
      const reason = o.code === 'EACCES' || o.code === 'EPERM' ? 'permission denied' : o.message;
      addFinding({ path: display, code: `read-${(o.code ?? 'error').toLowerCase()}`, severity: 'error', message: `cannot read: ${reason}` });
    }
  };

  const pump = () => {
    while (!cancelled && inFlight < maxInFlight && queued() > 0) {
      const batch: QueuedHash[] = [];
      let bytes = 0;
      while (queued() > 0 && batch.length < TASK_FILES) {
        const next = queue[head]!;
        if (batch.length > 0 && (next.seen.size > SMALL_FILE || bytes + next.seen.size > TASK_BYTES)) break;
        head++;
        if (dropped.has(next.id)) continue;
        batch.push(next);
        bytes += next.seen.size;
        if (next.seen.size > SMALL_FILE) break;
      }
      if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      if (batch.length === 0) continue;
      inFlight++;
      progress.currentFile = batch[0]!.seen.displayPath;
      const jobs: HashJob[] = batch.map((q) => ({ path: q.abs, size: q.seen.size, mtimeNs: q.seen.mtimeNs, ctimeNs: q.seen.ctimeNs, ...(q.md5 ? { md5: true } : {}) }));
      ctx
        .pool()
        .hash(jobs, { md5: false, cancel: cancelFlag, readBytes, throttleMs: ctx.throttleMs })
        .then(
          (outcomes) => batch.forEach((q, i) => settleInode(q, outcomes[i]!)),
          (e: unknown) => batch.forEach((q) => settleInode(q, { ok: false, kind: 'io', message: `hash worker failed: ${e instanceof Error ? e.message : String(e)}` })),
        )
        .finally(() => {
          inFlight--;
          pump();
          checkDrained();
        });
    }
    checkDrained();
  };
  const checkDrained = () => {
    if (drainResolve && inFlight === 0 && (queued() === 0 || cancelled)) {
      const r = drainResolve;
      drainResolve = null;
      r();
    }
  };
  const drained = () =>
    new Promise<void>((resolve) => {
      drainResolve = resolve;
      checkDrained();
    });

  /** One outcome serves every name of the inode that waited for it; after a failure they are read themselves. */
  const settleInode = (q: QueuedHash, o: HashOutcome) => {
    applyOutcome(q, o);
    if (!q.tracked) return;
    const key = inodeKeyOf(q);
    const waiting = inodeWaiters.get(key) ?? [];
    inodeWaiters.delete(key);
    const known = byInode.get(key);
    for (const w of waiting) {
      if (known && (!w.md5 || known.md5)) {
        freeBytes += w.seen.size;
        applyOutcome(w, { ok: true, sha256: known.sha256, md5: known.md5, head: known.head, bytes: 0 });
      } else if (!cancelled) queue.push(w);
    }
  };

  const enqueue = (id: number, seen: SeenFile, statAtNs: bigint) => {
    progress.filesToHash++;
    progress.bytesToHash += seen.size;
    const q: QueuedHash = { id, seen, abs: Buffer.concat([rootBytes, seen.relPath]), statAtNs, md5: md5 || md5Ids.has(id), tracked: seen.size > SMALL_FILE || sharedIds.has(id) };
    if (!q.tracked) {
      queue.push(q);
      pump();
      return;
    }
    const key = inodeKeyOf(q);
    const known = byInode.get(key);
    if (known && (!q.md5 || known.md5)) {
      freeBytes += seen.size;
      applyOutcome(q, { ok: true, sha256: known.sha256, md5: known.md5, head: known.head, bytes: 0 });
      return;
    }
    const waiting = inodeWaiters.get(key);
    if (waiting) {
      waiting.push(q);
      return;
    }
    inodeWaiters.set(key, []);
    queue.push(q);
    pump();
  };

  // ---- the walk ------------------------------------------------------------
  /** Paths (as snapshot keys) the walker could not look at: what the index holds there is kept. */
  const unseen: string[] = [];
  const onBatch = (files: WalkedFile[], findings: WalkFinding[], statAtNs: bigint) => {
    const now = nowIso();
    for (const wf of findings) {
      if (wf.unseen) unseen.push(relKey(wf.rel));
      addFinding({ path: Buffer.from(wf.rel).toString('utf8') || '.', code: wf.code, severity: wf.severity, message: wf.message });
    }
    const toHash: [number, SeenFile][] = [];
    inTransaction(db, () => {
      for (const wf of files) {
        counts.files++;
        counts.bytes += wf.size;
        progress.filesSeen++;
        const key = relKey(wf.rel);
        const prev = snapshot.get(key);
        if (prev) {
          snapshot.delete(key);
          const sameStat = prev.size === wf.size && prev.inode === wf.inode && prev.mtimeNs === String(wf.mtimeNs) && prev.ctimeNs === String(wf.ctimeNs);
          if (sameStat && prev.sha256 && !prev.racy && !options.rehash && (!(md5 || wf.dvc) || prev.md5)) {
            counts.unchanged++;
            if (prev.missing) markFilePresent(db, prev.id, now);
            continue;
          }
          const seen = seenFrom(wf);
          if (!sameStat) {
            counts.changed++;
            updateChangedFile(db, prev.id, seen, now);
          } else if (prev.missing) markFilePresent(db, prev.id, now);
          if (wf.dvc) md5Ids.add(prev.id);
          if (wf.linked || wf.viaLink) sharedIds.add(prev.id);
          toHash.push([prev.id, seen]);
        } else {
          const seen = seenFrom(wf);
          const id = insertSeenFile(db, store.id, seen, now);
          counts.new++;
          if (wf.dvc) md5Ids.add(id);
          if (wf.linked || wf.viaLink) sharedIds.add(id);
          if (hadIndex) {
            newFiles.set(id, { seen, sha256: null, statAtNs });
            newByInode.set(inodeKey(seen), id);
            if (isIndexedInode(inodeKey(seen))) {
              heldBack.push({ id, seen, statAtNs });
              continue;
            }
          }
          toHash.push([id, seen]);
        }
      }
    });
    for (const [id, seen] of toHash) hashLater(id, seen, statAtNs);
  };
  const hashLater = (id: number, seen: SeenFile, statAtNs: bigint) => {
    if (seen.size === 0) {
      // The empty file has one digest; no need to open it.
      progress.filesToHash++;
      applyOutcome({ id, seen, abs: new Uint8Array(0), statAtNs, md5: false, tracked: false }, { ok: true, sha256: EMPTY_SHA256, md5: md5 || md5Ids.has(id) ? EMPTY_MD5 : null, head: new Uint8Array(0), bytes: 0 });
    } else enqueue(id, seen, statAtNs);
  };

  const walked = new Promise<{ rootId: string | null }>((resolve) => {
    let settled = false;
    const settle = (v: { rootId: string | null }) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    walker.on('message', (m: WalkMessage) => {
      if (m.type === 'batch') {
        try {
          onBatch(m.files, m.findings, m.statAtNs);
        } catch (e) {
          writeFailed(e);
        }
      } else if (m.type === 'done') settle({ rootId: m.rootId });
      else if (m.type === 'fatal') {
        if (m.code === 'ENOENT' || m.code === 'EIO' || m.code === 'ENOTDIR' || m.code === 'ENXIO') offline = true;
        fatal = m.message;
        settle({ rootId: null });
      }
    });
    walker.on('error', (e) => {
      fatal = `walker failed: ${e.message}`;
      settle({ rootId: null });
    });
    walker.on('exit', () => settle({ rootId: null }));
  });

  const rootIdBefore = rootIdOf(store.path);
  /** The store folder is gone, or another one (an empty mount point, a new folder) is at its path: keep the index as it is. */
  const storeWentAway = (rootId: string | null) => rootId === null || (rootIdBefore !== null && rootId !== rootIdBefore);
  const goOffline = () => {
    offline = true;
    fatal = `the store folder ${store.path} went away during the scan (unmounted?); its index is kept as it was`;
    addFinding({ path: '.', code: 'store-offline', severity: 'error', message: fatal });
    cancelNow();
  };

  const cancelNow = () => {
    if (cancelled) return;
    cancelled = true;
    Atomics.store(cancelFlag, 0, 1);
    queue.length = 0;
    void walker.terminate();
    checkDrained();
  };

  const progressTimer = setInterval(() => emitProgress(), PROGRESS_MS);
  let lastTick = { at: performance.now(), bytes: 0 };
  let rate: number | null = null;
  const emitProgress = () => {
    const elapsed = (performance.now() - t0) / 1000;
    progress.elapsedSeconds = elapsed;
    progress.bytesHashed = Math.min(progress.bytesToHash, Number(Atomics.load(readBytes, 0)) + freeBytes);
    // The rate of the last few seconds, not since the start: the ETA follows the files at hand.
    const now = performance.now();
    const dt = (now - lastTick.at) / 1000;
    if (dt > 0.05) {
      const instant = (progress.bytesHashed - lastTick.bytes) / dt;
      rate = rate === null ? instant : rate * 0.7 + instant * 0.3;
      lastTick = { at: now, bytes: progress.bytesHashed };
    }
    progress.bytesPerSecond = rate ?? 0;
    const left = progress.bytesToHash - progress.bytesHashed;
    progress.etaSeconds = walkDone && left === 0 ? 0 : walkDone && rate !== null && rate > 0 && elapsed > 1 ? left / rate : null;
    ctx.emit({ type: 'scan.progress', progress: { ...progress } });
  };

  const done = (async (): Promise<ScanSummary> => {
    let status: ScanStatus = 'done';
    try {
      const { rootId } = await walked;
      walkDone = true;
      if (!cancelled && !fatal && storeWentAway(rootId)) goOffline();
      if (offline) cancelNow();
      if (unseen.length > 0) for (const key of snapshot.keys()) if (unseen.some((u) => key === u || key.startsWith(`${u}/`))) snapshot.delete(key);
      progress.phase = 'hashing';
      // Renames: a vanished file whose inode, size and mtime reappear under a new name.
      if (!cancelled && !fatal && hadIndex) {
        flushWrites();
        inTransaction(db, () => {
          for (const [key, prev] of snapshot) {
            if (prev.missing) continue;
            const newId = newByInode.get(inodeKey(prev));
            const nf = newId === undefined ? undefined : newFiles.get(newId);
            if (newId === undefined || !nf) continue; // none, or taken by another name of the same inode (hard links)
            dropped.add(newId);
            deleteFile(db, newId); // first: the old row takes over its path
            moveFile(db, prev.id, nf.seen, nowIso(), true);
            // An old row never hashed (a killed scan, an unreadable file) is hashed under its new name.
            if (!prev.sha256) hashLater(prev.id, nf.seen, nf.statAtNs);
            newFiles.delete(newId);
            snapshot.delete(key);
            counts.moved++;
            counts.new--;
          }
        });
        // Held back for a rename that was not one (a new hard link, say): read them now.
        for (const h of heldBack) if (newFiles.has(h.id)) hashLater(h.id, h.seen, h.statAtNs);
      }
      await drained();
      // Unmounted while its files were hashed: they could not be opened, but they are not missing.
      if (!offline && !fatal && storeWentAway(rootIdOf(store.path))) goOffline();
      if (!offline && !fatal) {
        for (const q of vanished) {
          addFinding({ path: q.seen.displayPath, code: 'read-enoent', severity: 'warning', message: 'deleted while the scan ran; marked missing' });
          newFiles.delete(q.id);
          pendingWrites.push(() => markFileMissing(db, q.id, nowIso()));
          counts.missing++;
        }
      }
      flushWrites();
      if (!cancelled && !fatal) {
        progress.phase = 'finishing';
        const now = nowIso();
        inTransaction(db, () => {
          settleMoves(db, snapshot, newFiles, counts, now);
          for (const prev of snapshot.values()) {
            if (prev.missing) continue;
            markFileMissing(db, prev.id, now, lastCompleteScan);
            counts.missing++;
          }
          clearStoreScanFindings(db, store.id, scanId);
        });
      }
      if (cancelled && !fatal) status = 'cancelled';
      else if (fatal) status = 'failed';
    } catch (e) {
      status = 'failed';
      const sqlite = String((e as { code?: unknown }).code ?? '').startsWith('SQLITE');
      fatal = sqlite ? `cannot write the index ${db.path}: ${errorText(e)}` : errorText(e);
    } finally {
      clearInterval(flushTimer);
      clearInterval(progressTimer);
    }
    flushWrites(); // the last of them; a failure sets `fatal`
    if (fatal) status = 'failed';
    const seconds = (performance.now() - t0) / 1000;
    const summary: ScanSummary = {
      scanId,
      storeId: store.id,
      storePath: store.path,
      status,
      ...counts,
      seconds,
      bytesPerSecond: seconds > 0 ? counts.bytesHashed / seconds : 0,
      filesPerSecond: seconds > 0 ? counts.files / seconds : 0,
      message: fatal,
    };
    const finishedAt = nowIso();
    try {
      inTransaction(db, () => {
        finishScan(db, scanId, status, finishedAt, summary);
        recordStoreScan(db, store.id, finishedAt, status);
        setStoreStatus(db, store.id, offline ? 'offline' : 'online');
      });
    } catch (e) {
      summary.message = `${summary.message ? summary.message + '; ' : ''}could not record the scan: ${errorText(e)}`;
    }
    emitProgress();
    ctx.emit({ type: 'scan.finished', summary });
    ctx.emit({ type: 'stores.changed' });
    return summary;
  })();

  return { scanId, storeId: store.id, done, cancel: cancelNow, progress: () => ({ ...progress }) };
}

/** Moves: a vanished file whose digest a new file has; the old row keeps its identity. */
function settleMoves(
  db: WritableDb,
  snapshot: Map<string, IndexedStat>,
  newFiles: Map<number, { seen: SeenFile; sha256: string | null }>,
  counts: { moved: number; new: number },
  now: string,
): void {
  if (newFiles.size === 0) return;
  const vanishedBySha = new Map<string, [string, IndexedStat][]>();
  for (const [key, prev] of snapshot) {
    if (prev.missing || !prev.sha256) continue;
    const list = vanishedBySha.get(prev.sha256) ?? [];
    list.push([key, prev]);
    vanishedBySha.set(prev.sha256, list);
  }
  for (const [newId, nf] of newFiles) {
    if (!nf.sha256) continue;
    const candidates = vanishedBySha.get(nf.sha256);
    const hit = candidates?.shift();
    if (!hit) continue;
    deleteFile(db, newId); // first: the old row takes over its path
    moveFile(db, hit[1].id, nf.seen, now, true);
    snapshot.delete(hit[0]);
    counts.moved++;
    counts.new--;
  }
}

function rootIdOf(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
