import type { ScanProgress, ScanStatus, ScanSummary } from '../../shared/domain';
import type { ApiEvent } from '../../shared/api';
import { inTransaction, setWalAutocheckpoint, WAL_AUTOCHECKPOINT_PAGES, type WritableDb } from '../db/connection';
import { deleteFile, loadIndexSnapshot, storeHasIndex, type ListedFiles, markFileMissing, markFilePresent, moveFile, pathKey, sha256ByIds, statKey, updateChangedFile, type IndexedStat, type SeenFile } from '../db/files';
import { clearStoreScanFindings, insertFinding, type NewFinding } from '../db/findings';
import { finishScan, insertScan, type ScanOwner } from '../db/scans';
import { saveFolderStamps, takeFolderStamps, type StoreStamps } from '../db/stamps';
import { recordStoreRoot, recordStoreScan, setStoreStatus, type StoreRecord, type StoreRoot } from '../db/stores';
import { classifyByName, refineByMagic } from './classify';
import { batchHead, batchPath, FLAG_DVC, FLAG_HASHED, FLAG_LINKED, FLAG_NOT_UTF8, FLAG_VIA_LINK, type FileBatch } from './file-batch';
import { indexedRenameKey, newFileJob, renameKey, type FileJob } from './file-job';
import type { HashPool } from './hash-pool';
import { HashQueue } from './hash-queue';
import { rebuildFileIndexes, startIndexBuilder, type IndexBuilder } from './index-build';
import type { FolderStamp, HashFailure, HashOutcome, WalkFinding } from './protocol';
import { inspectStoreRoot, storeRootId, unmountedReason, usedBytesOf } from './root';
import { startWalk, type Walk, type WalkBatch } from './walk-pool';
import { ScanWriter } from './writes';

export interface ScanContext {
  db: WritableDb;
  /** The hash pool, started only when a scan has something to hash. */
  pool(): HashPool;
  hashThreads: number;
  /** Walker threads (one per core is right for local disks; more hide the latency of network mounts). */
  walkThreads: number;
  walkWorkerFile: string;
  /** Builds dropped file indexes off this thread (absent: they are built on it). */
  indexWorkerFile?: string;
  /** For tests: rows above which a first index rebuilds the indexes mid-scan (default a million). */
  bulkMaxRows?: number;
  emit(event: ApiEvent): void;
  owner: ScanOwner;
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
  /** Resolves after `done` once the work a scan leaves behind (rebuilding dropped file indexes) is over. */
  settled: Promise<void>;
  cancel(): void;
  progress(): ScanProgress;
  /** After a complete first index: its files as the lineage read wants them, without reading them back (once; null otherwise). */
  takeListedFiles(): ListedFiles | null;
}

const FLUSH_MS = 150;
/** How often the index builder checkpoints the WAL while a first index writes its rows. */
const CHECKPOINT_MS = 100;
const WALK_BATCH = 2000;
/** Walk batches a walker may be ahead of the scanner. */
const WALK_WINDOW = 2;
/** On a re-scan, whose batches are stats only (no file is read, little is written), while the index loads. */
const WALK_WINDOW_RESCAN = 8;
/** Files queued for hashing above which walk batches are taken in only as the queue drains: memory stays bounded, and a new file's digest comes soon enough to be written with its row. */
const QUEUE_HIGH = WALK_BATCH;
const PROGRESS_MS = 250;
const MAX_FINDING_EVENTS = 100;

const nowIso = () => new Date().toISOString();
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** The snapshot keys a path below which nothing was seen may have: as UTF-8 (when it is) for names that are, as raw bytes for names that are not. */
function unseenKeys(rel: Uint8Array): string[] {
  if (rel.length === 0) return ['']; // the store folder itself: nothing is known
  try {
    strictUtf8.decode(rel);
    return [pathKey(rel, true), pathKey(rel, false)];
  } catch {
    return [pathKey(rel, false)];
  }
}

/** The path (a snapshot key) is one of `paths` or below one: looked up by its ancestors, not by scanning `paths` (thousands of unreadable folders on an NFS home, say). */
function isBelowAny(key: string, paths: Set<string>): boolean {
  if (paths.has('') || paths.has(key)) return true;
  for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) if (paths.has(key.slice(0, i))) return true;
  return false;
}

