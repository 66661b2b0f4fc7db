import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, readSync, type BigIntStats } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { openForHash, readSmall, SMALL_FILE } from './read-hash';
import { scanThreadInBackground } from './walk-native';
import { HEAD_BYTES } from '../main/scan/file-batch';
import { HASH_CHUNK, type HashJob, type HashOutcome, type HashTask } from '../main/scan/protocol';

/**
 * Piscina worker: SHA-256 (and MD5 where a store declares MD5) of whole files.
 * Memory is one 4 MB buffer per worker whatever the file's size; the workers
 * (one per core) overlap each other's reads and hashing. A file whose stat
 * changes while it is read is reported unstable, not hashed.
 */

// A pool thread hashes for scans: it gives way to the UI, as the walkers do (the addon beside this bundle does it).
if (!isMainThread) scanThreadInBackground();

// One task at a time per worker (see hash-pool.ts), so one buffer serves every task.
let buffer: Buffer | null = null;
const chunkBuffer = () => (buffer ??= Buffer.allocUnsafe(HASH_CHUNK));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sameStat(st: BigIntStats, job: HashJob): boolean {
  return Number(st.size) === job.size && st.mtimeNs === job.mtimeNs && st.ctimeNs === job.ctimeNs;
}

async function hashOne(job: HashJob, task: HashTask, a: Buffer): Promise<HashOutcome> {
  let fd: number;
  try {
    fd = openForHash(job.path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, kind: 'io', code: err.code, message: err.message };
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) return { ok: false, kind: 'not-a-file', message: 'no longer a regular file' };
    if (!sameStat(before, job)) return { ok: false, kind: 'unstable', message: 'changed since it was listed (size or time differ)' };
    const sha = createHash('sha256');
    const md5 = task.md5 || job.md5 ? createHash('md5') : null;
    const counted = (n: number) => {
      if (task.readBytes && n > 0) Atomics.add(task.readBytes, 0, BigInt(n));
    };
    let head: Uint8Array = new Uint8Array(0);
    let total = 0;
    const update = (chunk: Buffer) => {
      sha.update(chunk);
      md5?.update(chunk);
    };
    if (job.size <= SMALL_FILE) {
      // Small files: one synchronous read, no promise overhead.
      const n = readSmall(fd, a);
      total = n;
      counted(n);
      if (n > SMALL_FILE) return { ok: false, kind: 'unstable', message: 'grew while it was read' };
      update(a.subarray(0, n));
      head = Uint8Array.from(a.subarray(0, Math.min(HEAD_BYTES, n)));
    } else {
      // Synchronous reads: the data is usually in the page cache, where a read is a memcpy and the
      // hop through libuv's thread pool for an async read costs more than the overlap it buys.
      for (;;) {
        const bytesRead = readSync(fd, a, 0, a.length, null);
        if (bytesRead === 0) break;
        if (total === 0) head = Uint8Array.from(a.subarray(0, Math.min(HEAD_BYTES, bytesRead)));
        total += bytesRead;
        counted(bytesRead);
        if (task.cancel && Atomics.load(task.cancel, 0) !== 0) return { ok: false, kind: 'cancelled', message: 'cancelled' };
        // A file still being written (a log, a checkpoint in progress) could otherwise keep the read going for ever.
        if (total > job.size) return { ok: false, kind: 'unstable', message: `grew while it was read (listed ${job.size} bytes, read ${total} so far)` };
        update(a.subarray(0, bytesRead));
        if (task.throttleMs) await sleep(task.throttleMs);
      }
    }
    const after = fstatSync(fd, { bigint: true });
    if (!sameStat(after, job) || total !== job.size) {
      return { ok: false, kind: 'unstable', message: `changed while it was read (read ${total} bytes, listed ${job.size}, now ${after.size})` };
    }
    return { ok: true, sha256: hex(sha), md5: md5 ? hex(md5) : null, head, bytes: total };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, kind: 'io', code: err.code, message: err.message };
  } finally {
    closeSync(fd);
  }
}

function hex(h: Hash): string {
  return h.digest('hex');
}

export default async function hashFiles(task: HashTask): Promise<HashOutcome[]> {
  const out: HashOutcome[] = [];
  const buf = chunkBuffer();
  for (const job of task.jobs) {
    if (task.cancel && Atomics.load(task.cancel, 0) !== 0) {
      out.push({ ok: false, kind: 'cancelled', message: 'cancelled' });
      continue;
    }
    out.push(await hashOne(job, task, buf));
  }
  return out;
}
