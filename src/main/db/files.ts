import type { FileKind, FileRow } from '../../shared/domain';
import type { FileSort } from '../../shared/api';
import type { ReadableDb, WritableDb } from './connection';

/** What the index remembers of a file between scans: enough to know it did not change. */
export interface IndexedStat {
  id: number;
  device: string;
  /**
   * `inode:size:mtime_ns:ctime_ns`, one string built by SQLite: a re-scan
   * compares it with the same string built from the walker's stat (see
   * `statKey`). The device is left out, as git leaves it out: a disk plugged
   * in again may get another device number, and its files did not change.
   */
  stat: string;
  /** The digests themselves stay in the database (see `sha256ByIds`): an unchanged re-scan needs only to know there are some. */
  hashed: boolean;
  hasMd5: boolean;
  racy: boolean;
  missing: boolean;
}

export const statKey = (inode: string | bigint, size: number, mtimeNs: bigint, ctimeNs: bigint) => `${inode}:${size}:${mtimeNs}:${ctimeNs}`;

/**
 * A path as the key of a store's index snapshot: the path itself when it is
 * valid UTF-8 (as nearly every path is), otherwise a NUL (no path holds one)
 * and its raw bytes as latin1, a lossless bytes-to-string mapping.
 */
export const pathKey = (rel: Uint8Array, utf8: boolean): string => {
  const b = Buffer.from(rel.buffer, rel.byteOffset, rel.byteLength);
  return utf8 ? b.toString('utf8') : `\0${b.toString('latin1')}`;
};

/** One file as the walker saw it. */
export interface SeenFile {
  relPath: Buffer;
  displayPath: string;
  name: string;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  inode: string;
  device: string;
  kind: FileKind;
  format: string | null;
}

/**
 * Loads a store's index keyed by `pathKey`. An unchanged re-scan of 100,000
 * files spends a good part of its time here, so SQLite builds the strings
 * (the key, the stat) and the flags, and no digest is read.
 */
export function loadIndexSnapshot(db: ReadableDb, storeId: number): Map<string, IndexedStat> {
  const stmt = db.raw
    .prepare(
      `SELECT id,
              CASE WHEN CAST(display_path AS BLOB) = rel_path THEN display_path END,
              CASE WHEN CAST(display_path AS BLOB) = rel_path THEN NULL ELSE rel_path END,
              device,
              inode || ':' || size || ':' || mtime_ns || ':' || ctime_ns,
              (sha256 IS NOT NULL) | ((md5 IS NOT NULL) << 1) | (racy << 2) | ((state = 'missing') << 3)
       FROM files WHERE store_id = ?`,
    )
    .raw(true);
  const map = new Map<string, IndexedStat>();
  for (const r of stmt.iterate(storeId) as Iterable<[number, string | null, Buffer | null, string, string, number]>) {
    const f = r[5];
    map.set(r[1] ?? pathKey(r[2]!, false), { id: r[0], device: r[3], stat: r[4], hashed: (f & 1) !== 0, hasMd5: (f & 2) !== 0, racy: (f & 4) !== 0, missing: (f & 8) !== 0 });
  }
  return map;
}

/** SHA-256 digests of these files, for the few a scan needs (files gone, and a new file that may be one of them moved). */
export function sha256ByIds(db: ReadableDb, ids: number[]): Map<number, string> {
  if (ids.length === 0) return new Map();
  const rows = db.statement(`SELECT id, sha256 FROM files WHERE id IN (SELECT value FROM json_each(?)) AND sha256 IS NOT NULL`).all(JSON.stringify(ids)) as { id: number; sha256: string }[];
  return new Map(rows.map((r) => [r.id, r.sha256]));
}

export interface FileDigest {
  sha256: string;
  md5: string | null;
  /** Modified in the second of its stat: hashed again by the next scan. */
  racy: boolean;
}

/**
 * A new row. A small new file is written once, with its digest, when its hash
 * comes back soon after the walk listed it; others get theirs with `setFileDigests`.
 */
