import type { ScanStatus, ScanSummary } from '../../shared/domain';
import type { ReadableDb, WritableDb } from './connection';

export function insertScan(db: WritableDb, storeId: number, startedAt: string): number {
  return Number(db.statement(`INSERT INTO scans (store_id, started_at, status) VALUES (?, ?, 'running')`).run(storeId, startedAt).lastInsertRowid);
}

export function finishScan(db: WritableDb, scanId: number, status: ScanStatus, finishedAt: string, summary: ScanSummary): void {
  db.statement(`UPDATE scans SET status = ?, finished_at = ?, summary = ? WHERE id = ?`).run(status, finishedAt, JSON.stringify(summary), scanId);
}

/** Scans left 'running' by a process that died are marked interrupted; the next scan resumes from the index. */
export function markInterruptedScans(db: WritableDb): number {
  return db.statement(`UPDATE scans SET status = 'interrupted' WHERE status = 'running'`).run().changes;
}

export function listScanSummaries(db: ReadableDb, opts: { storeId?: number; limit: number }): ScanSummary[] {
  const rows = (
    opts.storeId === undefined
      ? db.statement(`SELECT id, store_id, status, summary FROM scans ORDER BY id DESC LIMIT ?`).all(opts.limit)
      : db.statement(`SELECT id, store_id, status, summary FROM scans WHERE store_id = ? ORDER BY id DESC LIMIT ?`).all(opts.storeId, opts.limit)
  ) as { id: number; store_id: number; status: ScanStatus; summary: string | null }[];
  return rows.flatMap((r) => {
    if (!r.summary) return [];
    const s = JSON.parse(r.summary) as ScanSummary;
    return [{ ...s, status: r.status }];
  });
}
