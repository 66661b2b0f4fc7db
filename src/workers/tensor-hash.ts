import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { TENSOR_READ_CHUNK, type TensorHashResult, type TensorHashTask } from '../main/compare/tensor-protocol';

/**
 * Piscina worker: SHA-256 of byte ranges of one file (a safetensors file's
 * tensors), so two checkpoints can be told apart tensor by tensor. Memory is
 * one chunk buffer per worker whatever the tensor's size. A file whose size
 * or mtime changes while it is read is reported unstable.
 */

let buffer: Buffer | null = null;

export default function hashRanges(task: TensorHashTask): TensorHashResult {
  let fd: number;
  try {
    // O_NONBLOCK: should the path have been swapped for a FIFO, open must not hang.
    fd = openSync(task.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, kind: 'io', message: (e as Error).message };
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) return { ok: false, kind: 'io', message: `${task.path} is not a regular file` };
    const size = Number(before.size);
    buffer ??= Buffer.allocUnsafe(TENSOR_READ_CHUNK);
    const digests: string[] = [];
    let bytes = 0;
    for (const r of task.ranges) {
      if (r.begin < 0 || r.end < r.begin || r.end > size) return { ok: false, kind: 'out-of-range', message: `bytes ${r.begin}–${r.end} are outside ${task.path} (${size} bytes)` };
      const sha = createHash('sha256');
      let pos = r.begin;
      while (pos < r.end) {
        if (task.cancel && Atomics.load(task.cancel, 0) !== 0) return { ok: false, kind: 'cancelled', message: 'cancelled' };
        const want = Math.min(buffer.length, r.end - pos);
        const got = readSync(fd, buffer, 0, want, pos);
        if (got === 0) return { ok: false, kind: 'unstable', message: `${task.path} ended at ${pos} while it was read` };
        sha.update(buffer.subarray(0, got));
        pos += got;
        bytes += got;
      }
      digests.push(sha.digest('hex'));
    }
    const after = fstatSync(fd, { bigint: true });
    if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) return { ok: false, kind: 'unstable', message: `${task.path} changed while it was read` };
    return { ok: true, digests, bytes };
  } catch (e) {
    return { ok: false, kind: 'io', message: (e as Error).message };
  } finally {
    closeSync(fd);
  }
}
