import type { FileDigest, IndexedStat, SeenFile } from '../db/files';

import { SMALL_FILE } from './file-batch';

export { SMALL_FILE };

/** A file this scan reads (new, changed, or never hashed): one object from the walk to its write. */
export interface FileJob {
  /** Its row; 0 while not written: a new small file is written once, with its digest, when that comes soon. */
  id: number;
  seen: SeenFile;
  /** Stat taken at this wall-clock time (ns); a file modified in the same second is racy. */
  statAtNs: bigint;
  /** MD5 too: the file is in a DVC project. */
  md5: boolean;
  /** The inode has other names (hard links, links into a Hugging Face cache's blobs). */
  shared: boolean;
  /**
   * Its digest is shared with other names of its inode: big files (a re-read costs) and
   * files known to have other names. Small files with one name skip the bookkeeping.
   */
  tracked: boolean;
  /** Once hashed; kept for moves, and for a row not yet written. */
  digest: FileDigest | null;
  /** The hash corrected the kind or format guessed from the name (in `seen`): a written row needs it too. */
  reformat: boolean;
  /** For a row not yet written: the flush count when listed. It is written by the next flush but one, digest or not. */
  listedAt: number;
  /** Settled as a rename of an indexed file: neither hashed nor written. */
  dropped: boolean;
}

export function newFileJob(id: number, seen: SeenFile, statAtNs: bigint, md5: boolean, shared: boolean, listedAt: number): FileJob {
  return { id, seen, statAtNs, md5, shared, tracked: seen.size > SMALL_FILE || shared, digest: null, reformat: false, listedAt, dropped: false };
}

/** Device, inode, size and mtime: a new path with the key of a vanished one is likely the same file renamed. */
export const renameKey = (f: { device: string; inode: string; size: number; mtimeNs: bigint }) => `${f.device}:${f.inode}:${f.size}:${f.mtimeNs}`;
/** The same for a file in the index (its stat string ends with the ctime, which a rename changes). */
export const indexedRenameKey = (prev: IndexedStat) => `${prev.device}:${prev.stat.slice(0, prev.stat.lastIndexOf(':'))}`;
/** One inode's content at one moment: its names share one read. */
export const contentKey = (q: FileJob) => `${q.seen.device}:${q.seen.inode}:${q.seen.size}:${q.seen.mtimeNs}:${q.seen.ctimeNs}`;
