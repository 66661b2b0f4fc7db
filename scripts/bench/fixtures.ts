import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, statfsSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 16 * 1024 * 1024;

/**
 * Writes `bytes` of incompressible data. One random block is reused with each
 * copy stamped by its offset, so no two blocks are equal but we do not pay for
 * gigabytes of randomness.
 */
export function writeFilledFile(path: string, bytes: number): void {
  const block = randomBytes(BLOCK);
  const fd = openSync(path, 'w');
  try {
    for (let off = 0; off < bytes; off += BLOCK) {
      block.writeDoubleLE(off, 0);
      const n = Math.min(BLOCK, bytes - off);
      let done = 0;
      while (done < n) done += writeSync(fd, block, done, n - done, off + done);
    }
  } finally {
    closeSync(fd);
  }
}

/** A file of holes: reads return zero pages and no disk is used. */
export function writeSparseFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** Reads a file once, end to end, so that its pages sit in the page cache. */
export function readThrough(path: string): void {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export interface Tree {
  root: string;
  files: number;
  bytes: number;
  dirs: number;
  /** Latest mtime of any file in the tree, ms. */
  newestMtimeMs: number;
}

/** A small deterministic generator, so that file sizes (and so byte counts) are the same from run to run. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * `files` small files (1 to 4 KiB of random bytes) in folders of `perDir`,
 * the folders themselves ten to a parent: g0/h0/f00000.bin ...
 */
export function makeTree(root: string, files: number, perDir = 1000): Tree {
  const pool = randomBytes(8 * 1024 * 1024);
  const rand = xorshift(0x5eed);
  let bytes = 0;
  let dirs = 0;
  let dir = '';
  for (let i = 0; i < files; i++) {
    if (i % perDir === 0) {
      const k = i / perDir;
      dir = join(root, `g${Math.floor(k / 10)}`, `h${k % 10}`);
      mkdirSync(dir, { recursive: true });
      dirs++;
    }
    const size = 1024 + (rand() % (3 * 1024 + 1));
    const off = rand() % (pool.length - size);
    const content = Buffer.from(pool.subarray(off, off + size));
    content.writeUInt32LE(i, 0); // unique content per file
    writeFileSync(join(dir, `f${String(i).padStart(6, '0')}.bin`), content);
    bytes += size;
  }
  const last = statSync(join(dir, `f${String(files - 1).padStart(6, '0')}.bin`));
  return { root, files, bytes, dirs, newestMtimeMs: last.mtimeMs };
}

/**
 * The scanner treats a file modified in the same second as its stat as racy
 * and hashes it again next time; wait until that second (plus a margin) is past.
 */
export async function waitPastRacyWindow(newestMtimeMs: number): Promise<void> {
  const until = Math.max(Date.now() + 1100, (Math.floor(newestMtimeMs / 1000) + 1) * 1000 + 100);
  await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
}
