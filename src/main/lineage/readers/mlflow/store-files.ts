import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { Digest, NodeFile, ReaderContext } from '../../model';
import { baseName } from '../../../../shared/rel-path';

/** Files up to this size are read whole and synchronously; longer ones are streamed. */
const SMALL_FILE = 4 * 1024 * 1024;

/**
 * The store as the index knows it: sorted store-relative paths, so a folder's
 * files are one contiguous range (binary search, no directory walk), plus
 * bounded reads of the small files the reader parses. Those reads are
 * synchronous: a store holds tens of thousands of tiny param and tag files,
 * and one synchronous read costs a fraction of an asynchronous round trip.
 */
export class StoreFiles {
  readonly paths: readonly string[];

  constructor(private readonly ctx: ReaderContext) {
    this.paths = [...ctx.files.keys()].sort(compare);
  }

  get root(): string {
    return this.ctx.root;
  }

  has(path: string): boolean {
    return this.ctx.files.has(path);
  }

  size(path: string): number | undefined {
    return this.ctx.files.get(path)?.size;
  }

  /** True when some indexed file lies below `dir` (the empty string is the root). */
  dirExists(dir: string): boolean {
    if (dir === '') return this.paths.length > 0;
    const prefix = `${dir}/`;
    const i = lowerBound(this.paths, prefix);
    return i < this.paths.length && this.paths[i]!.startsWith(prefix);
  }

  /** Files below `dir`, at any depth, in path order. */
  *under(dir: string): Generator<string> {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (let i = lowerBound(this.paths, prefix); i < this.paths.length; i++) {
      const p = this.paths[i]!;
      if (!p.startsWith(prefix)) return;
      yield p;
    }
  }

  /** Names of the immediate sub-folders of `dir`. */
  subdirs(dir: string): string[] {
    const names = new Set<string>();
    const cut = dir === '' ? 0 : dir.length + 1;
    for (const p of this.under(dir)) {
      const slash = p.indexOf('/', cut);
      if (slash > 0) names.add(p.slice(cut, slash));
    }
    return [...names];
  }

  /** What a lineage node says about a file: its size and the digests the index has. */
  nodeFile(path: string): NodeFile {
    const f = this.ctx.files.get(path);
    if (!f) return { path, declaredOnly: true };
    const digests: Digest[] = [];
    if (f.sha256) digests.push({ algorithm: 'sha256', value: f.sha256 });
    if (f.md5) digests.push({ algorithm: 'md5', value: f.md5 });
    return digests.length > 0 ? { path, size: f.size, digests } : { path, size: f.size };
  }

  abs(path: string): string {
    return path === '' ? this.ctx.root : `${this.ctx.root}/${path}`;
  }

  /**
   * Reads at most `cap` bytes. Returns the bytes and whether the file was
   * longer; throws only for I/O errors (callers turn them into findings).
   */
  async readPrefix(path: string, cap: number): Promise<{ bytes: Buffer; truncated: boolean }> {
    return this.readPrefixSync(path, cap);
  }

  private readPrefixSync(path: string, cap: number): { bytes: Buffer; truncated: boolean } {
    const fd = openSync(this.abs(path), 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, cap);
      const bytes = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, bytes, read, length - read, read);
        if (n === 0) break;
        read += n;
      }
      return { bytes: bytes.subarray(0, read), truncated: size > cap };
    } finally {
      closeSync(fd);
    }
  }

  /** A text file line by line (metric histories run to millions of lines, so long files are streamed). */
  async *lines(path: string): AsyncGenerator<{ line: string; n: number; last: boolean; endsWithNewline: boolean }> {
    let chunks: AsyncIterable<string> | Iterable<string>;
    if ((this.size(path) ?? Infinity) <= SMALL_FILE) chunks = [this.readPrefixSync(path, SMALL_FILE).bytes.toString('utf8')];
    else chunks = createReadStream(this.abs(path), { encoding: 'utf8', highWaterMark: 1 << 16 }) as AsyncIterable<string>;
    let carry = '';
    let n = 0;
    for await (const chunk of chunks) {
      const parts = (carry + chunk).split('\n');
      carry = parts.pop() ?? '';
      for (const line of parts) yield { line, n: ++n, last: false, endsWithNewline: true };
    }
    if (carry !== '') yield { line: carry, n: ++n, last: true, endsWithNewline: false };
  }
}

/** Lets other work on the event loop run between batches of synchronous reads. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export { baseName };