/** Raw bytes as a string, one char a byte: how folder stamps are keyed. */
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
/** The folder a store-relative path is in, keyed as its stamp is. */
function parentLatin1(rel: Uint8Array): string {
  const i = rel.lastIndexOf(0x2f);
  return i < 0 ? '' : latin1(rel.subarray(0, i));
}
/** The keys (as `pathKey` makes them) that a folder's own files have once their names are cut off: see `parentOfKey`. */
function folderKeys(rel: Uint8Array, utf8: boolean): string[] {
  return utf8 ? [pathKey(rel, true), pathKey(rel, false)] : [pathKey(rel, false)];
}
/** A snapshot key without its last name: the folder's key among `folderKeys`. */
function parentOfKey(key: string): string {
  const i = key.lastIndexOf('/');
  if (i >= 0) return key.slice(0, i);
  return key.startsWith('\0') ? '\0' : '';
}

/** The i-th file of a walk batch as the index sees it, its kind guessed from its name. */
function seenAt(b: FileBatch, i: number): SeenFile {
  const rel = batchPath(b, i);
  const relPath = Buffer.from(rel.buffer, rel.byteOffset, rel.byteLength);
  const displayPath = relPath.toString('utf8');
  const slash = displayPath.lastIndexOf('/');
  const name = slash >= 0 ? displayPath.slice(slash + 1) : displayPath;
  const { kind, format } = classifyByName(name);
  return { relPath, displayPath, name, size: b.sizes[i]!, mtimeNs: b.times[i * 2]!, ctimeNs: b.times[i * 2 + 1]!, inode: String(b.ids[i * 2]), device: String(b.ids[i * 2 + 1]), kind, format };
}

/**
 * One scan of one store: walk (on walker threads), compare with the index,
 * write changes in short batched transactions, hash what is new or changed in
 * the pool (or, on a first index, as the walkers list small files), then
 * settle moves and missing files. Cancelling keeps everything finished so
 * far; a killed scan resumes from what the index holds.
 */
