import { lstatSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { ReaderContext } from '../../model';
import { indexedFolders } from '../plain/fragment';
import { openRepo, type GitRepo } from './repo';

/**
 * Finds the repositories around and inside a store: the store root or a
 * folder above it (the store is part of a work tree), and folders inside it
 * that hold `.git` (cloned model repos, submodules, worktrees). The scanner
 * skips `.git` folders, so each indexed folder is checked on disk.
 */

/** Folders inside the store checked for `.git`; past this, nested repositories are not looked for. */
const MAX_FOLDERS_CHECKED = 20_000;
/** Folders `match` looks in; it must stay cheap. */
const MATCH_FOLDERS = 2_000;

export interface FoundRepo {
  repo: GitRepo;
  /** The work tree relative to the store root: '' for the root, '../..' above it, 'models/x' inside it. */
  storeRel: string;
}

export interface Discovery {
  repos: FoundRepo[];
  /** `.git` files or folders that could not be opened. */
  broken: { path: string; message: string }[];
  foldersSkipped: boolean;
}

/** Cheap and synchronous, for `match`: is there a `.git` at or above the root? */
export function gitAround(root: string): boolean {
  for (let dir = root; ; dir = dirname(dir)) {
    try {
      lstatSync(join(dir, '.git'));
      return true;
    } catch {
      // keep looking up
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * For `match`: a repository at or above the root, or a sign of one inside
 * (a `.git` file, or the `.gitattributes`/`.gitignore` clones carry; a
 * `.git` folder itself is never indexed).
 */
export function gitLikely(ctx: ReaderContext): boolean {
  if (gitAround(ctx.root)) return true;
  for (const p of ctx.files.keys()) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (name === '.git' || name === '.gitattributes' || name === '.gitignore' || name === '.gitmodules') return true;
  }
  // The shallowest folders, where clones usually sit; a stat each.
  const folders = [...indexedFolders(ctx)].filter((d) => d !== '').sort((a, b) => a.split('/').length - b.split('/').length);
  return folders.slice(0, MATCH_FOLDERS).some((d) => {
    try {
      lstatSync(join(ctx.root, d, '.git'));
      return true;
    } catch {
      return false;
    }
  });
}

export async function discoverRepos(ctx: ReaderContext): Promise<Discovery> {
  const out: Discovery = { repos: [], broken: [], foldersSkipped: false };
  const add = async (abs: string) => {
    const opened = await openRepo(abs);
    if (!opened) return false;
    if (opened.ok) out.repos.push({ repo: opened.repo, storeRel: toStoreRel(ctx.root, abs) });
    else out.broken.push({ path: toStoreRel(ctx.root, opened.file), message: opened.message });
    return true;
  };
  for (let dir = ctx.root; ; dir = dirname(dir)) {
    if (await add(dir)) break;
    if (dirname(dir) === dir) break;
  }
  const folders = [...indexedFolders(ctx)].filter((d) => d !== '').sort();
  if (folders.length > MAX_FOLDERS_CHECKED) out.foldersSkipped = true;
  for (const dir of folders.slice(0, MAX_FOLDERS_CHECKED)) await add(join(ctx.root, dir));
  return out;
}

/** An absolute path as the store names it: relative, with `/`, `..` when above the root. */
export function toStoreRel(root: string, abs: string): string {
  const rel = relative(root, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** A path in a work tree as a store-relative path, or null when it is outside the store. */
export function workTreePathInStore(root: string, found: FoundRepo, path: string): string | null {
  const rel = toStoreRel(root, join(found.repo.workTree, path));
  return rel === '..' || rel.startsWith('../') ? null : rel;
}
