import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import type { FileBatch } from '../main/scan/file-batch';
import type { FolderPart } from '../main/scan/protocol';

/**
 * The walker's native half (src/native/walkhash.c, built as walkhash.node
 * beside the walker bundle): lists a folder, and opens, stats, reads and
 * hashes its small files straight into the walker's batch, one call a
 * folder. Optional: where it was not built (no compiler, Windows) or
 * PEDIGREE_NATIVE_WALK=0 says not to, the walker does the same in JavaScript.
 */

/** What became of each file given to `hashFiles`, in `report[4 * k]`. */
export const NATIVE_HASHED = 0;
export const NATIVE_LISTED = 1;
export const NATIVE_UNSTABLE = 2;
export const NATIVE_IO = 3;
export const NATIVE_GONE = 4;
export const NATIVE_FALLBACK = 5;

/** The walker's native half, built beside the worker bundles (scripts/build-native.mjs). */
export const NATIVE_WALK_FILE = 'walkhash.node';

/** The stamps this walker knows (src/native/walkhash.c, STAMP_VERSION): an addon with others is used for no stamp. */
export const STAMP_VERSION = 1;

export interface NativeWalk {
  /** The folder's entries, or -errno. */
  listFolder(path: Uint8Array): FolderPart | number;
  /**
   * Opens each picked entry of a folder (`picks` index `names`/`ends`), and adds those that are regular
   * files to `batch` from index `at` (paths `relPrefix + name` from byte `pathAt`), hashing those no bigger
   * than `smallMax` (negative: none, and nothing is opened: fstatat alone); `report[4k..4k+3]`: status,
   * errno, bytes read, size after. Returns the files added. `stamp` (16 bytes): the folder's stamp so far;
   * each file added is mixed into it (src/native/walkhash.c, stamp_entry).
   */
  hashFiles(
    folder: Uint8Array,
    names: Uint8Array,
    ends: Uint32Array,
    picks: Uint32Array,
    pickFlags: Uint8Array,
    relPrefix: Uint8Array,
    smallMax: number,
    batch: FileBatch,
    at: number,
    pathAt: number,
    report: Float64Array,
    stamp?: Uint8Array,
  ): number;
  digest(data: Uint8Array, algorithm: 'sha256' | 'md5'): Buffer;
  /** SHA-256 runs on the CPU's SHA extensions. */
  sha256Accelerated: boolean;
  /** The folder stamps hashFiles mixes (absent: an addon that makes none); see STAMP_VERSION. */
  stampVersion?: number;
  /** Lowers the calling thread's priority to `nice` (never raises it); 0 or errno. Absent in addons built before it. */
  backgroundThread?(nice: number): number;
}

/**
 * The nice value of a scan's threads (walkers, hashers, the index builder):
 * they give way to the UI and to the thread that answers it, as desktop
 * indexers do, without stopping when something else keeps the machine busy.
 */
export const SCAN_NICE = 5;

/**
 * Runs the calling thread at SCAN_NICE through the native half (by default
 * the addon beside this bundle: every worker bundle sits beside it), where it
 * loads and can; quietly not otherwise.
 */
export function scanThreadInBackground(native: NativeWalk | null = loadNativeWalk(join(__dirname, NATIVE_WALK_FILE)).native): void {
  try {
    native?.backgroundThread?.(SCAN_NICE);
  } catch {
    // an older addon, or a platform without thread priorities: the thread runs as it was
  }
}

/** The addon at `file`, or null (with why) when it is absent, disabled or cannot be loaded. */
export function loadNativeWalk(file: string | null | undefined): { native: NativeWalk | null; why: string | null } {
  if (process.env.PEDIGREE_NATIVE_WALK === '0') return { native: null, why: 'PEDIGREE_NATIVE_WALK=0' };
  if (!file || !existsSync(file)) return { native: null, why: `${file ?? 'walkhash.node'} was not built` };
  try {
    const m = { exports: {} as NativeWalk };
    process.dlopen(m, file);
    return { native: m.exports, why: null };
  } catch (e) {
    return { native: null, why: `cannot load ${file}: ${(e as Error).message}` };
  }
}

let errors: Map<number, [string, string]> | null = null;
/** An errno as Node names it: code ('EACCES') and message ('EACCES: permission denied, read'). */
export function errnoError(errno: number, syscall: string): { code: string; message: string } {
  errors ??= getSystemErrorMap();
  const [code, description] = errors.get(-Math.abs(errno)) ?? [`E${errno}`, 'unknown error'];
  return { code, message: `${code}: ${description}, ${syscall}` };
}
