import type { Store, StoreCounts, StoreStatus } from '../../shared/domain';
import type { ReadableDb, WritableDb } from './connection';

interface StoreRow {
  id: number;
  path: string;
  name: string;
  follow_symlinks: number;
  status: StoreStatus;
  added_at: string;
  last_scan_at: string | null;
  last_scan_status: string | null;
  root_id: string | null;
  root_is_mount: number | null;
}

/** What the store's folder was at its last complete scan. */
export interface StoreRoot {
  /** `device:inode` of the folder. */
  id: string;
  /** A file system was mounted on the folder (its device differs from its parent's). */
  isMount: boolean;
}

export interface StoreRecord {
  id: number;
  path: string;
  name: string;
  followSymlinks: boolean;
  status: StoreStatus;
  addedAt: string;
  lastScanAt: string | null;
  lastScanStatus: string | null;
  /** Null until a scan completes (and for stores indexed before roots were recorded). */
  root: StoreRoot | null;
}

const toRecord = (r: StoreRow): StoreRecord => ({
  id: r.id,
  path: r.path,
  name: r.name,
  followSymlinks: r.follow_symlinks === 1,
  status: r.status,
  addedAt: r.added_at,
  lastScanAt: r.last_scan_at,
  lastScanStatus: r.last_scan_status,
  root: r.root_id === null ? null : { id: r.root_id, isMount: r.root_is_mount === 1 },
});

export function insertStore(db: WritableDb, s: { path: string; name: string; followSymlinks: boolean; now: string }): StoreRecord {
  const info = db
    .statement(`INSERT INTO stores (path, name, follow_symlinks, added_at) VALUES (?, ?, ?, ?)`)
    .run(s.path, s.name, s.followSymlinks ? 1 : 0, s.now);
  return getStore(db, Number(info.lastInsertRowid))!;
}

export function getStore(db: ReadableDb, id: number): StoreRecord | null {
  const row = db.statement(`SELECT * FROM stores WHERE id = ?`).get(id) as StoreRow | undefined;
  return row ? toRecord(row) : null;
}

export function findStoreByPath(db: ReadableDb, path: string): StoreRecord | null {
  const row = db.statement(`SELECT * FROM stores WHERE path = ?`).get(path) as StoreRow | undefined;
  return row ? toRecord(row) : null;
}

export function listStoreRecords(db: ReadableDb): StoreRecord[] {
  return (db.statement(`SELECT * FROM stores ORDER BY name COLLATE NOCASE, id`).all() as StoreRow[]).map(toRecord);
}

export function setStoreStatus(db: WritableDb, id: number, status: StoreStatus): void {
  db.statement(`UPDATE stores SET status = ? WHERE id = ?`).run(status, id);
}

export function recordStoreScan(db: WritableDb, id: number, at: string, status: string): void {
  db.statement(`UPDATE stores SET last_scan_at = ?, last_scan_status = ? WHERE id = ?`).run(at, status, id);
}

export function recordStoreRoot(db: WritableDb, id: number, root: StoreRoot): void {
  db.statement(`UPDATE stores SET root_id = ?, root_is_mount = ? WHERE id = ?`).run(root.id, root.isMount ? 1 : 0, id);
}

/** Forgets a store and everything indexed in it. Files on disk are never touched. */
export function deleteStore(db: WritableDb, id: number): boolean {
  return db.statement(`DELETE FROM stores WHERE id = ?`).run(id).changes > 0;
}

export function storeCounts(db: ReadableDb, id: number): StoreCounts {
  const totals = db
    .statement(
      `SELECT
         COALESCE(SUM(state = 'present'), 0) AS files,
         COALESCE(SUM(CASE WHEN state = 'present' THEN size END), 0) AS bytes,
         COALESCE(SUM(state = 'present' AND sha256 IS NOT NULL), 0) AS hashed,
         COALESCE(SUM(state = 'missing'), 0) AS missing
       FROM files WHERE store_id = ?`,
    )
    .get(id) as { files: number; bytes: number; hashed: number; missing: number };
  const findings = (db.statement(`SELECT COUNT(*) AS n FROM findings WHERE store_id = ?`).get(id) as { n: number }).n;
  const byKind: Record<string, number> = {};
  for (const r of db.statement(`SELECT kind, COUNT(*) AS n FROM files WHERE store_id = ? AND state = 'present' GROUP BY kind`).all(id) as { kind: string; n: number }[]) {
    byKind[r.kind] = r.n;
  }
  return { ...totals, findings, byKind };
}

export function describeStore(db: ReadableDb, record: StoreRecord, offlineReason: string | null = null): Store {
  return { ...record, offlineReason: record.status === 'offline' ? offlineReason : null, counts: storeCounts(db, record.id) };
}
