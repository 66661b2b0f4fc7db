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

export type IndexBuildResult = { ok: true; built: number } | { ok: false; message: string };

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'pedigree-index-build') {
  const port = parentPort;
  let result: IndexBuildResult;
  try {
    const db = openWorkspaceDb((workerData as IndexBuildRequest).dbPath);
    try {
      result = { ok: true, built: restoreFileIndexes(db) };
    } finally {
      closeDb(db);
    }
  } catch (e) {
    result = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(result);
}
