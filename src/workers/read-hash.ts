import { createHash } from 'node:crypto';
import { constants, openSync, readSync } from 'node:fs';
import { SMALL_FILE } from '../main/scan/file-batch';

/**
 * Opening and reading files for hashing, shared by the hash pool's task and
 * the walker (which hashes small files itself on a store's first index).
 */

export { SMALL_FILE };

const O_NOATIME = constants.O_NOATIME ?? 0;
/**
 * O_NONBLOCK: should the path have been swapped for a FIFO, open must not hang.
 * O_NOATIME: reading for a hash is not an access worth recording; it is only
 * allowed to the file's owner, so EPERM retries without it.
 */
export function openForHash(pathBytes: Uint8Array, noFollow = false): number {
  const path = Buffer.isBuffer(pathBytes) ? pathBytes : Buffer.from(pathBytes.buffer, pathBytes.byteOffset, pathBytes.byteLength);
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  try {
    return openSync(path, flags | O_NOATIME);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPERM' && O_NOATIME) return openSync(path, flags);
    throw e;
  }
}

/**
 * Reads an open small file whole into `buf` (at least SMALL_FILE + 1 bytes).
 * Returns the bytes read; SMALL_FILE + 1 means the file is bigger than it was
 * said to be (it grew).
 */
export function readSmall(fd: number, buf: Uint8Array): number {
  let n = 0;
  while (n <= SMALL_FILE) {
    const got = readSync(fd, buf, n, SMALL_FILE + 1 - n, null);
    if (got === 0) break;
    n += got;
  }
  return n;
}

export function sha256Of(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function md5Of(data: Uint8Array): Buffer {
  return createHash('md5').update(data).digest();
}
