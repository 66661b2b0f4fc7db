import type { Severity } from '../../shared/domain';

/**
 * Messages between the scanner and its workers. Plain data only: these cross
 * a thread boundary by structured clone.
 */

export interface WalkRequest {
  root: string;
  followSymlinks: boolean;
  batchSize: number;
  /**
   * Back-pressure: the scanner adds one here for each batch it has taken in, and
   * the walker waits while `window` batches are not taken in yet. Without it the
   * walk runs far ahead of hashing and holds the whole tree in memory.
   */
  taken?: Int32Array;
  window?: number;
}

export interface WalkedFile {
  /** Path below the store root, as raw bytes (file names need not be UTF-8). */
  rel: Uint8Array;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  inode: string;
  device: string;
  /** Reached through a symbolic link inside the store. */
  viaLink: boolean;
  /** The inode has more than one name (hard links). */
  linked?: true;
  /** Below a DVC project's root: hash with MD5 too, the digest DVC declares. */
  dvc?: true;
}

export interface WalkFinding {
  rel: Uint8Array;
  code: string;
  severity: Severity;
  message: string;
  /**
   * The walker could not look here (a folder it could not list, an entry it
   * could not stat), so nothing is known of what the index holds at or below
   * this path: it is kept as it is, not marked missing.
   */
  unseen?: true;
}

export type WalkMessage =
  /** `statAtNs`: wall-clock time (ns) taken before the first stat of the batch; a file modified in that second or later is racy. */
  | { type: 'batch'; files: WalkedFile[]; findings: WalkFinding[]; dirs: number; statAtNs: bigint }
  /** `rootId`: device and inode of the store folder after the walk, or null when it is gone. */
  | { type: 'done'; rootId: string | null; dirs: number }
  | { type: 'fatal'; code: string; message: string };

export interface HashJob {
  /** Absolute path, as raw bytes. */
  path: Uint8Array;
  /** The stat the walker saw; the file must still have it before and after hashing. */
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** MD5 as well as SHA-256 for this file. */
  md5?: boolean;
}

export interface HashTask {
  jobs: HashJob[];
  md5: boolean;
  /** Shared counter the worker adds every byte it reads to, so progress moves inside big files. */
  readBytes?: BigInt64Array;
  /** Shared flag: non-zero asks the worker to stop between chunks. */
  cancel?: Int32Array;
  /** For tests: milliseconds to sleep between chunks. */
  throttleMs?: number;
}

export type HashOutcome =
  | { ok: true; sha256: string; md5: string | null; head: Uint8Array; bytes: number }
  | { ok: false; kind: 'unstable' | 'io' | 'not-a-file' | 'cancelled'; message: string; code?: string };

export const HASH_CHUNK = 4 * 1024 * 1024;
