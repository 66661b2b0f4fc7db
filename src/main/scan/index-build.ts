import { Worker } from 'node:worker_threads';
import { restoreFileIndexes } from '../db/files';
import { deleteMeta, FILE_INDEX_REBUILD, setMeta } from '../db/meta';
import type { ScanOwner } from '../db/scans';
import type { WritableDb } from '../db/connection';
import type { IndexBuilderReady, IndexBuildRequest, IndexBuildResult } from '../../workers/index-build';

/**
 * A worker thread with its own connection that builds the dropped file
 * indexes (see src/workers/index-build.ts) when told to. A first index starts
 * it as it drops them, so it has loaded and opened the workspace by the time
 * the scan ends (the rebuild is the last thing a first index waits for);
 * anything else starts it and asks at once.
 */
export interface IndexBuilder {
  /** Builds the missing indexes now; the answer, or a rejection when the worker cannot run. */
  build(): Promise<IndexBuildResult>;
  /** Not needed after all: the worker closes its connection and ends. */
  stop(): void;
}

export function startIndexBuilder(workerFile: string, dbPath: string, opts: { checkpointEveryMs?: number; onReady?: () => void; onDead?: () => void } = {}): IndexBuilder {
  const request: IndexBuildRequest = { kind: 'pedigree-index-build', dbPath, checkpointEveryMs: opts.checkpointEveryMs };
  const worker = new Worker(workerFile, { workerData: request });
  worker.unref(); // waiting for 'go' keeps no process alive
  let answered = false;
  const answer = new Promise<IndexBuildResult>((resolve, reject) => {
    worker.on('message', (r: IndexBuildResult | IndexBuilderReady) => {
      if ('ready' in r) return opts.onReady?.();
      answered = true;
      resolve(r);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`index builder stopped (exit code ${code})`));
    });
  });
  // A worker that fails or dies before it is asked (reported by build() too) checkpoints nothing any more.
  answer.then((r) => !r.ok && opts.onDead?.(), () => opts.onDead?.());
  let asked = false;
  return {
    build() {
      if (!asked) {
        asked = true;
        worker.ref(); // the process now waits for the indexes
        worker.postMessage('go');
      }
      return answer;
    },
    stop() {
      if (asked) return;
      asked = true;
      worker.postMessage('stop');
    },
  };
}

/**
 * Builds the missing file indexes on a worker thread with its own connection
 * (this thread goes on answering), or on this thread when no worker is given
 * or it cannot run; not when the database is busy: it would be as busy here,
 * and this thread must not freeze. Never rejects: indexes still missing are
 * built when the workspace is next opened. Meanwhile a meta row names `owner`,
 * so that another Pedigree opening the workspace leaves the work to it.
 */
export function rebuildFileIndexes(db: WritableDb, workerFile: string | undefined, owner: ScanOwner, builder?: IndexBuilder): Promise<void> {
  const here = () => {
    try {
      restoreFileIndexes(db);
    } catch {
      // (a full disk, say) queries still work, more slowly
    }
  };
  if (!workerFile || db.path === ':memory:') {
    builder?.stop();
    here();
    return Promise.resolve();
  }
  try {
    setMeta(db, FILE_INDEX_REBUILD, JSON.stringify(owner));
  } catch {
    // another process opening meanwhile would build them too: slower, not wrong
  }
  return (builder ?? startIndexBuilder(workerFile, db.path)).build()
    .then(
      (r) => {
        if (!r.ok && !r.busy) here();
      },
      () => here(),
    )
    .finally(() => {
      try {
        if (db.raw.open) deleteMeta(db, FILE_INDEX_REBUILD);
      } catch {
        // left behind, it names this process: an open that finds it gone rebuilds what is missing
      }
    });
}
