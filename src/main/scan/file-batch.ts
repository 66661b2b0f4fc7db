/**
 * A batch of walked files packed into a few typed arrays: a walker thread
 * fills one and transfers its buffers to the scanner, so 100,000 files cross
 * the thread boundary as a handful of memory blocks instead of 100,000
 * cloned objects with strings and bigints. Pure code, no imports: it runs on
 * both sides.
 */

export const FLAG_VIA_LINK = 1;
/** The inode has other names (hard links). */
export const FLAG_LINKED = 2;
/** Below a DVC project's root: MD5 as well as SHA-256. */
export const FLAG_DVC = 4;
/** Hashed by the walker itself (a small file of a store indexed for the first time). */
export const FLAG_HASHED = 8;
/** The path is not valid UTF-8 (some name in it is not): it is keyed by its raw bytes. */
export const FLAG_NOT_UTF8 = 16;

export const HEAD_BYTES = 64;

/**
 * A small file: read with one call into one buffer, hashed by the walker on a
 * first index, packed many to a hash task; above it a file goes to the pool
 * alone, its digest shared by the other names of its inode.
 */
export const SMALL_FILE = 1024 * 1024;

export interface FileBatch {
  count: number;
  /** Store-relative paths, raw bytes, end to end; `pathEnds[i]` is where the i-th ends. */
  paths: Uint8Array;
  pathEnds: Uint32Array;
  sizes: Float64Array;
  /** mtime_ns, ctime_ns of each file. */
  times: BigInt64Array;
  /** inode, device of each file. */
  ids: BigUint64Array;
  flags: Uint8Array;
  /** 32 bytes a file, where FLAG_HASHED. */
  sha256: Uint8Array;
  /** 16 bytes a file, where FLAG_HASHED and FLAG_DVC. */
  md5: Uint8Array;
  /** The first HEAD_BYTES of each hashed file, for magic-byte checks; `headLens[i]` of them are valid. */
  heads: Uint8Array;
  headLens: Uint8Array;
}

/** Transferable buffers of a batch, for postMessage's transfer list. */
export function batchBuffers(b: FileBatch): ArrayBuffer[] {
  return [b.paths, b.pathEnds, b.sizes, b.times, b.ids, b.flags, b.sha256, b.md5, b.heads, b.headLens].map((a) => a.buffer as ArrayBuffer);
}

export interface StatLike {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
  nlink: bigint;
}

/** Fills batches of up to `capacity` files; `take()` hands one over and starts the next. */
export class FileBatchBuilder {
  private b!: FileBatch;
  private pathBytes!: Uint8Array;
  private pathLen = 0;

  constructor(private readonly capacity: number) {
    this.reset();
  }

  get count(): number {
    return this.b.count;
  }

  private reset(): void {
    const n = this.capacity;
    this.pathBytes = new Uint8Array(n * 48);
    this.pathLen = 0;
    this.b = {
      count: 0,
      paths: this.pathBytes,
      pathEnds: new Uint32Array(n),
      sizes: new Float64Array(n),
      times: new BigInt64Array(n * 2),
      ids: new BigUint64Array(n * 2),
      flags: new Uint8Array(n),
      sha256: new Uint8Array(n * 32),
      md5: new Uint8Array(n * 16),
      heads: new Uint8Array(n * HEAD_BYTES),
      headLens: new Uint8Array(n),
    };
  }

  /** Adds a file; returns its index in the batch (for `setDigest`). */
  add(rel: Uint8Array, st: StatLike, flags: number): number {
    const b = this.b;
    const i = b.count++;
    if (this.pathLen + rel.length > this.pathBytes.length) {
      const grown = new Uint8Array(Math.max(this.pathBytes.length * 2, this.pathLen + rel.length));
      grown.set(this.pathBytes.subarray(0, this.pathLen));
      this.pathBytes = grown;
    }
    this.pathBytes.set(rel, this.pathLen);
    this.pathLen += rel.length;
    b.pathEnds[i] = this.pathLen;
    b.sizes[i] = Number(st.size);
    b.times[i * 2] = st.mtimeNs;
    b.times[i * 2 + 1] = st.ctimeNs;
    b.ids[i * 2] = st.ino;
    b.ids[i * 2 + 1] = st.dev;
    b.flags[i] = flags | (st.nlink > 1n ? FLAG_LINKED : 0);
    return i;
  }

  /** Digests of file `i`, hashed by the walker; `head` is its start (up to HEAD_BYTES are kept). */
  setDigest(i: number, sha256: Uint8Array, md5: Uint8Array | null, head: Uint8Array): void {
    const b = this.b;
    b.flags[i]! |= FLAG_HASHED;
    b.sha256.set(sha256, i * 32);
    if (md5) b.md5.set(md5, i * 16);
    const n = Math.min(HEAD_BYTES, head.length);
    b.heads.set(head.subarray(0, n), i * HEAD_BYTES);
    b.headLens[i] = n;
  }

  /**
   * For a native writer: makes room for `pathBytes` more bytes of paths and
   * returns the batch as it is being filled, with where the next file and
   * the next path byte go. `wrote` then says how many files it added.
   */
  openForWriter(pathBytes: number): { batch: FileBatch; at: number; pathAt: number } {
    if (this.pathLen + pathBytes > this.pathBytes.length) {
      const grown = new Uint8Array(Math.max(this.pathBytes.length * 2, this.pathLen + pathBytes));
      grown.set(this.pathBytes.subarray(0, this.pathLen));
      this.pathBytes = grown;
    }
    this.b.paths = this.pathBytes;
    return { batch: this.b, at: this.b.count, pathAt: this.pathLen };
  }

  /** `added` files were written in place from the index `openForWriter` gave, their path ends set. */
  wrote(added: number): void {
    if (added <= 0) return;
    this.b.count += added;
    this.pathLen = this.b.pathEnds[this.b.count - 1]!;
  }

  /** Files the batch can still take before it is full. */
  get room(): number {
    return this.capacity - this.b.count;
  }

  /** Empties the batch where it is: a writer that reads what it wrote and drops it (the walker's stamp check) reuses one. */
  clear(): void {
    this.b.count = 0;
    this.pathLen = 0;
  }

  take(): FileBatch {
    const b = this.b;
    b.paths = this.pathBytes.slice(0, this.pathLen);
    this.reset();
    return b;
  }
}

/** Reading a batch on the scanner's side: views, no copies. */
export const batchPath = (b: FileBatch, i: number): Uint8Array => b.paths.subarray(i === 0 ? 0 : b.pathEnds[i - 1], b.pathEnds[i]);
export const batchHead = (b: FileBatch, i: number): Uint8Array => b.heads.subarray(i * HEAD_BYTES, i * HEAD_BYTES + b.headLens[i]!);