export function startScan(ctx: ScanContext, store: StoreRecord, options: ScanOptions = {}): ScanHandle {
  const { db } = ctx;
  const t0 = performance.now();
  const scanId = insertScan(db, store.id, nowIso(), ctx.owner);
  ctx.emit({ type: 'scan.started', scanId, storeId: store.id });

  let cancelled = false;
  let offline = false;
  let fatal: string | null = null;
  const hadIndex = storeHasIndex(db, store.id);
  /**
   * The stamps the last complete scan left, taken once the store folder is
   * found there (a scan that does not complete leaves none; one that finds
   * the store offline leaves them be, for when it is back). Given to the
   * walkers, they report each folder whose listing has its stamp as covered,
   * its files not listed; if every file is in such a folder, the index is
   * never read file by file.
   */
  let stampsAtStart: StoreStamps = { byDir: new Map(), coverAll: false };
  let useStamps = false;
  const takeStamps = () => {
    stampsAtStart = takeFolderStamps(db, store.id);
    // PEDIGREE_FOLDER_STAMPS=0 compares every file as before stamps (the benchmark measures that case so; it is a way out, too).
    useStamps = hadIndex && !options.rehash && stampsAtStart.byDir.size > 0 && process.env.PEDIGREE_FOLDER_STAMPS !== '0';
  };
  /**
   * Stamps the walkers reported this scan, by folder (latin1): kept where every
   * file of the folder ended the scan clean. What a kept stamp promises, and
   * what `dropCovered` and the end's shortcut rely on: the folder's present
   * rows are exactly the `files` it mixed, each hashed, not racy, with its MD5
   * where a DVC project wants one. Anything that could break that (a failed
   * or racy hash, a move into the folder, an entry of it left unseen) marks
   * the folder dirty.
   *
   * Three kinds of keys are about: stamps go by a folder's raw bytes as latin1
   * (`latin1`, `parentLatin1`); the snapshot by `pathKey` (UTF-8, or a NUL and
   * latin1 for paths that are not), whose folders `folderKeys` and
   * `parentOfKey` give; what was left unseen by `unseenKeys`, in both forms.
   */
  const reportedStamps = new Map<string, FolderStamp>();
  /** Folders some file of which ended the scan unhashed, racy or moved in: no stamp is kept for them. */
  const dirtyFolders = new Set<string>();
  const dirty = (rel: Uint8Array) => dirtyFolders.add(parentLatin1(rel));
  /** Folders found covered, as `folderKeys`: the index's files in them were not listed, and are not missing. */
  const coveredKeys = new Set<string>();
  let coveredFolders = 0;
  /**
   * The store's index by path. Without stamps it is loaded once the walkers
   * are started (they list the first folders meanwhile, WALK_WINDOW_RESCAN
   * batches ahead), or sooner if the store folder's check asks for it; with
   * them, only when a batch lists files one by one (a folder changed) or the
   * end of the scan needs it to find what is missing.
   */
  let snapshot = new Map<string, IndexedStat>();
  let snapshotLoaded = !hadIndex;
  /** The index could not be read: no batch is taken in (every file would look new), the scan is failing. */
  let snapshotFailed = false;
  const loadSnapshot = () => {
    if (!snapshotLoaded) snapshot = loadIndexSnapshot(db, store.id);
    snapshotLoaded = true;
    return snapshot;
  };
  /** Loads the index (if need be) for a batch that lists files; false: it cannot be read, and the scan fails. */
  const haveSnapshot = () => {
    if (snapshotLoaded) return true;
    try {
      loadSnapshot();
      return true;
    } catch (e) {
      snapshotFailed = true;
      fatal ??= `cannot read the index ${db.path}: ${errorText(e)}`;
      cancelNow();
      return false;
    }
  };
  /** The index's files in covered folders leave the snapshot: they are there, unchanged, and no batch listed them. */
  const dropCovered = () => {
    if (coveredKeys.size === 0) return;
    for (const key of snapshot.keys()) if (coveredKeys.has(parentOfKey(key))) snapshot.delete(key);
  };
  /** The last scan that saw every file it did not report: a file missing now was there then. */
  const lastCompleteScan = store.lastScanStatus === 'done' ? store.lastScanAt : null;
  /** New files this scan, when the store had an index: candidates for moves. */
  const newFiles = new Set<FileJob>();
  const newByInode = new Map<string, FileJob>();
  /**
   * Indexed files by inode: a new path with one of these is likely a rename, settled when the walk ends.
   * Built at the first new file, so an unchanged re-scan never pays for it.
   */
  let indexedInodes: Set<string> | null = null;
  const isIndexedInode = (key: string) => {
    if (!indexedInodes) {
      indexedInodes = new Set<string>();
      for (const prev of snapshot.values()) if (!prev.missing) indexedInodes.add(indexedRenameKey(prev));
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
    expectedBytes: null,
    currentFile: null,
    elapsedSeconds: 0,
  };

  let builder: IndexBuilder | undefined;
  /** The builder checkpoints: this connection's commits need not, until the rebuild (or the builder's death). */
  let builderCheckpoints = true;
  /** This connection checkpoints the WAL itself again (the builder's checkpoints are over, or it died). */
  const ownCheckpoints = () => {
    builderCheckpoints = false; // a ready message that comes later changes nothing
    try {
      if (db.raw.open) setWalAutocheckpoint(db, WAL_AUTOCHECKPOINT_PAGES);
    } catch {
      // a connection that cannot take a pragma fails its next write too, and the scan says so
    }
  };
  /** The builder has the workspace open and checkpoints it: this connection stops checkpointing. */
  const leaveCheckpoints = () => {
    if (!builderCheckpoints || !db.raw.open) return;
    try {
      setWalAutocheckpoint(db, 0);
    } catch {
      // this connection goes on checkpointing
    }
  };
  const writer = new ScanWriter(
    db,
    store.id,
    !hadIndex,
    (e) => {
      fatal ??= `cannot write the index ${db.path}: ${errorText(e)}`;
      cancelNow();
    },
    {
      rebuild: (d) => {
        const ready = builder;
        builder = undefined;
        // Checkpointing again only once the builder is told to go: the rebuild's own commits checkpoint what the
        // rows left in the WAL, on its thread, instead of this thread's first commit (its mark) before it may start.
        try {
          return rebuildFileIndexes(d, ctx.indexWorkerFile, ctx.owner, ready);
        } finally {
          ownCheckpoints();
        }
      },
      // The indexes are dropped: the worker that rebuilds them starts now, so it is ready when the rows are in,
      // and meanwhile it checkpoints the WAL, which this thread's commits would otherwise do (a third of their cost).
      onBulk: () => {
        if (!ctx.indexWorkerFile || db.path === ':memory:' || builder) return;
        try {
          // This connection stops checkpointing only once the builder has the workspace open and checkpoints it.
          builder = startIndexBuilder(ctx.indexWorkerFile, db.path, { checkpointEveryMs: CHECKPOINT_MS, onReady: leaveCheckpoints, onDead: ownCheckpoints });
        } catch {
          // started when the rebuild is due, or the indexes are built on this thread
        }
      },
      bulkMaxRows: ctx.bulkMaxRows,
    },
  );
  const flushTimer = setInterval(() => writer.flush(), FLUSH_MS);

  // A store of 100,000 odd file names must not flood the views: the first findings are
  // streamed, the rest are read from the index when the scan ends.
  let findingEvents = 0;
  const addFinding = (f: Omit<NewFinding, 'storeId' | 'scanId'>) => {
    if (f.severity === 'error') counts.errors++;
    writer.add(() => {
      const stored = insertFinding(db, { ...f, storeId: store.id, scanId }, nowIso());
      if (findingEvents++ < MAX_FINDING_EVENTS) ctx.emit({ type: 'finding', finding: stored });
    });
  };

  // ---- hashing -----------------------------------------------------------
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const readBytes = new BigInt64Array(new SharedArrayBuffer(8));
  /** Bytes the walkers hashed as they listed files. */
  let bytesHashedByWalk = 0;
  /** Listed by the walker, gone when opened: marked missing at the end, unless the whole store went away. */
  const vanished: FileJob[] = [];

  const applyOutcome = (q: FileJob, o: HashOutcome) => {
    const display = q.seen.displayPath;
    if (!o.ok || q.dropped) dirty(q.seen.relPath);
    if (o.ok) {
      counts.hashed++;
      counts.bytesHashed += o.bytes;
      progress.filesHashed++;
      if (q.dropped) return;
      const racy = q.seen.mtimeNs / 1_000_000_000n >= q.statAtNs / 1_000_000_000n;
      if (racy) dirty(q.seen.relPath);
      q.digest = { sha256: o.sha256, md5: o.md5, racy };
      const refined = refineByMagic(q.seen.name, o.head, q.seen);
      if (refined && (refined.kind !== q.seen.kind || refined.format !== q.seen.format)) {
        q.seen.kind = refined.kind;
        q.seen.format = refined.format;
        q.reformat = true;
      }
      if (q.id !== 0) writer.digestCame(q); // else it waits in the writer, written with its digest
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

  let walk: Walk | null = null;
  const hashQueue = new HashQueue({
    pool: ctx.pool,
    maxInFlight: ctx.hashThreads * 4,
    rootBytes: Buffer.from(store.path.endsWith('/') ? store.path : `${store.path}/`),
    cancelFlag,
    readBytes,
    throttleMs: ctx.throttleMs,
    apply: applyOutcome,
    onTaskDone: () => walk?.release(),
  });
  const hashLater = (f: FileJob) => {
    progress.filesToHash++;
    progress.bytesToHash += f.seen.size;
    if (f.seen.size === 0) applyOutcome(f, { ok: true, sha256: EMPTY_SHA256, md5: f.md5 ? EMPTY_MD5 : null, head: new Uint8Array(0), bytes: 0 }); // one digest; no need to open it
    else {
      progress.currentFile = f.seen.displayPath;
      hashQueue.enqueue(f);
    }
  };

  // ---- the walk ------------------------------------------------------------
  /** Paths (as snapshot keys) the walker could not look at: what the index holds there is kept. */
  const unseen: string[] = [];

  /** A file in the index: unchanged (nothing to do), or changed or never hashed (hash it). */
  const known = (b: FileBatch, i: number, prev: IndexedStat, statAtNs: bigint, now: string, toHash: FileJob[]) => {
    const flags = b.flags[i]!;
    const sameStat = prev.stat === statKey(b.ids[i * 2]!, b.sizes[i]!, b.times[i * 2]!, b.times[i * 2 + 1]!);
    if (sameStat && prev.hashed && !prev.racy && !options.rehash && (!(flags & FLAG_DVC) || prev.hasMd5)) {
      counts.unchanged++;
      if (prev.missing) markFilePresent(db, prev.id, now);
      return;
    }
    const seen = seenAt(b, i);
    if (!sameStat) {
      counts.changed++;
      updateChangedFile(db, prev.id, seen, now);
    } else if (prev.missing) markFilePresent(db, prev.id, now);
    toHash.push(newFileJob(prev.id, seen, statAtNs, (flags & FLAG_DVC) !== 0, (flags & (FLAG_LINKED | FLAG_VIA_LINK)) !== 0, writer.flushes));
  };

  /**
   * A first index's small file with one name, hashed as the walker listed
   * it: written at once from the batch, with no object for it (it needs no
   * bookkeeping: no rename can be settled, no other name shares its read).
   * What `fresh` and `applyOutcome` do for it, without them.
   */
  const hashedByWalker = (b: FileBatch, i: number, racyFromNs: bigint, now: string) => {
    const size = b.sizes[i]!;
    const flags = b.flags[i]!;
    counts.files++;
    counts.bytes += size;
    counts.new++;
    counts.hashed++;
    counts.bytesHashed += size;
    progress.filesSeen++;
    progress.filesToHash++;
    progress.filesHashed++;
    progress.bytesToHash += size;
    bytesHashedByWalk += size;
    const rel = batchPath(b, i);
    const relPath = Buffer.from(rel.buffer, rel.byteOffset, rel.byteLength);
    const displayPath = relPath.toString('utf8');
    const name = displayPath.slice(displayPath.lastIndexOf('/') + 1);
    const guess = classifyByName(name);
    const { kind, format } = refineByMagic(name, batchHead(b, i), guess) ?? guess;
    const mtimeNs = b.times[i * 2]!;
    const racy = mtimeNs >= racyFromNs;
    if (racy) dirty(relPath);
    const sha256 = Buffer.from(b.sha256.buffer, b.sha256.byteOffset + i * 32, 32).toString('hex');
    const md5 = flags & FLAG_DVC ? Buffer.from(b.md5.buffer, b.md5.byteOffset + i * 16, 16).toString('hex') : null;
    progress.currentFile = displayPath;
    writer.insertHashed(relPath, displayPath, name, size, mtimeNs, b.times[i * 2 + 1]!, String(b.ids[i * 2]), String(b.ids[i * 2 + 1]), kind, format, sha256, md5, racy, now);
  };

  /** A file new to the index. */
  const fresh = (b: FileBatch, i: number, failure: HashFailure | undefined, statAtNs: bigint, now: string, toHash: FileJob[]) => {
    counts.new++;
    const flags = b.flags[i]!;
    const f = newFileJob(0, seenAt(b, i), statAtNs, (flags & FLAG_DVC) !== 0, (flags & (FLAG_LINKED | FLAG_VIA_LINK)) !== 0, writer.flushes);
    if (flags & FLAG_HASHED) {
      // Hashed by the walker: written once, with its digest.
      progress.filesToHash++;
      progress.bytesToHash += f.seen.size;
      bytesHashedByWalk += f.seen.size;
      progress.currentFile = f.seen.displayPath;
      const at = b.sha256.byteOffset + i * 32;
      const sha256 = Buffer.from(b.sha256.buffer, at, 32).toString('hex');
      const md5 = f.md5 ? Buffer.from(b.md5.buffer, b.md5.byteOffset + i * 16, 16).toString('hex') : null;
      applyOutcome(f, { ok: true, sha256, md5, head: batchHead(b, i), bytes: f.seen.size });
      writer.insert(f, now);
      return;
    }
    if (failure) {
      // The walker could not hash it (it changed while read, a read failed): listed, not hashed.
      progress.filesToHash++;
      progress.bytesToHash += f.seen.size;
      applyOutcome(f, { ok: false, kind: failure.kind, code: failure.code, message: failure.message });
      writer.insert(f, now);
      return;
    }
    if (hadIndex) {
      const ik = renameKey(f.seen);
      newFiles.add(f);
      newByInode.set(ik, f);
      if (isIndexedInode(ik)) {
        writer.insert(f, now);
        heldBack.push(f);
        return;
      }
    }
    // A big file is listed at once: a killed scan still shows it. A small one waits for its digest.
    if (f.tracked) writer.insert(f, now);
    else writer.later(f);
    toHash.push(f);
  };

  const onFindings = (findings: WalkFinding[]) => {
    for (const wf of findings) {
      if (wf.unseen) {
        unseen.push(...unseenKeys(wf.rel));
        // Its folder keeps rows the walk did not see (kept as they were): that folder's stamp would not be of all its rows.
        dirty(wf.rel);
      }
      addFinding({ path: Buffer.from(wf.rel).toString('utf8') || '.', code: wf.code, severity: wf.severity, message: wf.message });
    }
  };
  /** Walk batches that came while the indexes were rebuilt mid-scan, taken in once they are back. */
  let held: WalkBatch[] = [];
  let resumed: Promise<void> | null = null;
  const holdWhileRebuilding = (m: WalkBatch): boolean => {
    if (!writer.paused) return false;
    held.push(m);
    resumed ??= writer.midRebuild!.then(() => {
      resumed = null;
      const batches = held;
      held = [];
      for (const h of batches) sink(h);
      walk?.release();
    });
    return true;
  };
  const sink = (m: WalkBatch) => {
    if (snapshotFailed) return;
    try {
      if (!holdWhileRebuilding(m)) onBatch(m);
    } catch (e) {
      fatal ??= errorText(e);
      cancelNow();
    }
  };
  const onBatch = (m: WalkBatch) => {
    const { files: b, failures, findings, stamps, statAtNs } = m;
    writer.weighBulk();
    if (holdWhileRebuilding(m)) return;
    onFindings(findings);
    for (const st of stamps) onStamp(st);
    if (b.count > 0 && !haveSnapshot()) return;
    const failureAt = new Map(failures.map((f) => [f.index, f]));
    const toHash: FileJob[] = [];
    const now = nowIso();
    /** A file modified at or after this (the second of the batch's first stat) is racy. */
    const racyFromNs = (statAtNs / 1_000_000_000n) * 1_000_000_000n;
    writer.run(() => {
      for (let i = 0; i < b.count; i++) {
        if (!hadIndex && (b.flags[i]! & (FLAG_HASHED | FLAG_LINKED | FLAG_VIA_LINK)) === FLAG_HASHED) {
          hashedByWalker(b, i, racyFromNs, now);
          continue;
        }
        counts.files++;
        counts.bytes += b.sizes[i]!;
        progress.filesSeen++;
        if (hadIndex) {
          const key = pathKey(batchPath(b, i), (b.flags[i]! & FLAG_NOT_UTF8) === 0);
          const prev = snapshot.get(key);
          if (prev) {
            snapshot.delete(key);
            known(b, i, prev, statAtNs, now, toHash);
            continue;
          }
        }
        fresh(b, i, failureAt.get(i), statAtNs, now, toHash);
      }
    });
    for (const f of toHash) hashLater(f);
  };

  const onStamp = (st: FolderStamp) => {
    const key = latin1(st.rel);
    if (reportedStamps.has(key)) dirtyFolders.add(key); // listed twice (it should not be): no stamp is kept
    reportedStamps.set(key, st);
    if (!st.covered) return;
    counts.files += st.files;
    counts.bytes += st.bytes;
    counts.unchanged += st.files;
    progress.filesSeen += st.files;
    coveredFolders++;
    for (const k of folderKeys(st.rel, st.utf8)) coveredKeys.add(k);
  };

  const storeGoesOffline = (message: string) => {
    offline = true;
    fatal = message;
    addFinding({ path: '.', code: 'store-offline', severity: 'error', message });
    cancelNow();
  };
  const cancelNow = () => {
    if (cancelled) return;
    cancelled = true;
    hashQueue.cancel();
    walk?.terminate();
  };

  const rootCheck = inspectStoreRoot(store.path);
  let rootAtStart: StoreRoot | null = null;
  const unmounted = rootCheck.ok ? unmountedReason(store.path, store.root, rootCheck, () => [...loadSnapshot().values()].filter((f) => !f.missing).length) : null;
  if (!rootCheck.ok) {
    // Gone, unreadable, or not a folder: offline, with its index kept.
    offline = ['ENOENT', 'EIO', 'ENOTDIR', 'ENXIO', 'ENODEV', 'ESTALE'].includes(rootCheck.code);
    fatal = rootCheck.message;
  } else if (unmounted !== null) {
    storeGoesOffline(unmounted);
  } else {
    rootAtStart = rootCheck.root;
    takeStamps();
    // A whole disk indexed for the first time: its used space is what the walk will find, give or take.
    if (!hadIndex && rootCheck.root.isMount) progress.expectedBytes = usedBytesOf(store.path);
    if (store.root && store.root.id !== rootCheck.root.id) {
      addFinding({ path: '.', code: 'store-root-changed', severity: 'info', message: `the store folder is not the folder of the last scan (device:inode ${store.root.id}, now ${rootCheck.root.id}): another disk, or a folder made anew; files not found are marked missing` });
    }
    walk = startWalk(
      {
        root: store.path,
        rootReal: rootCheck.real,
        rootKey: rootCheck.root.id,
        followSymlinks: store.followSymlinks,
        // A first index: every file is new and none can be a rename, so the walkers may read small files as they list them.
        hashSmall: !hadIndex && !options.rehash,
        threads: ctx.walkThreads,
        workerFile: ctx.walkWorkerFile,
        batchSize: WALK_BATCH,
        // A re-scan: the walkers may run further ahead while the index is loaded below.
        window: hadIndex ? WALK_WINDOW_RESCAN : WALK_WINDOW,
        ...(useStamps ? { stamps: stampsAtStart.byDir } : {}),
      },
      {
        onBatch: sink,
        onFindings,
        hasRoom: () => cancelled || (!writer.paused && hashQueue.queued < QUEUE_HIGH),
      },
    );
  }
  // The walkers list the first folders meanwhile; their batches wait for this synchronous code to end.
  // With stamps, the index is read only if a batch lists files (something changed) or the end needs it.
  if (!useStamps) haveSnapshot();
  /** The store folder is gone, or another one (an empty mount point, a new folder) is at its path: keep the index as it is. */
  const storeWentAway = () => {
    const id = storeRootId(store.path);
    return id === null || (rootAtStart !== null && id !== rootAtStart.id);
  };
  const wentAwayMessage = `the store folder ${store.path} went away during the scan (unmounted?); its index is kept as it was`;

  const progressTimer = setInterval(() => emitProgress(), PROGRESS_MS);
  let lastTick = { at: performance.now(), bytes: 0 };
  let rate: number | null = null;
  const emitProgress = () => {
    const elapsed = (performance.now() - t0) / 1000;
    progress.elapsedSeconds = elapsed;
    progress.bytesHashed = Math.min(progress.bytesToHash, Number(Atomics.load(readBytes, 0)) + hashQueue.freeBytes + bytesHashedByWalk);
    // The rate of the last few seconds, not since the start: the ETA follows the files at hand.
    const now = performance.now();
    const dt = (now - lastTick.at) / 1000;
    if (dt > 0.05) {
      const instant = (progress.bytesHashed - lastTick.bytes) / dt;
      rate = rate === null ? instant : rate * 0.7 + instant * 0.3;
      lastTick = { at: now, bytes: progress.bytesHashed };
    }
    progress.bytesPerSecond = rate ?? 0;
    const walkDone = progress.phase !== 'walking';
    // Until the walk ends, what is left is known only from a whole disk's used space (an estimate), else not at all.
    // Listed more than the disk's used space (compression, hard links): the estimate is wrong; drop it.
    if (progress.expectedBytes !== null && progress.bytesToHash > progress.expectedBytes) progress.expectedBytes = null;
    const total = walkDone ? progress.bytesToHash : progress.expectedBytes;
    const left = total === null ? null : Math.max(0, total - progress.bytesHashed);
    progress.etaSeconds = left === null ? null : walkDone && left === 0 ? 0 : rate !== null && rate > 0 && elapsed > 1 ? left / rate : null;
    ctx.emit({ type: 'scan.progress', progress: { ...progress } });
  };

  /** Renames: a vanished file whose inode, size and mtime reappear under a new name. */
  const settleRenames = () => {
    writer.flush();
    writer.run(() => {
      for (const [key, prev] of snapshot) {
        if (prev.missing) continue;
        const nf = newByInode.get(indexedRenameKey(prev));
        if (!nf || !newFiles.has(nf)) continue; // none, or taken by another name of the same inode (hard links)
        nf.dropped = true;
        dirty(nf.seen.relPath); // the old row keeps its racy flag and digests: the next scan compares it file by file
        if (nf.id !== 0) deleteFile(db, nf.id); // first: the old row takes over its path
        moveFile(db, prev.id, nf.seen, nowIso(), true);
        // An old row never hashed (a killed scan, an unreadable file) is hashed under its new name.
        if (!prev.hashed) hashLater(newFileJob(prev.id, nf.seen, nf.statAtNs, nf.md5, nf.shared, writer.flushes));
        newFiles.delete(nf);
        snapshot.delete(key);
        counts.moved++;
        counts.new--;
      }
    });
    // Held back for a rename that was not one (a new hard link, say): read them now.
    for (const h of heldBack) if (newFiles.has(h)) hashLater(h);
  };

  /**
   * A complete scan leaves the stamps of the folders whose every file ended
   * it hashed and not racy. They cover every present file when no folder was
   * left unread (its files are kept as they were, unseen) and the kept
   * stamps count every file the scan saw.
   */
  const keepStamps = () => {
    const kept = [...reportedStamps].filter(([key]) => !dirtyFolders.has(key)).map(([, st]) => ({ dir: st.rel, stamp: st.stamp, files: st.files }));
    const files = kept.reduce((n, st) => n + st.files, 0);
    saveFolderStamps(db, store.id, kept, unseen.length === 0 && files === counts.files);
  };

  /**
   * Writes everything still waiting. A rebuild of the indexes in the middle
   * of the scan (the table grew past bulkMaxRows, maybe in a flush after the
   * walk) holds the writes back: they wait for it, or they would be lost.
   */
  const flushAll = async () => {
    for (;;) {
      while (writer.midRebuild) await writer.midRebuild;
      writer.flush(true);
      if (!writer.midRebuild) return;
    }
  };

  let rebuilt: Promise<void> = Promise.resolve();
  let listed: ListedFiles | null = null;
  const done = (async (): Promise<ScanSummary> => {
    let status: ScanStatus = 'done';
    try {
      if (walk) {
        const walkError = await walk.done;
        while (resumed) await resumed; // batches held during a mid-scan rebuild are taken in before the walk counts as over
        if (walkError && !cancelled) fatal ??= walkError;
        if (!cancelled && !fatal && storeWentAway()) storeGoesOffline(wentAwayMessage);
      }
      if (fatal) cancelNow();
      /**
       * Every stamped folder was found unchanged, no file was listed one by
       * one, and the last scan left every present file in a stamped folder:
       * nothing is missing, and the index need not be read at all.
       */
      const allCovered = useStamps && !snapshotLoaded && stampsAtStart.coverAll && unseen.length === 0 && coveredFolders === stampsAtStart.byDir.size;
      if (!cancelled && !fatal && !allCovered && haveSnapshot()) dropCovered();
      if (unseen.length > 0) {
        const hidden = new Set(unseen);
        for (const key of snapshot.keys()) if (isBelowAny(key, hidden)) snapshot.delete(key);
      }
      progress.phase = 'hashing';
      if (!cancelled && !fatal && hadIndex && snapshotLoaded) settleRenames();
      await hashQueue.drained();
      // Unmounted while its files were hashed: they could not be opened, but they are not missing.
      if (!offline && !fatal && storeWentAway()) storeGoesOffline(wentAwayMessage);
      if (!offline && !fatal) {
        for (const q of vanished) {
          addFinding({ path: q.seen.displayPath, code: 'read-enoent', severity: 'warning', message: 'deleted while the scan ran; marked missing' });
          newFiles.delete(q);
          writer.add(() => markFileMissing(db, q.id, nowIso())); // after its row is written, in the same flush
          counts.missing++;
        }
      }
      await flushAll();
      if (!cancelled && !fatal) {
        progress.phase = 'finishing';
        const now = nowIso();
        writer.run(() => {
          settleMoves(db, snapshot, newFiles, counts, now, (nf) => dirty(nf.seen.relPath));
          for (const prev of snapshot.values()) {
            if (prev.missing) continue;
            markFileMissing(db, prev.id, now, lastCompleteScan);
            counts.missing++;
          }
          clearStoreScanFindings(db, store.id, scanId);
          keepStamps();
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
    await flushAll(); // the last of them; a failure sets `fatal`
    if (fatal) status = 'failed';
    const listing = writer.takeListing(new Set(vanished));
    listed = status === 'done' ? listing : null;
    const seconds = (performance.now() - t0) / 1000;
    const summary: ScanSummary = {
      scanId,
      storeId: store.id,
      storePath: store.path,
      status,
      ...counts,
      unchangedFolders: coveredFolders,
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
        // A cancelled scan that found files saw a real folder too: the next one is protected from an empty mount point.
        if (rootAtStart && (status === 'done' || (status === 'cancelled' && counts.files > 0))) recordStoreRoot(db, store.id, rootAtStart);
      });
    } catch (e) {
      summary.message = `${summary.message ? summary.message + '; ' : ''}could not record the scan: ${errorText(e)}`;
    }
    // After the scan is recorded: the rebuild holds the write lock an index at a time, and this thread should not wait on it.
    rebuilt = writer.finish();
    emitProgress();
    ctx.emit({ type: 'scan.finished', summary });
    ctx.emit({ type: 'stores.changed' });
    return summary;
  })();

  const settled = done.then(
    () => rebuilt,
    () => rebuilt,
  );
  const takeListedFiles = () => {
    const l = listed;
    listed = null;
    return l;
  };
  return { scanId, storeId: store.id, done, settled, cancel: cancelNow, progress: () => ({ ...progress }), takeListedFiles };
}

/** Moves: a vanished file whose digest a new file has; the old row keeps its identity. */
function settleMoves(db: WritableDb, snapshot: Map<string, IndexedStat>, newFiles: Set<FileJob>, counts: { moved: number; new: number }, now: string, onMoved: (nf: FileJob) => void): void {
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
    onMoved(nf);
    snapshot.delete(hit[0]);
    counts.moved++;
    counts.new--;
  }
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
