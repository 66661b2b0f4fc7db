import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { scanThreadInBackground } from './walk-native';
import { checkpointPassive, closeDb, openWorkspaceDb, type WritableDb } from '../main/db/connection';
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
  /**
   * While waiting: checkpoint the WAL this often, so that the scanning
   * thread's commits need not (it turns its own checkpoints off meanwhile).
   */
  checkpointEveryMs?: number;
}

/** A builder started ahead has the workspace open and checkpoints it: the scanning connection may stop checkpointing. */
export interface IndexBuilderReady {
  ready: true;
}

/** `busy`: the write lock stayed taken for two minutes; the indexes come back when the workspace is next opened. */
export type IndexBuildResult = { ok: true; built: number } | { ok: false; message: string; busy: boolean };

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'pedigree-index-build') {
  const port = parentPort;
  const request = workerData as IndexBuildRequest;
  // A scan's work: it gives way to the UI, as the walkers do.
  scanThreadInBackground();
  const failed = (e: unknown): IndexBuildResult => ({ ok: false, message: e instanceof Error ? e.message : String(e), busy: String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY') });
  let db: WritableDb | null = null;
  let openError: unknown = null;
  try {
    db = openWorkspaceDb(request.dbPath);
    // This thread blocks nobody: it may wait long for the write lock (another store's long transaction) rather than give up.
    db.raw.pragma('busy_timeout = 120000');
    // SQLite's sorter may use helper threads: once the lineage read on the scanning thread is over, its core is free.
    db.raw.pragma(`threads = ${Math.min(4, availableParallelism())}`);
  } catch (e) {
    openError = e;
  }
  const build = () => {
    let result: IndexBuildResult;
    try {
      if (openError || !db) throw openError;
      result = { ok: true, built: restoreFileIndexes(db) };
    } catch (e) {
      result = failed(e);
    } finally {
      if (db) closeDb(db);
    }
    port.postMessage(result);
  };
  // The workspace is opened first; the build waits for 'go' (or 'stop'), the scan that started this thread may still be writing rows.
  if (openError || !db) build(); // cannot open: says so now, and ends, instead of waiting to be asked
  else {
    const open = db;
    port.postMessage({ ready: true } satisfies IndexBuilderReady);
    const checkpoints = request.checkpointEveryMs
      ? setInterval(() => {
          try {
            checkpointPassive(open);
          } catch {
            // a busy or failing checkpoint is tried again; the WAL only grows meanwhile
          }
        }, request.checkpointEveryMs)
      : null;
    port.once('message', (m: 'go' | 'stop') => {
      if (checkpoints) clearInterval(checkpoints);
      if (m === 'go') build();
      else closeDb(open);
    });
  }
}
