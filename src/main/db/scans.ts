import type { ScanStatus, ScanSummary } from '../../shared/domain';
import type { ReadableDb, WritableDb } from './connection';

/** The process running a scan: another Pedigree can tell its own scans from those of a process that died. */
export interface ScanOwner {
  pid: number;
  host: string;
  /** When the process started, as the kernel counts it (Linux: clock ticks after boot); null where unknown. */
  start: string | null;
}

/** Answers whether the process `pid` that started at `start` (null: unknown) is still running. */
export type IsAlive = (pid: number, start: string | null) => boolean;

export function insertScan(db: WritableDb, storeId: number, startedAt: string, owner: ScanOwner): number {
  return Number(db.statement(`INSERT INTO scans (store_id, started_at, status, owner_pid, owner_host, owner_start) VALUES (?, ?, 'running', ?, ?, ?)`).run(storeId, startedAt, owner.pid, owner.host, owner.start).lastInsertRowid);
}

export function finishScan(db: WritableDb, scanId: number, status: ScanStatus, finishedAt: string, summary: ScanSummary): void {
  db.statement(`UPDATE scans SET status = ?, finished_at = ?, summary = ? WHERE id = ?`).run(status, finishedAt, JSON.stringify(summary), scanId);
}

/**
 * Scans left 'running' by a process that died are marked interrupted; the next
 * scan resumes from the index. A scan another live process on this machine is
 * running (a CLI beside the app) is left alone: `isAlive` answers for a pid.
 * Scans from before owners were recorded, or from another host (a workspace on
 * a shared disk), cannot be asked after and are marked as before.
 */
export function markInterruptedScans(db: WritableDb, self: ScanOwner, isAlive: IsAlive): { marked: number; stillRunning: number } {
  const running = db.statement(`SELECT id, owner_pid, owner_host, owner_start FROM scans WHERE status = 'running'`).all() as { id: number; owner_pid: number | null; owner_host: string | null; owner_start: string | null }[];
  const mark = db.statement(`UPDATE scans SET status = 'interrupted' WHERE id = ? AND status = 'running'`);
  let marked = 0;
  let stillRunning = 0;
  for (const r of running) {
    const elsewhereAlive = r.owner_pid !== null && r.owner_host === self.host && r.owner_pid !== self.pid && isAlive(r.owner_pid, r.owner_start);
    if (elsewhereAlive) stillRunning++;
    else marked += mark.run(r.id).changes;
  }
  return { marked, stillRunning };
}

/** Scans of a store another live process on this machine is running (see markInterruptedScans). */
export function scansRunningElsewhere(db: ReadableDb, storeId: number, self: ScanOwner, isAlive: IsAlive): { id: number; pid: number }[] {
  const rows = db.statement(`SELECT id, owner_pid, owner_host, owner_start FROM scans WHERE store_id = ? AND status = 'running' AND owner_pid IS NOT NULL`).all(storeId) as { id: number; owner_pid: number; owner_host: string | null; owner_start: string | null }[];
  return rows.filter((r) => r.owner_host === self.host && r.owner_pid !== self.pid && isAlive(r.owner_pid, r.owner_start)).map((r) => ({ id: r.id, pid: r.owner_pid }));
}

export function listScanSummaries(db: ReadableDb, opts: { storeId?: number; limit: number }): ScanSummary[] {
  const rows = (
    opts.storeId === undefined
      ? db.statement(`SELECT id, store_id, status, summary FROM scans ORDER BY id DESC LIMIT ?`).all(opts.limit)
      : db.statement(`SELECT id, store_id, status, summary FROM scans WHERE store_id = ? ORDER BY id DESC LIMIT ?`).all(opts.storeId, opts.limit)
  ) as { id: number; store_id: number; status: ScanStatus; summary: string | null }[];
  return rows.flatMap((r) => {
    if (!r.summary) return [];
    // Scans recorded before folder stamps (migration 007) counted no unchanged folders.
    const s = JSON.parse(r.summary) as Omit<ScanSummary, 'unchangedFolders'> & { unchangedFolders?: number };
    return [{ ...s, unchangedFolders: s.unchangedFolders ?? 0, status: r.status }];
  });
}
