import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, symlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** What one entry of a test tree is. Paths are relative to the tree's root; Buffers allow non-UTF-8 names. */
export type Entry =
  | string
  | Buffer
  | { size: number; seed: string } // a sparse file: `seed` at the start, zeros after; hashing reads every byte
  | { symlink: string }
  | { fifo: true }
  | { dir: true };

export function absPath(root: string, rel: string | Buffer): string | Buffer {
  return typeof rel === 'string' ? `${root}/${rel}` : Buffer.concat([Buffer.from(`${root}/`), rel]);
}

function parentOf(p: string | Buffer): string | Buffer {
  if (typeof p === 'string') return dirname(p);
  return p.subarray(0, p.lastIndexOf(0x2f));
}

/** Builds files, links, FIFOs and folders below `root`, making parent folders as needed. */
export function buildTree(root: string, entries: [string | Buffer, Entry][]): void {
  for (const [rel, entry] of entries) {
    const abs = absPath(root, rel);
    mkdirSync(parentOf(abs), { recursive: true });
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) writeFile(abs, entry);
    else if ('size' in entry) writeSparse(abs, entry.size, entry.seed);
    else if ('symlink' in entry) symlinkSync(entry.symlink, abs);
    else if ('fifo' in entry) execFileSync('mkfifo', [abs.toString()]);
    else mkdirSync(abs, { recursive: true });
  }
}

function writeFile(abs: string | Buffer, content: string | Buffer): void {
  const fd = openSync(abs, 'w');
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
  } finally {
    closeSync(fd);
  }
}

/** A large file that costs no disk: distinct content (the seed) then a hole. */
export function writeSparse(abs: string | Buffer, size: number, seed: string): void {
  const fd = openSync(abs, 'w');
  try {
    writeSync(fd, Buffer.from(seed));
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

export function sha256Of(abs: string | Buffer): string {
  return createHash('sha256').update(readFileSync(abs)).digest('hex');
}

/** The SHA-256 a sparse file from `writeSparse` has, without writing it. */
export function sha256OfSparse(size: number, seed: string): string {
  const h = createHash('sha256').update(seed);
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let left = size - Buffer.byteLength(seed); left > 0; left -= zeros.length) h.update(zeros.subarray(0, Math.min(left, zeros.length)));
  return h.digest('hex');
}

/**
 * Sets every mtime below `root` to a day ago. A file written in the same
 * second as a scan stats it is racy and hashed again by the next scan, which
 * would blur tests that count what a rescan reads.
 */
export function ageTree(root: string): void {
  // find(1): names need not be UTF-8, and paths may pass PATH_MAX.
  execFileSync('find', [root, '-exec', 'touch', '-h', '-d', '1 day ago', '{}', '+']);
}

/** Makes every folder and file below `root` (and root) readable and writable by anyone. */
export function openUp(root: string): void {
  execFileSync('chmod', ['-R', 'a+rwX', root]);
  chmodSync(root, 0o777);
}

/**
 * Makes `depth` nested folders with 250-byte names and a file at the bottom,
 * one step at a time relative to the last, since the whole path is longer
 * than PATH_MAX (4096) and no single call could take it. Returns its path.
 */
export function deepFile(root: string, depth: number, content: string): string {
  const script = `
    const fs = require('node:fs');
    process.chdir(process.argv[1]);
    for (let i = 0; i < ${depth}; i++) { const n = String(i).padStart(3, '0') + 'd'.repeat(247); fs.mkdirSync(n); process.chdir(n); }
    fs.writeFileSync('bottom.txt', process.argv[2]);`;
  execFileSync(process.execPath, ['-e', script, root, content]);
  return Array.from({ length: depth }, (_, i) => String(i).padStart(3, '0') + 'd'.repeat(247)).join('/') + '/bottom.txt';
}