export function insertSeenFile(db: WritableDb, storeId: number, f: SeenFile, now: string, digest: FileDigest | null = null): number {
  return insertFileRow(db, storeId, f.relPath, f.displayPath, f.name, f.size, f.mtimeNs, f.ctimeNs, f.inode, f.device, f.kind, f.format, digest?.sha256 ?? null, digest?.md5 ?? null, digest?.racy ?? false, digest ? now : null, now);
}

/** A new row for a file hashed as it was listed, from its values (a first index writes most of its rows so). */
export function insertHashedFile(db: WritableDb, storeId: number, relPath: Buffer, displayPath: string, name: string, size: number, mtimeNs: bigint, ctimeNs: bigint, inode: string, device: string, kind: FileKind, format: string | null, sha256: string, md5: string | null, racy: boolean, now: string): void {
  insertFileRow(db, storeId, relPath, displayPath, name, size, mtimeNs, ctimeNs, inode, device, kind, format, sha256, md5, racy, now, now);
}

function insertFileRow(db: WritableDb, storeId: number, relPath: Buffer, displayPath: string, name: string, size: number, mtimeNs: bigint, ctimeNs: bigint, inode: string, device: string, kind: FileKind, format: string | null, sha256: string | null, md5: string | null, racy: boolean, hashedAt: string | null, now: string): number {
  return Number(
    db
      .statement(
        `INSERT INTO files (store_id, rel_path, display_path, name, size, mtime_ns, ctime_ns, inode, device, kind, format, sha256, md5, racy, hashed_at, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(storeId, relPath, displayPath, name, size, mtimeNs, ctimeNs, inode, device, kind, format, sha256, md5, racy ? 1 : 0, hashedAt, now, now).lastInsertRowid,
  );
}

/**
 * `files_sha256` indexes a digest's first 8 bytes (migration 008). A query
 * that looks files up by SHA-256 compares that key, so that SQLite uses the
 * index, and then the whole digest: `sha256Is('f.sha256', '@d')` for
 * `f.sha256 = @d`. The key is the index's expression written the same way.
 */
export const sha256Is = (column: string, param: string): string => `(unhex(substr(${column}, 1, 16)) = unhex(substr(${param}, 1, 16)) AND ${column} = ${param})`;

/**
 * Digests that begin with a hex prefix (of any length up to 64), through the
 * same index: the keys between the prefix padded with zeros and with f's, and
 * then the digest's own text. Binds `@lo`, `@hi` (the text range) and
 * `@keyLo`, `@keyHi`; `sha256PrefixParams` makes them.
 */
export const sha256HasPrefix = (column: string): string => `(unhex(substr(${column}, 1, 16)) BETWEEN @keyLo AND @keyHi AND ${column} >= @lo AND ${column} < @hi)`;
export function sha256PrefixParams(prefix: string): { lo: string; hi: string; keyLo: Buffer; keyHi: Buffer } {
  const lo = prefix.toLowerCase();
  const head = lo.slice(0, 16);
  return { lo, hi: `${lo}g`, keyLo: Buffer.from(head.padEnd(16, '0'), 'hex'), keyHi: Buffer.from(head.padEnd(16, 'f'), 'hex') };
}

/**
 * The secondary indexes of `files` as the migrations leave them. A store's
 * first index drops them while it inserts its rows and builds them again at
 * its end: one sort per index instead of a b-tree insert per row and index
 * (for 100,000 files, about 0.2 s against 1 s). Opening a workspace builds any
 * that are missing, should a scan have been killed in between.
 */
const FILE_INDEXES: Record<string, string> = {
  files_sha256: `CREATE INDEX files_sha256 ON files(unhex(substr(sha256, 1, 16))) WHERE sha256 IS NOT NULL`,
  files_md5: `CREATE INDEX files_md5 ON files(md5) WHERE md5 IS NOT NULL`,
  files_store_kind: `CREATE INDEX files_store_kind ON files(store_id, kind)`,
  files_size: `CREATE INDEX files_size ON files(size)`,
  files_path_nocase: `CREATE INDEX files_path_nocase ON files(display_path COLLATE NOCASE)`,
};
export const fileIndexDefinitions: Readonly<Record<string, string>> = FILE_INDEXES;

export function dropFileIndexes(db: WritableDb): void {
  for (const name of Object.keys(FILE_INDEXES)) db.raw.exec(`DROP INDEX IF EXISTS ${name}`);
}

const sameSql = (a: string | null | undefined, b: string) => a != null && a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

/**
 * Names of the file indexes that are not there, or not as defined here: an
 * older Pedigree that had the workspace open when a newer one migrated it may
 * have rebuilt one to its own definition (the SHA-256 index before migration
 * 008), which the lookups of this one would not use.
 */
export function missingFileIndexes(db: ReadableDb): string[] {
  const present = new Map((db.statement(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'files'`).all() as { name: string; sql: string | null }[]).map((r) => [r.name, r.sql]));
  return Object.keys(FILE_INDEXES).filter((name) => !sameSql(present.get(name), FILE_INDEXES[name]!));
}

