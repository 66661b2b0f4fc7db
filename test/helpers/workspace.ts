import { Workspace } from '../../src/main/core/workspace';
import { closeDb, openWorkspaceDb, type ReadableDb } from '../../src/main/db/connection';
import { WORKERS_DIR } from './cli';

/** A workspace in this process, with the built workers: for tests that cancel, or change files mid-scan. */
export function openWorkspace(dbPath: string, opts: { throttleMs?: number; hashThreads?: number } = {}): Workspace {
  return Workspace.open({ dbPath, workersDir: WORKERS_DIR, mode: 'cli', version: 'test', ...opts });
}

/** A store's rows as SQLite holds them, stat fields as bigints. */
export interface RawFileRow {
  id: bigint;
  display_path: string;
  rel_path: Buffer;
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  inode: string;
  device: string;
  sha256: string | null;
  racy: bigint;
  state: 'present' | 'missing';
  last_seen: string;
  missing_since: string | null;
}

/** Reads a workspace database with a read-only connection and closes it again. */
export function withDb<T>(dbPath: string, fn: (db: ReadableDb) => T): T {
  const db = openWorkspaceDb(dbPath, { readonly: true });
  try {
    return fn(db);
  } finally {
    closeDb(db);
  }
}

export function rawFiles(dbPath: string): Map<string, RawFileRow> {
  return withDb(dbPath, (db) => {
    const rows = db.raw.prepare(`SELECT * FROM files`).safeIntegers(true).all() as RawFileRow[];
    return new Map(rows.map((r) => [r.display_path, r]));
  });
}

export function integrityCheck(dbPath: string): string {
  return withDb(dbPath, (db) => db.raw.pragma('integrity_check', { simple: true }) as string);
}

export function scanStatuses(dbPath: string): string[] {
  return withDb(dbPath, (db) => (db.raw.prepare(`SELECT status FROM scans ORDER BY id`).all() as { status: string }[]).map((r) => r.status));
}
