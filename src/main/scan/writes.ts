import { inTransaction, type WritableDb } from '../db/connection';
import type { FileKind } from '../../shared/domain';
import { countFileRows, dropFileIndexes, insertHashedFile, insertSeenFile, restoreFileIndexes, setFileDigests, setFileFormat, type ListedFiles } from '../db/files';
import type { FileJob } from './file-job';

/** Databases (by path) whose file indexes a scan of this process is rebuilding: another first index leaves them be meanwhile. */
const rebuilding = new Set<string>();

/** Rows a first index writes with the file indexes in place before it weighs dropping them. */
const BULK_AFTER = 2000;
/**
 * Other stores' rows above which the indexes stay: rebuilding them is paid for
 * every row in the table, and other connections (the app, another CLI) lose
 * the indexes while they are gone.
 */
const BULK_MAX_OTHER_ROWS = 250_000;
/**
 * Rows in the table above which the indexes come back in the middle of a
 * first index, and the rest goes in with them: a rebuild holds the write lock
 * an index at a time, about a second an index per million rows, and other
 * writers (another store's scan, a registry edit) wait that long at most.
 */
const BULK_MAX_ROWS = 1_000_000;

/** Rows a first index remembers for the lineage read after it (see `listed`); past them it reads them back from the table. */
const LISTING_MAX_ROWS = 2_000_000;

/** Builds the missing file indexes (see rebuildFileIndexes in index-build.ts); resolves when done, never rejects. */
export type Rebuild = (db: WritableDb) => Promise<void>;

/**
 * A scan's writes, batched into short transactions. Per-file writes are data
 * (rows to insert, digests to set); the rare ones (findings, missing marks)
 * closures. A failed write (disk full, database made read-only) rolls its
 * batch back and calls `onFail`, after which nothing more is written: the ids
 * given to the rolled-back rows mean nothing.
 */
export class ScanWriter {
  /** New small files waiting for their digest, so that each is written once. */
  private unwritten: FileJob[] = [];
  private digested: FileJob[] = [];
  private pending: (() => void)[] = [];
  /** Flushes so far: a row waits at most two of them for its digest. */
  flushes = 0;
  failed = false;
  /** The file indexes are dropped until `finish` builds them again. */
  private bulk = false;
  private rowsWritten = 0;
  private rowsBefore: number | null = null;
  /** Bulk mode ended mid-scan (the table grew past BULK_MAX_ROWS): not entered again. */
  private bulkOver = false;
  /** The indexes being rebuilt in the middle of the scan: writes wait (`paused`). */
  midRebuild: Promise<void> | null = null;
  private readonly rebuild: Rebuild;
  private readonly bulkMaxRows: number;
  /** Called when the indexes are dropped: whatever will rebuild them may get ready meanwhile. */
  private readonly onBulk: (() => void) | undefined;
  /**
   * A first index: each row's path, size and kind as it is written (its job
   * where a hash may still correct the kind), so that the lineage read after
   * the scan need not read the rows back. Null past LISTING_MAX_ROWS.
   */
  private listing: { paths: string[]; sizes: number[]; kinds: (FileKind | FileJob)[] } | null;

  constructor(
    private readonly db: WritableDb,
    private readonly storeId: number,
    /** The store had no index when the scan began: its rows are all new, and may be many. */
    private readonly firstIndex: boolean,
    private readonly onFail: (e: unknown) => void,
    opts: { rebuild?: Rebuild; bulkMaxRows?: number; onBulk?: () => void } = {},
  ) {
    this.onBulk = opts.onBulk;
    this.rebuild =
      opts.rebuild ??
      ((db) =>
        new Promise<void>((resolve) => {
          restoreFileIndexes(db); // a throw rejects
          resolve();
        }));
    this.bulkMaxRows = opts.bulkMaxRows ?? BULK_MAX_ROWS;
    this.listing = firstIndex ? { paths: [], sizes: [], kinds: [] } : null;
  }

  private listed(path: string, size: number, kind: FileKind | FileJob): void {
    const l = this.listing;
    if (!l) return;
    if (l.paths.length >= LISTING_MAX_ROWS) {
      this.listing = null;
      return;
    }
    l.paths.push(path);
    l.sizes.push(size);
    l.kinds.push(kind);
  }

  /**
   * The rows a first index wrote, as `presentFilesOfStore` would read them
   * (in the order written), less `gone` (rows marked missing since); null
   * when not a first index, or too many to keep. Given once, when the scan's
   * writes are over: a job's kind is read now, after any hash corrected it.
   */
  takeListing(gone: ReadonlySet<FileJob>): ListedFiles | null {
    const l = this.listing;
    this.listing = null;
    if (!l) return null;
    // In place: a first index of 100,000 files would otherwise copy three arrays of them.
    const { paths, sizes, kinds } = l;
    let kept = 0;
    for (let i = 0; i < paths.length; i++) {
      const k = kinds[i]!;
      if (typeof k !== 'string' && gone.has(k)) continue;
      paths[kept] = paths[i]!;
      sizes[kept] = sizes[i]!;
      kinds[kept++] = typeof k === 'string' ? k : k.seen.kind;
    }
    paths.length = sizes.length = kinds.length = kept;
    return { paths, sizes, kinds: kinds as FileKind[] };
  }