/**
 * Builds the file indexes that are missing, each in a transaction of its own
 * (a million rows take about half a second an index: other connections wait
 * for the write lock that long at most, not for all of them); returns how
 * many it built.
 */
export function restoreFileIndexes(db: WritableDb): number {
  let built = 0;
  for (const name of missingFileIndexes(db)) {
    db.raw
      .transaction(() => {
        // Looked at again under the write lock: another connection may have built it meanwhile.
        if (!missingFileIndexes(db).includes(name)) return;
        db.raw.exec(`DROP INDEX IF EXISTS ${name}`);
        db.raw.exec(FILE_INDEXES[name]!);
        built++;
      })
      .immediate();
  }
  return built;
}

export function countFileRows(db: ReadableDb): number {
  return (db.statement(`SELECT COUNT(*) AS n FROM files`).get() as { n: number }).n;
}

/** The store has rows in the index (present or missing): a scan of it is a re-scan. */
export function storeHasIndex(db: ReadableDb, storeId: number): boolean {
  return db.statement(`SELECT 1 FROM files WHERE store_id = ? LIMIT 1`).get(storeId) !== undefined;
}

/** Files of the store the index holds as present (not marked missing). */
export function countPresentFiles(db: ReadableDb, storeId: number): number {
  return (db.statement(`SELECT COUNT(*) AS n FROM files WHERE store_id = ? AND state = 'present'`).get(storeId) as { n: number }).n;
}

/** The file is there but its stat changed: its digest is no longer known. */
export function updateChangedFile(db: WritableDb, id: number, f: SeenFile, now: string): void {
  db.statement(
    `UPDATE files SET size = ?, mtime_ns = ?, ctime_ns = ?, inode = ?, device = ?, kind = ?, format = ?,
       sha256 = NULL, md5 = NULL, hashed_at = NULL, racy = 0, state = 'present', missing_since = NULL, last_seen = ?
     WHERE id = ?`,
  ).run(f.size, f.mtimeNs, f.ctimeNs, f.inode, f.device, f.kind, f.format, now, id);
}

/** A file that was missing is back, unchanged. */
export function markFilePresent(db: WritableDb, id: number, now: string): void {
  db.statement(`UPDATE files SET state = 'present', missing_since = NULL, last_seen = ? WHERE id = ?`).run(now, id);
}

/**
 * Rescans do not write unchanged rows, so a file's own last_seen can be old:
 * `lastSeen` (the last complete scan, which saw it) brings it up to date.
 */
export function markFileMissing(db: WritableDb, id: number, now: string, lastSeen: string | null = null): void {
  db.statement(
    `UPDATE files SET state = 'missing', missing_since = COALESCE(missing_since, ?), last_seen = MAX(last_seen, COALESCE(?, last_seen))
     WHERE id = ? AND state = 'present'`,
  ).run(now, lastSeen, id);
}

