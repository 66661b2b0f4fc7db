import { statSync } from 'node:fs';
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
  sha256ByIds,
  updateChangedFile,
  type FileDigest,
  type IndexedStat,
  type SeenFile,
} from '../db/files';
import { clearStoreScanFindings, insertFinding, type NewFinding } from '../db/findings';
import { finishScan, insertScan } from '../db/scans';
import { recordStoreScan, setStoreStatus, type StoreRecord } from '../db/stores';
import { classifyByName, refineByMagic } from './classify';
import type { HashPool } from './hash-pool';
import type { HashJob, HashOutcome, WalkedFile, WalkFinding, WalkMessage, WalkRequest } from './protocol';

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
/** Files per hash task: small files cost little to hash, so a task's message overhead matters. */
const TASK_FILES = 256;
const TASK_BYTES = 16 * 1024 * 1024;
const FLUSH_MS = 150;
const WALK_BATCH = 2000;
/** Walk batches the walker may be ahead of the scanner. */
const WALK_WINDOW = 2;
/** Files queued for hashing above which walk batches are taken in only as the queue drains: memory stays bounded, and a new file's digest comes soon enough to be written with its row. */
const QUEUE_HIGH = WALK_BATCH;
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

/** A file this scan reads (new, changed, or never hashed): one object from the walk to its write. */
interface FileJob {
  /** Its row; 0 while not written: a new small file is written once, with its digest, when that comes soon. */
  id: number;
  seen: SeenFile;
  /** Stat taken at this wall-clock time (ns); a file modified in the same second is racy. */
  statAtNs: bigint;
  /** MD5 too: the file is in a DVC project. */
  md5: boolean;
  /** The inode has other names (hard links, links into a Hugging Face cache's blobs). */
  shared: boolean;
  /**
   * Its digest is shared with other names of its inode: big files (a re-read costs) and
   * files known to have other names. Small files with one name skip the bookkeeping.
   */
  tracked: boolean;
  /** Once hashed; kept for moves, and for a row not yet written. */
  digest: FileDigest | null;
  /** The hash corrected the kind or format guessed from the name (in `seen`): a written row needs it too. */
  reformat: boolean;
  /** For a row not yet written: the flush count when listed. It is written by the next flush but one, digest or not. */
  listedAt: number;
  /** Settled as a rename of an indexed file: neither hashed nor written. */
  dropped: boolean;
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
  const taken = new Int32Array(new SharedArrayBuffer(4));
  const request: WalkRequest = { root: store.path, followSymlinks: store.followSymlinks, batchSize: WALK_BATCH, taken, window: WALK_WINDOW };
  const walker = new Worker(ctx.walkWorkerFile, { workerData: { kind: 'pedigree-walk', request } });

  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  let cancelled = false;
  let offline = false;
  let fatal: string | null = null;
  const rootBytes = Buffer.from(store.path.endsWith('/') ? store.path : `${store.path}/`);

