import type { HashPool } from '../scan/hash-pool';
import type { HashJob, HashOutcome } from '../scan/protocol';
import { SMALL_FILE } from '../scan/file-batch';

/** One file to hash, by the stat just taken (the worker refuses a file whose stat has changed since). */
export interface RehashItem {
  /** `device:inode`: hard links and Hugging Face snapshot links are read once. */
  key: string;
  abs: Uint8Array;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  display: string;
}

export interface RehashProgress {
  filesHashed: number;
  bytesHashed: number;
  currentFile: string | null;
}

const TASK_FILES = 64;
const TASK_BYTES = 16 * 1024 * 1024;

/** Small files travel to the pool in batches; a large file goes alone so that large files spread over the threads. */
export function batchItems(items: readonly RehashItem[]): RehashItem[][] {
  const batches: RehashItem[][] = [];
  let batch: RehashItem[] = [];
  let bytes = 0;
  for (const it of items) {
    if (it.size > SMALL_FILE) {
      batches.push([it]);
      continue;
    }
    if (batch.length >= TASK_FILES || bytes + it.size > TASK_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(it);
    bytes += it.size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * SHA-256 (and MD5 when asked) of every item through the hash pool, a few
 * tasks per thread in flight. Aborting stops the workers between chunks;
 * items not reached are absent from the result.
 */
export async function rehash(pool: HashPool, items: readonly RehashItem[], opts: { md5: boolean; signal?: AbortSignal; onProgress?: (p: RehashProgress) => void }): Promise<Map<string, HashOutcome>> {
  const results = new Map<string, HashOutcome>();
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = () => Atomics.store(cancel, 0, 1);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const batches = batchItems(items);
  const progress: RehashProgress = { filesHashed: 0, bytesHashed: 0, currentFile: null };
  let next = 0;
  const lane = async () => {
    while (next < batches.length && !opts.signal?.aborted) {
      const batch = batches[next++]!;
      progress.currentFile = batch[0]!.display;
      const jobs: HashJob[] = batch.map((it) => ({ path: it.abs, size: it.size, mtimeNs: it.mtimeNs, ctimeNs: it.ctimeNs }));
      let outcomes: HashOutcome[];
      try {
        outcomes = await pool.hash(jobs, { md5: opts.md5, cancel });
      } catch (e) {
        const message = `hash worker failed: ${e instanceof Error ? e.message : String(e)}`;
        outcomes = batch.map(() => ({ ok: false, kind: 'io', message }));
      }
      batch.forEach((it, i) => {
        const o = outcomes[i]!;
        results.set(it.key, o);
        progress.filesHashed++;
        if (o.ok) progress.bytesHashed += o.bytes;
      });
      opts.onProgress?.({ ...progress });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, pool.threads * 2) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return results;
}