/** A rename or move: the old row takes the new path, keeping its identity (and the links that point at it). */
export function moveFile(db: WritableDb, id: number, f: SeenFile, now: string, keepDigest: boolean): void {
  db.statement(
    `UPDATE files SET rel_path = ?, display_path = ?, name = ?, size = ?, mtime_ns = ?, ctime_ns = ?, inode = ?, device = ?,
       kind = ?, format = ?, state = 'present', missing_since = NULL, last_seen = ?,
       sha256 = CASE WHEN ? THEN sha256 END, md5 = CASE WHEN ? THEN md5 END
     WHERE id = ?`,
  ).run(f.relPath, f.displayPath, f.name, f.size, f.mtimeNs, f.ctimeNs, f.inode, f.device, f.kind, f.format, now, keepDigest ? 1 : 0, keepDigest ? 1 : 0, id);
}

export function deleteFile(db: WritableDb, id: number): void {
  db.statement(`DELETE FROM files WHERE id = ?`).run(id);
}

export function setFileDigests(db: WritableDb, id: number, d: FileDigest, now: string): void {
  db.statement(`UPDATE files SET sha256 = ?, md5 = COALESCE(?, md5), racy = ?, hashed_at = ? WHERE id = ?`).run(d.sha256, d.md5, d.racy ? 1 : 0, now, id);
}

export function setFileMd5(db: WritableDb, id: number, md5: string): void {
  db.statement(`UPDATE files SET md5 = ? WHERE id = ?`).run(md5, id);
}

interface FileRowRaw {
  id: number;
  store_id: number;
  store_name: string;
  store_path: string;
  display_path: string;
  kind: FileKind;
  format: string | null;
  size: number;
  mtime_ns: bigint;
  sha256: string | null;
  md5: string | null;
  state: 'present' | 'missing';
  last_seen: string;
  last_scan_at: string | null;
  missing_since: string | null;
}

const SORTS: Record<FileSort, string> = {
  path: 'f.display_path COLLATE NOCASE, f.id', // the id breaks ties (one path in two stores, names that differ in case only) as the index does
  'size-desc': 'f.size DESC, f.id',
  'size-asc': 'f.size ASC, f.id',
  'mtime-desc': 'f.mtime_ns DESC, f.id',
};

export function joinStorePath(storePath: string, rel: string): string {
  return storePath.endsWith('/') ? storePath + rel : `${storePath}/${rel}`;
}

function toFileRow(r: FileRowRaw): FileRow {
  return {
    id: r.id,
    storeId: r.store_id,
    storeName: r.store_name,
    path: r.display_path,
    absPath: joinStorePath(r.store_path, r.display_path),
    kind: r.kind,
    format: r.format,
    size: r.size,
    mtime: new Date(Number(r.mtime_ns / 1_000_000n)).toISOString(),
    sha256: r.sha256,
    md5: r.md5,
    state: r.state,
    lastSeen: r.state === 'present' && r.last_scan_at && r.last_scan_at > r.last_seen ? r.last_scan_at : r.last_seen,
    missingSince: r.missing_since,
  };
}

export interface FileQuery {
  query?: string;
  kind?: FileKind;
  storeId?: number;
  includeMissing?: boolean;
  sort: FileSort;
  offset: number;
  limit: number;
}

const HEX = /^[0-9a-f]{4,64}$/i;

/**
 * Searches by name or path substring, or by digest prefix when the query looks
 * like hex: a hex query matches names that hold it and digests that begin
 * with it. A substring is found by reading every row (LIKE '%…%' has no
 * index), about 15 ms per 100,000 files; the digests are compared in the same pass.
 */
