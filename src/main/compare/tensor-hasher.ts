import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import hashRanges from '../../workers/tensor-hash';
import type { ByteRange, TensorHashResult, TensorHashTask } from './tensor-protocol';

/**
 * Hashes tensors' byte ranges: in a Piscina pool of `tensor-hash.js` workers
 * when that entry is built, else on this thread through the same function
 * (tests, or a build that does not list the worker yet). Big files are split
 * into tasks of about TASK_BYTES so that one large checkpoint uses every core.
 */

export const TASK_BYTES = 64 * 1024 * 1024;
const TASK_RANGES = 4096;

export interface RangeJob {
  path: string;
  ranges: ByteRange[];
}

export interface TensorHasher {
  readonly mode: 'pool' | 'in-process';
  hash(jobs: RangeJob[], signal?: AbortSignal): Promise<TensorHashResult[]>;
  destroy(): Promise<void>;
}

/** Splits each job into tasks; `parts[i]` lists the task indexes of job i, in order. */
export function splitJobs(jobs: RangeJob[], taskBytes = TASK_BYTES): { tasks: RangeJob[]; parts: number[][] } {
  const tasks: RangeJob[] = [];
  const parts = jobs.map((job) => {
    const mine: number[] = [];
    let current: ByteRange[] = [];
    let bytes = 0;
    const flush = () => {
      mine.push(tasks.length);
      tasks.push({ path: job.path, ranges: current });
      current = [];
      bytes = 0;
    };
    for (const r of job.ranges) {
      if (current.length > 0 && (bytes + (r.end - r.begin) > taskBytes || current.length >= TASK_RANGES)) flush();
      current.push(r);
      bytes += r.end - r.begin;
    }
    if (current.length > 0 || mine.length === 0) flush();
    return mine;
  });
  return { tasks, parts };
}

function join2(results: TensorHashResult[], parts: number[][]): TensorHashResult[] {
  return parts.map((idx) => {
    const digests: string[] = [];
    let bytes = 0;
    for (const i of idx) {
      const r = results[i]!;
      if (!r.ok) return r;
      digests.push(...r.digests);
      bytes += r.bytes;
    }
    return { ok: true, digests, bytes };
  });
}

export function createTensorHasher(workersDir: string | null, threads = availableParallelism()): TensorHasher {
  const file = workersDir ? join(workersDir, 'tensor-hash.js') : null;
  if (!file || !existsSync(file)) return inProcessHasher();
  let pool: Piscina<TensorHashTask, TensorHashResult> | null = null;
  return {
    mode: 'pool',
    async hash(jobs, signal) {
      const { tasks, parts } = splitJobs(jobs);
      const n = Math.max(1, Math.min(threads, tasks.length));
      pool ??= new Piscina<TensorHashTask, TensorHashResult>({ filename: file, minThreads: 1, maxThreads: n, concurrentTasksPerWorker: 1, idleTimeout: 5_000 });
      const cancel = new Int32Array(new SharedArrayBuffer(4));
      const onAbort = () => Atomics.store(cancel, 0, 1);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const p = pool;
        const results = await Promise.all(tasks.map((t) => p.run({ path: t.path, ranges: t.ranges, cancel })));
        return join2(results, parts);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    async destroy() {
      await pool?.destroy();
      pool = null;
    },
  };
}

function inProcessHasher(): TensorHasher {
  return {
    mode: 'in-process',
    async hash(jobs, signal) {
      const cancel = new Int32Array(1);
      const { tasks, parts } = splitJobs(jobs);
      const results: TensorHashResult[] = [];
      for (const t of tasks) {
        if (signal?.aborted) cancel[0] = 1;
        results.push(hashRanges({ path: t.path, ranges: t.ranges, cancel }));
        // let other work (a Ctrl-C, the server) run between tasks
        await new Promise((r) => setImmediate(r));
      }
      return join2(results, parts);
    },
    destroy: async () => undefined,
  };
}
