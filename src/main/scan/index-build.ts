import { Worker } from 'node:worker_threads';
import type { IndexBuildRequest, IndexBuildResult } from '../../workers/index-build';

/** Builds the dropped file indexes on a worker thread with its own connection (see src/workers/index-build.ts). */
export function buildFileIndexesInWorker(workerFile: string, dbPath: string): Promise<IndexBuildResult> {
  return new Promise((resolve, reject) => {
    const request: IndexBuildRequest = { kind: 'pedigree-index-build', dbPath };
    const worker = new Worker(workerFile, { workerData: request });
    let answered = false;
    worker.once('message', (r: IndexBuildResult) => {
      answered = true;
      resolve(r);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`index builder stopped (exit code ${code})`));
    });
  });
}