export function searchFileRows(db: ReadableDb, q: FileQuery): { total: number; rows: FileRow[] } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (!q.includeMissing) where.push(`f.state = 'present'`);
  if (q.kind) {
    where.push('f.kind = @kind');
    params.kind = q.kind;
  }
  if (q.storeId !== undefined) {
    where.push('f.store_id = @storeId');
    params.storeId = q.storeId;
  }
  const text = q.query?.trim();
  if (text) {
    const clauses = [`f.display_path LIKE @like ESCAPE '\\'`];
    params.like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (HEX.test(text)) {
      const lo = text.toLowerCase();
      params.lo = lo;
      params.hi = lo + 'g';
      clauses.push('(f.sha256 >= @lo AND f.sha256 < @hi)', '(f.md5 >= @lo AND f.md5 < @hi)');
    }
    where.push(`(${clauses.join(' OR ')})`);
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // With the matches, the table's size: MAX(id) is read off the end of the table, and is near enough.
  const { n: total, tableRows } = db.statement(`SELECT COUNT(*) AS n, (SELECT COALESCE(MAX(id), 0) FROM files) AS tableRows FROM files f ${whereSql}`).get(params) as { n: number; tableRows: number };
  if (total === 0 || q.offset >= total) return { total, rows: [] };
  /**
   * Walking the sort's index, a page is found once as many rows as it needs
   * have matched: at once when most rows match, only near the end of the
   * index when few do, each row read in the index's order (a digest prefix
   * over 100,000 files: 38 ms by path, 240 ms by size). Reading the table in
   * its own order and sorting the matches costs a scan, as the count was
   * (about 18 ms), and a sort of the rows up to the page's end (about 3 µs
   * each). So the matches are sorted when the walk would read over half the
   * table for the page, and the page ends in its first eighth: the unary plus
   * keeps SQLite from ordering by the index. A deep page of a long list (the
   * view scrolled far down) is still found by walking the index.
   */
  const end = q.offset + q.limit;
  const fewMatches = 2 * end > total && 8 * end < tableRows;
  const stmt = db.statement(
    `SELECT f.id, f.store_id, s.name AS store_name, s.path AS store_path, s.last_scan_at, f.display_path, f.kind, f.format, f.size,
            f.mtime_ns, f.sha256, f.md5, f.state, f.last_seen, f.missing_since
     FROM files f JOIN stores s ON s.id = f.store_id ${whereSql}
     ORDER BY ${fewMatches ? '+' : ''}${SORTS[q.sort]} LIMIT @limit OFFSET @offset`,
  );
  const rows = (stmt.safeIntegers(false), stmt.all({ ...params, limit: q.limit, offset: q.offset })) as (Omit<FileRowRaw, 'mtime_ns'> & { mtime_ns: number })[];
  return { total, rows: rows.map((r) => toFileRow({ ...r, mtime_ns: BigInt(r.mtime_ns) })) };
}

export function workspaceTotals(db: ReadableDb): { stores: number; files: number; bytes: number; hashed: number; missing: number } {
  return db
    .statement(
      `SELECT (SELECT COUNT(*) FROM stores) AS stores,
              COALESCE(SUM(state = 'present'), 0) AS files,
              COALESCE(SUM(CASE WHEN state = 'present' THEN size END), 0) AS bytes,
              COALESCE(SUM(state = 'present' AND sha256 IS NOT NULL), 0) AS hashed,
              COALESCE(SUM(state = 'missing'), 0) AS missing
       FROM files`,
    )
    .get() as { stores: number; files: number; bytes: number; hashed: number; missing: number };
}

/** Files of a store (or below a path in it) for verification, with their stat and digests. */
export function filesForVerify(db: ReadableDb, storeId: number, underRel: string | null): { id: number; relPath: Buffer; displayPath: string; size: number; sha256: string | null; md5: string | null }[] {
  const rows = (
    underRel === null
      ? db.statement(`SELECT id, rel_path, display_path, size, sha256, md5 FROM files WHERE store_id = ? AND state = 'present' ORDER BY display_path`).all(storeId)
      : db
          .statement(`SELECT id, rel_path, display_path, size, sha256, md5 FROM files WHERE store_id = ? AND state = 'present' AND (display_path = ? OR display_path LIKE ? ESCAPE '\\') ORDER BY display_path`)
          .all(storeId, underRel, `${underRel.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`)
  ) as { id: number; rel_path: Buffer; display_path: string; size: number; sha256: string | null; md5: string | null }[];
  return rows.map((r) => ({ id: r.id, relPath: r.rel_path, displayPath: r.display_path, size: r.size, sha256: r.sha256, md5: r.md5 }));
}

