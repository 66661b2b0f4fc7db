import { opendirSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreRoot } from '../db/stores';

export type RootCheck =
  /** `empty`: the folder holds nothing (what an unmounted disk leaves behind). */
  | { ok: true; root: StoreRoot; real: string; empty: boolean }
  | { ok: false; code: string; message: string };

/**
 * What a store's folder is now: its `device:inode`, whether a file system is
 * mounted on it (its device differs from its parent's, or it is `/`), and its
 * real path; or why it cannot be walked.
 */
export function inspectStoreRoot(path: string): RootCheck {
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isDirectory()) return { ok: false, code: 'ENOTDIR', message: `${path} is not a folder` };
    const parent = statSync(dirname(path), { bigint: true });
    return { ok: true, root: { id: `${st.dev}:${st.ino}`, isMount: st.dev !== parent.dev || st.ino === parent.ino }, real: realpathSync(path), empty: isEmptyFolder(path) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? 'EIO';
    const message =
      code === 'ENOENT'
        ? `the store folder ${path} does not exist (a disk not plugged in, or a folder moved or deleted)`
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied on the store folder ${path}`
          : code === 'ENOTDIR'
            ? `a part of ${path} is not a folder`
            : `cannot open the store folder ${path}: ${err.message}`;
    return { ok: false, code, message };
  }
}

/** Reads one entry at most; a folder that cannot be listed counts as not empty (the walk reports why). */
function isEmptyFolder(path: string): boolean {
  try {
    const dir = opendirSync(path);
    try {
      return dir.readSync() === null;
    } finally {
      dir.closeSync();
    }
  } catch {
    return false;
  }
}

/** `device:inode` of the folder now, or null when it is gone. */
export function storeRootId(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * Why a store whose folder is there and empty is offline, or null when it is
 * simply empty. Scanning an unmounted disk's mount point would mark every file
 * missing and drop the store's lineage; the store is offline instead, with its
 * index kept:
 * - the folder was a mount point at the last complete scan and nothing is
 *   mounted there now;
 * - no scan recorded what the folder was (an index from before Pedigree kept
 *   that, or one no scan finished), yet files are indexed in it.
 * A plain folder with files in it is scanned (someone put files there, or the
 * store moved onto the parent disk): its root is then recorded anew, so a
 * store never stays offline while its folder has content.
 */
export function unmountedReason(path: string, last: StoreRoot | null, now: { root: StoreRoot; empty: boolean }, presentFiles: () => number): string | null {
  if (!now.empty || now.root.isMount) return null;
  if (last?.isMount) return `nothing is mounted on the store folder ${path} any more (it was a mount point at the last scan): the disk looks unmounted; its index is kept as it was`;
  if (last !== null) return null;
  const n = presentFiles();
  if (n === 0) return null;
  return `the store folder ${path} is empty, but ${n.toLocaleString('en-US')} indexed file${n === 1 ? ' was' : 's were'} in it, and no scan recorded whether a disk was mounted there: it may be an unmounted disk, so its index is kept as it was. Mount the disk and rescan; if the files are gone for good, remove the store`;
}

/**
 * Local file systems whose used space is the space of what is on them: a USB
 * disk, an internal disk. Left out: network shares (the export may be one
 * folder of a large volume), btrfs (a subvolume reports its whole pool), FUSE
 * (anything at all).
 */
const WHOLE_DISK_TYPES = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x4d44, // vfat
  0x2011bab0, // exfat
  0x5346544e, // ntfs (ntfs-3g reports fuseblk; the kernel's ntfs3 this)
  0x7366746e, // ntfs3
  0x482b, // hfs+
  0xf2f52010, // f2fs
  0x01021994, // tmpfs
]);

/** Bytes in use on the local file system mounted at `path` (what a first index of the whole disk will about read); null when unknown or not to be trusted. */
export function usedBytesOf(path: string): number | null {
  try {
    const fs = statfsSync(path);
    if (!WHOLE_DISK_TYPES.has(fs.type)) return null;
    return Math.max(0, (fs.blocks - fs.bfree) * fs.bsize);
  } catch {
    return null;
  }
}
