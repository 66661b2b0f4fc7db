import type { Finding, Severity } from '../../shared/domain';
import type { ReadableDb, WritableDb } from './connection';

export interface NewFinding {
  storeId: number | null;
  scanId: number | null;
  path: string;
  code: string;
  severity: Severity;
  message: string;
  /** Who found it: a scan (replaced by the next scan), the lineage readers, or verify. */
  source?: 'scan' | 'lineage' | 'verify';
}

interface FindingRow {
  id: number;
  store_id: number | null;
  scan_id: number | null;
  path: string;
  code: string;
  severity: Severity;
  message: string;
  created_at: string;
}

const toFinding = (r: FindingRow): Finding => ({
  id: r.id,
  storeId: r.store_id,
  scanId: r.scan_id,
  path: r.path,
  code: r.code,
  severity: r.severity,
  message: r.message,
  createdAt: r.created_at,
});

export function insertFinding(db: WritableDb, f: NewFinding, now: string): Finding {
  const id = Number(
    db
      .statement(`INSERT INTO findings (store_id, scan_id, path, code, severity, message, created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(f.storeId, f.scanId, f.path, f.code, f.severity, f.message, now, f.source ?? 'scan').lastInsertRowid,
  );
  return { id, storeId: f.storeId, scanId: f.scanId, path: f.path, code: f.code, severity: f.severity, message: f.message, createdAt: now };
}

/** A new scan of a store replaces the findings of the scans before it. */
export function clearStoreScanFindings(db: WritableDb, storeId: number, exceptScanId: number): void {
  db.statement(`DELETE FROM findings WHERE store_id = ? AND source = 'scan' AND (scan_id IS NULL OR scan_id != ?)`).run(storeId, exceptScanId);
}

/** Re-reading a store's lineage replaces the findings its readers made before. */
export function clearStoreFindingsFrom(db: WritableDb, storeId: number, source: 'lineage' | 'verify'): void {
  db.statement(`DELETE FROM findings WHERE store_id = ? AND source = ?`).run(storeId, source);
}

export function listFindingRows(db: ReadableDb, opts: { storeId?: number; offset: number; limit: number }): { total: number; rows: Finding[] } {
  const where = opts.storeId === undefined ? '' : 'WHERE store_id = @storeId';
  const params = { storeId: opts.storeId, offset: opts.offset, limit: opts.limit };
  const total = (db.statement(`SELECT COUNT(*) AS n FROM findings ${where}`).get(opts.storeId === undefined ? {} : { storeId: opts.storeId }) as { n: number }).n;
  const rows = db.statement(`SELECT * FROM findings ${where} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all(opts.storeId === undefined ? { offset: params.offset, limit: params.limit } : params) as FindingRow[];
  return { total, rows: rows.map(toFinding) };
}

export function countFindings(db: ReadableDb): number {
  return (db.statement(`SELECT COUNT(*) AS n FROM findings`).get() as { n: number }).n;
}