export function setFileFormat(db: WritableDb, id: number, kind: FileKind, format: string | null): void {
  db.statement(`UPDATE files SET kind = ?, format = ? WHERE id = ?`).run(kind, format, id);
}

/** A present file as the lineage readers see it: its size and kind at once, its digests when first asked for. */
class PresentFile {
  constructor(
    readonly size: number,
    readonly kind: FileKind,
    private readonly path: string,
    private readonly digests: (path: string) => [string | null, string | null] | undefined,
  ) {}
  get sha256(): string | null {
    return this.digests(this.path)?.[0] ?? null;
  }
  get md5(): string | null {
    return this.digests(this.path)?.[1] ?? null;
  }
}

/** Digest lookups one row at a time before the store's digests are read in one go. */
const SINGLE_DIGEST_LOOKUPS = 256;

/**
 * What the lineage readers are told of a store: its present files with their
 * digests. Most readers only look at paths, sizes and kinds, so the digests
 * (64 characters a file, most of the cost for a store of small files) are
 * read when asked for: the first few a row at a time (by the unique path
 * index), then all of the store's in one query.
 */
export function presentFilesOfStore(db: ReadableDb, storeId: number): Map<string, { size: number; sha256: string | null; md5: string | null; kind: FileKind }> {
  const stmt = db.statement(`SELECT display_path, size, kind FROM files WHERE store_id = ? AND state = 'present'`);
  const rows = stmt.raw(true).all(storeId) as [string, number, FileKind][];
  stmt.raw(false);
  const digestsOf = digestLookup(db, storeId);
  return new Map(rows.map((r) => [r[0], new PresentFile(r[1], r[2], r[0], digestsOf)]));
}

/** A store's present files as a scan that just wrote every row of it knows them (a first index): what `presentFilesOfStore` reads, without reading it. */
export interface ListedFiles {
  paths: string[];
  sizes: number[];
  kinds: FileKind[];
}

/**
 * The same map as `presentFilesOfStore`, from what the scan listed; null where
 * two files share a display path (two raw names that are not UTF-8, decoded
 * alike): which of them the map holds is then the query's, read it back.
 */
export function presentFilesFromListing(db: ReadableDb, storeId: number, listed: ListedFiles): Map<string, { size: number; sha256: string | null; md5: string | null; kind: FileKind }> | null {
  const digestsOf = digestLookup(db, storeId);
  const map = new Map<string, PresentFile>();
  for (let i = 0; i < listed.paths.length; i++) map.set(listed.paths[i]!, new PresentFile(listed.sizes[i]!, listed.kinds[i]!, listed.paths[i]!, digestsOf));
  return map.size === listed.paths.length ? map : null;
}

function digestLookup(db: ReadableDb, storeId: number): (path: string) => [string | null, string | null] | undefined {
  let all: Map<string, [string | null, string | null]> | null = null;
  let single = 0;
  const digestsOf = (path: string): [string | null, string | null] | undefined => {
    if (!all && single < SINGLE_DIGEST_LOOKUPS && !path.includes('\uFFFD')) {
      single++;
      const row = db.statement(`SELECT sha256, md5 FROM files WHERE store_id = ? AND rel_path = ?`).raw(true).get(storeId, Buffer.from(path)) as [string | null, string | null] | undefined;
      return row;
    }
    if (!all) {
      const stmt = db.statement(`SELECT display_path, sha256, md5 FROM files WHERE store_id = ? AND state = 'present' AND (sha256 IS NOT NULL OR md5 IS NOT NULL)`);
      all = new Map((stmt.raw(true).all(storeId) as [string, string | null, string | null][]).map((r) => [r[0], [r[1], r[2]]]));
      stmt.raw(false);
    }
    return all.get(path);
  };
  return digestsOf;
}

export function fileIdAt(db: ReadableDb, storeId: number, displayPath: string): number | null {
  return (db.statement(`SELECT id FROM files WHERE store_id = ? AND display_path = ?`).get(storeId, displayPath) as { id: number } | undefined)?.id ?? null;
}
