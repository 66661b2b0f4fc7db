import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MODE, type GitIndex } from './index-file';
import type { ObjectStore } from './objects';

/**
 * Is the work tree dirty? Each index entry's recorded stat is compared with
 * the file's; when size or mtime differ, the file is hashed as a blob and
 * compared with the entry's object name, as git does. Files git stores
 * through a filter cannot be hashed that way: a Git LFS pointer is checked
 * by the SHA-256 it names, and a CRLF checkout by hashing with LF endings.
 * Untracked files are not looked for (that needs .gitignore rules).
 */

/** Files above this size are not hashed: a stat change alone marks them. */
const MAX_HASH_BYTES = 64 * 1024 * 1024;
const LISTED = 50;

export interface WorkTreeStatus {
  dirty: boolean;
  modified: string[];
  deleted: string[];
  /** Stat changed but content could not be compared (too large, filtered, unreadable). */
  statChanged: string[];
  counts: { modified: number; deleted: number; statChanged: number; checked: number };
}

/**
 * `indexMtimeNs` is when the index was written: an entry whose file changed
 * in that same instant is "racily clean" by stat, so it is always hashed.
 */
export async function workTreeStatus(workTree: string, index: GitIndex, indexMtimeNs: bigint, objects: ObjectStore, sha256Of: (path: string) => string | null | undefined): Promise<WorkTreeStatus> {
  const status: WorkTreeStatus = { dirty: false, modified: [], deleted: [], statChanged: [], counts: { modified: 0, deleted: 0, statChanged: 0, checked: 0 } };
  const note = (list: 'modified' | 'deleted' | 'statChanged', path: string) => {
    status.counts[list]++;
    if (status[list].length < LISTED) status[list].push(path);
  };
  for (const e of index.entries) {
    const type = e.mode & MODE.typeMask;
    if (e.stage !== 0 || e.assumeValid || e.skipWorktree || type === MODE.gitlink || type === MODE.dir) continue;
    status.counts.checked++;
    if (e.intentToAdd) {
      note('modified', e.path);
      continue;
    }
    const abs = join(workTree, e.path);
    let st;
    try {
      st = await lstat(abs, { bigint: true });
    } catch {
      note('deleted', e.path);
      continue;
    }
    const isLink = st.isSymbolicLink();
    if (isLink !== (type === MODE.symlink) || (!isLink && !st.isFile())) {
      note('modified', e.path);
      continue;
    }
    const sameSize = Number(st.size % 2n ** 32n) === e.size;
    const sameTime = Number(st.mtimeNs / 1_000_000_000n) === e.mtimeSec && (e.mtimeNsec === 0 || Number(st.mtimeNs % 1_000_000_000n) === e.mtimeNsec);
    const racy = BigInt(e.mtimeSec) * 1_000_000_000n + BigInt(e.mtimeNsec) >= indexMtimeNs - 1_000_000_000n;
    if (sameSize && sameTime && !racy) continue;
    const verdict = await compareContent(abs, e.path, e.sha, isLink, Number(st.size), objects, sha256Of);
    if (verdict === 'same') continue;
    note(verdict === 'different' ? 'modified' : 'statChanged', e.path);
  }
  status.dirty = status.counts.modified + status.counts.deleted + status.counts.statChanged > 0;
  return status;
}

async function compareContent(abs: string, rel: string, sha: string, isLink: boolean, size: number, objects: ObjectStore, sha256Of: (path: string) => string | null | undefined): Promise<'same' | 'different' | 'unknown'> {
  const algo = objects.hashBytes === 32 ? 'sha256' : 'sha1';
  const blobId = (content: Buffer) => createHash(algo).update(`blob ${content.length}\0`).update(content).digest('hex');
  if (isLink) {
    const target = Buffer.from(await readlink(abs).catch(() => ''));
    return blobId(target) === sha ? 'same' : 'different';
  }
  if (size > MAX_HASH_BYTES) return (await lfsMatches(sha, objects, rel, sha256Of, size)) ?? 'unknown';
  let content: Buffer;
  try {
    content = await readFile(abs);
  } catch {
    return 'unknown';
  }
  if (blobId(content) === sha) return 'same';
  const lfs = await lfsMatches(sha, objects, rel, sha256Of, size, content);
  if (lfs) return lfs;
  if (content.includes('\r\n') && blobId(Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')) === sha) return 'same';
  return 'different';
}

/** When the indexed blob is a Git LFS pointer, the file matches if its SHA-256 is the pointer's oid. */
async function lfsMatches(sha: string, objects: ObjectStore, rel: string, sha256Of: (path: string) => string | null | undefined, size: number, content?: Buffer): Promise<'same' | 'different' | undefined> {
  let blob;
  try {
    blob = await objects.read(sha);
  } catch {
    return undefined;
  }
  if (!blob || blob.type !== 'blob' || blob.data.length > 1024) return undefined;
  const pointer = parseLfsPointer(blob.data.toString('utf8'));
  if (!pointer) return undefined;
  if (pointer.size !== size) return 'different';
  const actual = content ? createHash('sha256').update(content).digest('hex') : sha256Of(rel);
  if (!actual) return undefined;
  return actual === pointer.oid ? 'same' : 'different';
}

export function parseLfsPointer(text: string): { oid: string; size: number } | undefined {
  if (!text.startsWith('version https://git-lfs.github.com/spec/')) return undefined;
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text)?.[1];
  const size = /^size (\d+)$/m.exec(text)?.[1];
  return oid && size ? { oid, size: Number(size) } : undefined;
}
