import { parentPort, workerData } from 'node:worker_threads';
import { closeDb, openWorkspaceDb } from '../main/db/connection';
import { restoreFileIndexes } from '../main/db/files';

/**
 * Builds the file indexes a first index dropped, on a connection of its own,
 * so that the thread that owns the workspace (the app's, the server's) goes on
 * answering, and the lineage read after the scan runs meanwhile. The one
 * worker that imports src/main/db: the work is SQLite's.
 */
export interface IndexBuildRequest {
  kind: 'pedigree-index-build';
  dbPath: string;
}

/** `busy`: the write lock stayed taken for two minutes; the indexes come back when the workspace is next opened. */
export type IndexBuildResult = { ok: true; built: number } | { ok: false; message: string; busy: boolean };

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'pedigree-index-build') {
  const port = parentPort;
  let result: IndexBuildResult;
  try {
    const db = openWorkspaceDb((workerData as IndexBuildRequest).dbPath);
    try {
      // This thread blocks nobody: it may wait long for the write lock (another store's long transaction) rather than give up.
      db.raw.pragma('busy_timeout = 120000');
      result = { ok: true, built: restoreFileIndexes(db) };
    } finally {
      closeDb(db);
    }
  } catch (e) {
    result = { ok: false, message: e instanceof Error ? e.message : String(e), busy: String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY') };
  }
  port.postMessage(result);
}