  const snapshot = loadIndexSnapshot(db, store.id);
  /** The last scan that saw every file it did not report: a file missing now was there then. */
  const lastCompleteScan = store.lastScanStatus === 'done' ? store.lastScanAt : null;
  const hadIndex = snapshot.size > 0;
  /** New files this scan, when the store had an index: candidates for moves. */
  const newFiles = new Set<FileJob>();
  const newByInode = new Map<string, FileJob>();
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
  const heldBack: FileJob[] = [];

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
  // Per-file writes are data (rows to insert, digests to set); the rare ones (findings, missing marks) closures.
  let unwritten: FileJob[] = [];
  let digested: FileJob[] = [];
  let pendingWrites: (() => void)[] = [];
  let flushes = 0;
  let writesFailed = false;
  // A failed write (disk full, database made read-only) ends the scan, naming the database; the
  // batch rolls back, so its files stay unhashed. Thrown from the timer it would crash the process.
  // No write follows: the ids given to the rolled-back rows mean nothing.
  const writeFailed = (e: unknown) => {
    writesFailed = true;
    fatal ??= `cannot write the index ${db.path}: ${errorText(e)}`;
    cancelNow();
  };
  /**
   * `all`: write every row still waiting for its digest (the walk settles renames, the scan ends).
   * Otherwise a row waits at most two flushes, so a killed scan loses no more of the listing than that.
   */
  const flushWrites = (all = false) => {
    flushes++;
    if (writesFailed || (unwritten.length === 0 && digested.length === 0 && pendingWrites.length === 0)) return;
    const rows = unwritten;
    const digests = digested;
    const batch = pendingWrites;
    unwritten = [];
    digested = [];
    pendingWrites = [];
    try {
      inTransaction(db, () => {
        const now = nowIso();
        for (const f of rows) {
          if (f.dropped) continue;
          if (f.digest || all || f.listedAt < flushes - 1) f.id = insertSeenFile(db, store.id, f.seen, now, f.digest);
          else unwritten.push(f);
        }
        for (const f of digests) {
          setFileDigests(db, f.id, f.digest!, now);
          if (f.reformat) setFileFormat(db, f.id, f.seen.kind, f.seen.format);
        }
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
  let queue: FileJob[] = [];
  /** Absolute paths of queued files, beside them (the queue's objects live on with their rows). */
  let paths: Uint8Array[] = [];
  let head = 0;
  const queued = () => queue.length - head;
  const readBytes = new BigInt64Array(new SharedArrayBuffer(8));
  /** Bytes that count as hashed without being read (further names of an inode hashed in this scan). */
  let freeBytes = 0;
  let inFlight = 0;
  const maxInFlight = ctx.hashThreads * 4;
  let drainResolve: (() => void) | null = null;
  let walkDone = false;
  // Hard links and the Hugging Face cache's snapshot links name one inode many times: it is read once.
  const byInode = new Map<string, { sha256: string; md5: string | null; head: Uint8Array }>();
  const inodeWaiters = new Map<string, FileJob[]>();
  const inodeKeyOf = (q: FileJob) => `${q.seen.device}:${q.seen.inode}:${q.seen.size}:${q.seen.mtimeNs}:${q.seen.ctimeNs}`;
  /** Listed by the walker, gone when opened: marked missing at the end, unless the whole store went away. */
  const vanished: FileJob[] = [];

  const applyOutcome = (q: FileJob, o: HashOutcome) => {
    const display = q.seen.displayPath;
    if (o.ok) {
      counts.hashed++;
      counts.bytesHashed += o.bytes;
      progress.filesHashed++;
      const racy = q.seen.mtimeNs / 1_000_000_000n >= q.statAtNs / 1_000_000_000n;
      const refined = refineByMagic(q.seen.name, o.head, q.seen);
      if (q.tracked && (!q.md5 || o.md5)) byInode.set(inodeKeyOf(q), { sha256: o.sha256, md5: o.md5, head: o.head });
      if (q.dropped) return;
      q.digest = { sha256: o.sha256, md5: o.md5, racy };
      if (refined && (refined.kind !== q.seen.kind || refined.format !== q.seen.format)) {
        q.seen.kind = refined.kind;
        q.seen.format = refined.format;
        q.reformat = true;
      }
      if (q.id !== 0) digested.push(q); // else it is in `unwritten`, written with its digest
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
      const batch: FileJob[] = [];
      const jobs: HashJob[] = [];
      let bytes = 0;
      while (queued() > 0 && batch.length < TASK_FILES) {
        const next = queue[head]!;
        if (batch.length > 0 && (next.seen.size > SMALL_FILE || bytes + next.seen.size > TASK_BYTES)) break;
        const path = paths[head]!;
        head++;
        if (next.dropped) continue;
        batch.push(next);
        jobs.push(next.md5 ? { path, size: next.seen.size, mtimeNs: next.seen.mtimeNs, ctimeNs: next.seen.ctimeNs, md5: true } : { path, size: next.seen.size, mtimeNs: next.seen.mtimeNs, ctimeNs: next.seen.ctimeNs });
        bytes += next.seen.size;
        if (next.seen.size > SMALL_FILE) break;
      }
      if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        paths = paths.slice(head);
        head = 0;
      }
      if (batch.length === 0) continue;
      inFlight++;
      progress.currentFile = batch[0]!.seen.displayPath;
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
          takeIn();
          checkDrained();
        });
    }
    checkDrained();
  };
  /** Walk batches received but not yet acknowledged, held back while the hash queue is long. */
  let owed = 0;
  const takeIn = () => {
    if (owed > 0 && (queued() < QUEUE_HIGH || cancelled)) {
      Atomics.add(taken, 0, owed);
      Atomics.notify(taken, 0);
      owed = 0;
    }
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
  const settleInode = (q: FileJob, o: HashOutcome) => {
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
      } else if (!cancelled) push(w);
    }
  };
  const push = (q: FileJob) => {
    queue.push(q);
    paths.push(Buffer.concat([rootBytes, q.seen.relPath]));
  };

  const enqueue = (q: FileJob) => {
    progress.filesToHash++;
    progress.bytesToHash += q.seen.size;
    if (!q.tracked) {
      push(q);
      pump();
      return;
    }
    const key = inodeKeyOf(q);
    const known = byInode.get(key);
    if (known && (!q.md5 || known.md5)) {
      freeBytes += q.seen.size;
      applyOutcome(q, { ok: true, sha256: known.sha256, md5: known.md5, head: known.head, bytes: 0 });
      return;
    }
    const waiting = inodeWaiters.get(key);
    if (waiting) {
      waiting.push(q);
      return;
    }
    inodeWaiters.set(key, []);
    push(q);
    pump();
  };
  const fileJob = (id: number, seen: SeenFile, statAtNs: bigint, dvc: boolean, shared: boolean): FileJob => ({
    id,
    seen,
    statAtNs,
    md5: dvc,
    shared,
    tracked: seen.size > SMALL_FILE || shared,
    digest: null,
    reformat: false,
    listedAt: flushes,
    dropped: false,
  });