  /** Writes wait for a rebuild in the middle of the scan; the scanner holds its batches meanwhile. */
  get paused(): boolean {
    return this.midRebuild !== null;
  }

  /** Runs `fn` in one transaction, unless an earlier write failed; a failure is reported, not thrown. */
  run(fn: () => void): void {
    if (this.failed) return;
    try {
      inTransaction(this.db, fn);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.failed = true;
    this.onFail(e);
  }

  /** Writes a new row now; returns its id. Call inside `run`. */
  insert(f: FileJob, now: string): number {
    f.id = insertSeenFile(this.db, this.storeId, f.seen, now, f.digest);
    this.rowsWritten++;
    this.listed(f.seen.displayPath, f.seen.size, f);
    return f.id;
  }

  /** A new row with its digest, from values at hand (no FileJob). Call inside `run`. */
  insertHashed(relPath: Buffer, displayPath: string, name: string, size: number, mtimeNs: bigint, ctimeNs: bigint, inode: string, device: string, kind: FileKind, format: string | null, sha256: string, md5: string | null, racy: boolean, now: string): void {
    insertHashedFile(this.db, this.storeId, relPath, displayPath, name, size, mtimeNs, ctimeNs, inode, device, kind, format, sha256, md5, racy, now);
    this.rowsWritten++;
    this.listed(displayPath, size, kind);
  }

  /** A new small file, written with its digest at a later flush. */
  later(f: FileJob): void {
    this.unwritten.push(f);
  }

  /** A written row whose digest came. */
  digestCame(f: FileJob): void {
    this.digested.push(f);
  }

  /** A rare write, done in the next flush in the order given. */
  add(write: () => void): void {
    this.pending.push(write);
  }

  /**
   * On a first index, once enough rows are written and the table holds few others,
   * the file indexes are dropped; `finish` builds them again with one sort each.
   */
  weighBulk(): void {
    if (this.bulk && !this.midRebuild && (this.rowsBefore ?? 0) + this.rowsWritten >= this.bulkMaxRows) {
      // Grown past the size whose rebuild keeps the lock short: rebuild now, and go on with the indexes in place.
      this.bulkOver = true;
      this.midRebuild = this.finish().then(() => {
        this.midRebuild = null;
      });
      return;
    }
    if (!this.firstIndex || this.bulk || this.bulkOver || this.failed || this.rowsWritten < BULK_AFTER || rebuilding.has(this.db.path)) return;
    this.rowsBefore ??= countFileRows(this.db) - this.rowsWritten;
    // Building an index costs about a sixth of inserting into it row by row: worth it unless the other rows are many more.
    if (this.rowsBefore > BULK_MAX_OTHER_ROWS || this.rowsBefore > 4 * this.rowsWritten) return;
    this.run(() => dropFileIndexes(this.db));
    if (this.failed) return;
    this.bulk = true;
    this.onBulk?.();
  }

  /**
   * `all`: write every row still waiting for its digest (the walk settles renames, the scan ends).
   * Otherwise a row waits at most two flushes, so a killed scan loses no more of the listing than that.
   */
  flush(all = false): void {
    if (this.midRebuild) return; // the rows wait for the rebuild; so do their two flushes
    this.flushes++;
    if (this.failed || (this.unwritten.length === 0 && this.digested.length === 0 && this.pending.length === 0)) return;
    const rows = this.unwritten;
    const digests = this.digested;
    const batch = this.pending;
    this.unwritten = [];
    this.digested = [];
    this.pending = [];
    this.run(() => {
      const now = new Date().toISOString();
      for (const f of rows) {
        if (f.dropped) continue;
        if (f.digest || all || f.listedAt < this.flushes - 1) this.insert(f, now);
        else this.unwritten.push(f);
      }
      for (const f of digests) {
        setFileDigests(this.db, f.id, f.digest!, now);
        if (f.reformat) setFileFormat(this.db, f.id, f.seen.kind, f.seen.format);
      }
      for (const w of batch) w();
    });
    this.weighBulk();
  }

  /** The file indexes are dropped: `finish` will rebuild them. */
  get willRebuild(): boolean {
    return this.bulk;
  }

  /**
   * Builds the file indexes again if they were dropped, whatever became of the
   * scan (on a worker thread, with the scanner's `rebuild`). Resolves when
   * they are built; any still missing are built when the workspace is next opened.
   */
  finish(): Promise<void> {
    if (!this.bulk) return Promise.resolve();
    this.bulk = false;
    const path = this.db.path;
    rebuilding.add(path);
    return this.rebuild(this.db)
      .catch(() => {
        // built when the workspace is next opened
      })
      .finally(() => rebuilding.delete(path));
  }
}
