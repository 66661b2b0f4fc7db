import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { HashJob, HashOutcome, HashTask } from './protocol';

/**
 * The hashing pool: one Piscina worker per core, all started at once and each
 * running one task at a time. Hashing is CPU-bound: with two tasks per worker
 * Piscina would put two big files on one thread while another sat idle. Reads
 * are synchronous inside a task (page-cached reads are a memcpy); the workers
 * overlap each other's reads and hashing.
 */
export interface HashPool {
  readonly threads: number;
  hash(jobs: HashJob[], opts: { md5: boolean; cancel?: Int32Array; readBytes?: BigInt64Array; throttleMs?: number }): Promise<HashOutcome[]>;
  destroy(): Promise<void>;
}

export function createHashPool(workerFile: string, threads = availableParallelism()): HashPool {
  const pool = new Piscina<HashTask, HashOutcome[]>({
    filename: workerFile,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: 30_000,
  });
  return {
    threads,
    hash: (jobs, opts) => pool.run({ jobs, md5: opts.md5, cancel: opts.cancel, readBytes: opts.readBytes, throttleMs: opts.throttleMs }),
    destroy: () => pool.destroy(),
  };
}