  // ---- the walk ------------------------------------------------------------
  /** Paths (as snapshot keys) the walker could not look at: what the index holds there is kept. */
  const unseen: string[] = [];
  const onBatch = (files: WalkedFile[], findings: WalkFinding[], statAtNs: bigint) => {
    const now = nowIso();
    for (const wf of findings) {
      if (wf.unseen) unseen.push(relKey(wf.rel));
      addFinding({ path: Buffer.from(wf.rel).toString('utf8') || '.', code: wf.code, severity: wf.severity, message: wf.message });
    }
    const toHash: FileJob[] = [];
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
          if (sameStat && prev.hashed && !prev.racy && !options.rehash && (!wf.dvc || prev.hasMd5)) {
            counts.unchanged++;
            if (prev.missing) markFilePresent(db, prev.id, now);
            continue;
          }
          const seen = seenFrom(wf);
          if (!sameStat) {
            counts.changed++;
            updateChangedFile(db, prev.id, seen, now);
          } else if (prev.missing) markFilePresent(db, prev.id, now);
          toHash.push(fileJob(prev.id, seen, statAtNs, wf.dvc === true, wf.linked === true || wf.viaLink));
        } else {
          counts.new++;
          const f = fileJob(0, seenFrom(wf), statAtNs, wf.dvc === true, wf.linked === true || wf.viaLink);
          if (hadIndex) {
            const ik = inodeKey(f.seen);
            newFiles.add(f);
            newByInode.set(ik, f);
            if (isIndexedInode(ik)) {
              f.id = insertSeenFile(db, store.id, f.seen, now);
              heldBack.push(f);
              continue;
            }
          }
          // A big file is listed at once: a killed scan still shows it. A small one waits for its digest.
          if (f.tracked) f.id = insertSeenFile(db, store.id, f.seen, now);
          else unwritten.push(f);
          toHash.push(f);
        }
      }
    });
    for (const f of toHash) hashLater(f);
  };
  const hashLater = (f: FileJob) => {
    if (f.seen.size === 0) {
      // The empty file has one digest; no need to open it.
      progress.filesToHash++;
      applyOutcome(f, { ok: true, sha256: EMPTY_SHA256, md5: f.md5 ? EMPTY_MD5 : null, head: new Uint8Array(0), bytes: 0 });
    } else enqueue(f);
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
        owed++;
        takeIn();
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
    paths.length = 0;
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
            const nf = newByInode.get(inodeKey(prev));
            if (!nf || !newFiles.has(nf)) continue; // none, or taken by another name of the same inode (hard links)
            nf.dropped = true;
            if (nf.id !== 0) deleteFile(db, nf.id); // first: the old row takes over its path
            moveFile(db, prev.id, nf.seen, nowIso(), true);
            // An old row never hashed (a killed scan, an unreadable file) is hashed under its new name.
            if (!prev.hashed) hashLater(fileJob(prev.id, nf.seen, nf.statAtNs, nf.md5, nf.shared));
            newFiles.delete(nf);
            snapshot.delete(key);
            counts.moved++;
            counts.new--;
          }
        });
        // Held back for a rename that was not one (a new hard link, say): read them now.
        for (const h of heldBack) if (newFiles.has(h)) hashLater(h);
      }
      await drained();
      // Unmounted while its files were hashed: they could not be opened, but they are not missing.
      if (!offline && !fatal && storeWentAway(rootIdOf(store.path))) goOffline();
      if (!offline && !fatal) {
        for (const q of vanished) {
          addFinding({ path: q.seen.displayPath, code: 'read-enoent', severity: 'warning', message: 'deleted while the scan ran; marked missing' });
          newFiles.delete(q);
          pendingWrites.push(() => markFileMissing(db, q.id, nowIso())); // after its row is written, in the same flush
          counts.missing++;
        }
      }
      flushWrites(true);
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
    flushWrites(true); // the last of them; a failure sets `fatal`
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
  newFiles: Set<FileJob>,
  counts: { moved: number; new: number },
  now: string,
): void {
  if (newFiles.size === 0) return;
  const vanished = [...snapshot].filter(([, prev]) => !prev.missing && prev.hashed);
  const digests = sha256ByIds(db, vanished.map(([, prev]) => prev.id));
  const vanishedBySha = new Map<string, [string, IndexedStat][]>();
  for (const [key, prev] of vanished) {
    const sha256 = digests.get(prev.id);
    if (!sha256) continue;
    const list = vanishedBySha.get(sha256) ?? [];
    list.push([key, prev]);
    vanishedBySha.set(sha256, list);
  }
  for (const nf of newFiles) {
    if (!nf.digest || nf.id === 0) continue;
    const candidates = vanishedBySha.get(nf.digest.sha256);
    const hit = candidates?.shift();
    if (!hit) continue;
    deleteFile(db, nf.id); // first: the old row takes over its path
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
