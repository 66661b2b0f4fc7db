import * as crypto from 'node:crypto';
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
 * said to be (it grew). With `expected` (its size by an fstat before the
 * read), reading stops once that many bytes came, without the read that would
 * return end-of-file: the caller's fstat after the read tells a file that grew
 * meanwhile.
 */
export function readSmall(fd: number, buf: Uint8Array, expected = -1): number {
  let n = 0;
  while (n <= SMALL_FILE) {
    const got = readSync(fd, buf, n, SMALL_FILE + 1 - n, null);
    if (got === 0) break;
    n += got;
    if (n === expected) break;
  }
  return n;
}

/** One-shot digests (Node 20.12 and later): no Hash object per small file. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

export function sha256Of(data: Uint8Array): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

export function md5Of(data: Uint8Array): Buffer {
  return oneShot ? oneShot('md5', data, 'buffer') : createHash('md5').update(data).digest();
}
