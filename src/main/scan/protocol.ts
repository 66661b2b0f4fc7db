import type { Severity } from '../../shared/domain';
import type { FileBatch } from './file-batch';

/**
 * Messages between the scanner and its workers. Plain data only: these cross
 * a thread boundary by structured clone.
 */

export interface IgnoreRule {
  /** The folder holding the .pedigreeignore, relative to the store root ('' for the root). */
  base: string;
  text: string;
}

/** Given to each walker thread once, as its workerData. */
export interface WalkerSetup {
  kind: 'pedigree-walk';
  root: string;
  /** The store root with symbolic links resolved: links that lead outside it are not followed unless asked. */
  rootReal: string;
  followSymlinks: boolean;
  /** Files (and findings) a batch holds before it is posted. */
  batchSize: number;
  /**
   * Hash small regular files while listing them (the store has no index yet, so
   * every file is new and no rename can spare the read): one open, two fstats
   * and one read per file, where listing and then hashing in the pool would add
   * an lstat and a message per file.
   */
  hashSmall: boolean;
  /** The walker's native half (walkhash.node), where it was built; absent or missing: the walk is all JavaScript. */
  nativeFile?: string;
  /**
   * Back-pressure: the scanner adds one here for each batch of this walker it has
   * taken in, and the walker waits while `window` batches are not taken in yet.
   * Without it the walk runs far ahead of hashing and holds the tree in memory.
   */
  taken: Int32Array;
  window: number;
  /** Walkers with nothing to do; a busy walker gives away half of the folders it has yet to walk while this is above zero. */
  hungry: Int32Array;
  /**
   * A re-scan: the stamp of each folder as the index holds it, by the folder's
   * store-relative path as latin1 (its raw bytes). A folder whose listing has
   * the same stamp is reported `covered`, its files not listed one by one.
   */
  stamps?: Map<string, Uint8Array>;
}

/**
 * A folder's stamp: its regular files' names and stats mixed into 16 bytes
 * (src/native/walkhash.c). Reported for each folder the native half listed
 * whole, every entry of it a regular file that stat gave or a plain folder;
 * the scanner keeps it in the index where every file of the folder ended the
 * scan hashed and not racy.
 */
export interface FolderStamp {
  rel: Uint8Array;
  /** Its path below the store is valid UTF-8. */
  utf8: boolean;
  stamp: Uint8Array;
  files: number;
  bytes: number;
  /** The index's stamp for the folder: its files were stat'ed, not listed in the batch; none changed. */
  covered: boolean;
}

/** A folder to walk, with what it inherits from the folders above it. */
export interface FolderTask {
  abs: Uint8Array;
  rel: Uint8Array;
  ignores: IgnoreRule[];
  /** Below a DVC project's root (a folder holding `.dvc/`, `dvc.yaml` or `dvc.lock`): DVC declares MD5s here. */
  dvc: boolean;
  /** This folder is a `.dvc` folder. */
  inDvcDir: boolean;
  /** Its path below the store is valid UTF-8. */
  utf8: boolean;
  /**
   * `|device:inode|` of this folder and each above it, end to end: a folder
   * that is one of them again is a loop (a bind mount, say). One string, so
   * that a subfolder's is its parent's plus one key, not a copied list.
   */
  ancestors: string;
  /**
   * Part of a big folder another walker listed and shared: these entries
   * only, with `dvc` and `ignores` already decided for the folder (no listing,
   * no .pedigreeignore to read).
   */
  part?: FolderPart;
}

/**
 * `device:inode` of folders walked from a link of their own, sent to every
 * walker as each round of links is released: one of them met again below
 * another link's folder is not walked there a second time.
 */
export interface SkipKeys {
  skipKeys: string[];
}

/** Entries of a folder, packed: names end to end (`ends[i]` is where the i-th ends), and each one's type as readdir gave it. */
export interface FolderPart {
  names: Uint8Array;
  ends: Uint32Array;
  /** ENTRY_FILE, ENTRY_DIR or ENTRY_OTHER (a link, or unknown: lstat decides). */
  types: Uint8Array;
}
export const ENTRY_OTHER = 0;
export const ENTRY_FILE = 1;
export const ENTRY_DIR = 2;

/** Folders a walker hands back: reached through a symbolic link (checked against every folder walked), or given away. */
export interface HandedBack {
  task: FolderTask;
  /** `device:inode`, when reached through a link: walked only if no folder with it was walked yet. */
  linkKey?: string;
  /** Where the link leads, links resolved: a folder inside one walked from another link is not walked again. */
  linkReal?: string;
}

/** `p` is `root` or below it (both absolute, links resolved). */
export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
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

/** A small file the walker listed but could not hash (it changed while read, or a read failed). */
export interface HashFailure {
  /** Its index in the batch. */
  index: number;
  kind: 'unstable' | 'io';
  message: string;
  code?: string;
}

export type WalkMessage =
  /**
   * `statAtNs`: wall-clock time (ns) taken before the first stat of the batch; a file modified in that second or later is racy.
   * `stamps`: folders whose listing ended since the last batch (covered ones are not in `files`).
   * `idle`: the walker has walked all it was given (and handed back the rest); it waits for another folder.
   */
  | { type: 'batch'; files: FileBatch; failures: HashFailure[]; findings: WalkFinding[]; stamps: FolderStamp[]; handedBack: HandedBack[]; statAtNs: bigint; idle: boolean };

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
