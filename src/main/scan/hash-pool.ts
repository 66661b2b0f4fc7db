import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { HashJob, HashOutcome, HashTask } from './protocol';

/**
 * The hashing pool: one Piscina worker per core, each running a couple of
 * tasks at once so that one file's read waits overlap another's hashing.
 */
export interface HashPool {
  readonly threads: number;
  hash(jobs: HashJob[], opts: { md5: boolean; cancel?: Int32Array; readBytes?: BigInt64Array; throttleMs?: number }): Promise<HashOutcome[]>;
  destroy(): Promise<void>;
}

export function createHashPool(workerFile: string, threads = availableParallelism()): HashPool {
  const pool = new Piscina<HashTask, HashOutcome[]>({
    filename: workerFile,
    minThreads: 1,
    maxThreads: threads,
    concurrentTasksPerWorker: 2,
    idleTimeout: 30_000,
  });
  return {
    threads,
    hash: (jobs, opts) => pool.run({ jobs, md5: opts.md5, cancel: opts.cancel, readBytes: opts.readBytes, throttleMs: opts.throttleMs }),
    destroy: () => pool.destroy(),
  };
}
