import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Digest, ReaderContext } from '../../model';
import { joinRel, readBounded, type FragmentBuilder } from '../plain/fragment';
import { hubKey } from './card';

/**
 * The Hugging Face hub cache (huggingface_hub `file_download.py`):
 * `<type>s--<org>--<name>/` holds `refs/<revision>` (the commit a branch or
 * tag resolved to), `snapshots/<commit>/…` (links into `blobs/`), `blobs/`
 * (an LFS file is named by its SHA-256, any other by git's blob id) and
 * `.no_exist/<commit>/<file>` (files known to be absent at that commit, so
 * they are not asked for again). Snapshot links are read from disk: the
 * scanner drops the ones that dangle or loop, and those are findings here.
 */

export type HubType = 'model' | 'dataset' | 'space';

export interface HubRepo {
  /** Store-relative folder of `models--org--name` ('' when the store is that folder). */
  dir: string;
  type: HubType;
  id: string;
}

export interface SnapshotFile {
  /** Store-relative path of the link (or file, in a cache made without links). */
  path: string;
  /** Path inside the snapshot. */
  name: string;
  digest?: Digest;
  size?: number;
}

export interface Snapshot {
  commit: string;
  dir: string;
  files: SnapshotFile[];
  refs: string[];
  knownMissing: string[];
}

const REPO_DIR = /^(models|datasets|spaces)--(.+)$/;
const AREAS = new Set(['snapshots', 'refs', 'blobs', '.no_exist']);
const SHA1 = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_SNAPSHOT_FILES = 10_000;

export function parseRepoFolder(name: string): { type: HubType; id: string } | undefined {
  const m = REPO_DIR.exec(name);
  if (!m || m[2]!.split('--').some((p) => p === '')) return undefined;
  return { type: m[1]!.slice(0, -1) as HubType, id: m[2]!.split('--').join('/') };
}

/** Hub repositories in the store, found from the paths the index holds. */
export function findHubRepos(ctx: ReaderContext): HubRepo[] {
  const repos = new Map<string, HubRepo>();
  const rootRepo = parseRepoFolder(basename(ctx.root));
  for (const rel of ctx.files.keys()) {
    const segs = rel.split('/');
    if (rootRepo && AREAS.has(segs[0]!)) repos.set('', { dir: '', ...rootRepo });
    for (let i = 0; i + 1 < segs.length; i++) {
      const parsed = AREAS.has(segs[i + 1]!) ? parseRepoFolder(segs[i]!) : undefined;
      if (!parsed) continue;
      const dir = segs.slice(0, i + 1).join('/');
      if (!repos.has(dir)) repos.set(dir, { dir, ...parsed });
      break;
    }
  }
  return [...repos.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Whether a path lies in a hub cache repository (other readers leave such files to this one). */
export function inHubCache(rel: string, repos: HubRepo[]): boolean {
  return repos.some((r) => r.dir === '' || rel === r.dir || rel.startsWith(`${r.dir}/`));
}

export function presentHubKeys(repos: HubRepo[]): Set<string> {
  return new Set(repos.map((r) => hubKey(r.type, r.id)));
}

export async function readSnapshots(ctx: ReaderContext, b: FragmentBuilder, repo: HubRepo): Promise<Snapshot[]> {
  const repoAbs = join(ctx.root, repo.dir);
  const refs = await readRefs(ctx, b, repo);
  let commits: string[];
  try {
    commits = (await readdir(join(repoAbs, 'snapshots'))).sort();
  } catch {
    commits = [];
  }
  const missing = new Map<string, string[]>();
  const noExist = joinRel(repo.dir, '.no_exist/');
  for (const rel of ctx.files.keys()) {
    if (rel.startsWith(noExist)) {
      const [commit, ...rest] = rel.slice(noExist.length).split('/');
      if (commit && rest.length > 0) missing.set(commit, [...(missing.get(commit) ?? []), rest.join('/')]);
    }
    if (rel.startsWith(joinRel(repo.dir, 'blobs/')) && rel.endsWith('.incomplete')) b.finding(rel, 'hf-incomplete-download', 'info', `${rel} is a download that did not finish`);
  }
  const snapshots: Snapshot[] = [];
  for (const commit of commits) {
    const dir = joinRel(repo.dir, `snapshots/${commit}`);
    if (!SHA1.test(commit)) b.finding(dir, 'hf-snapshot-name', 'warning', `${dir}: a snapshot folder should be named by a 40-digit commit id`);
    const files: SnapshotFile[] = [];
    await listSnapshot(ctx, b, repoAbs, dir, '', files, 0);
    snapshots.push({ commit, dir, files, refs: [...refs].filter(([, c]) => c === commit).map(([r]) => r), knownMissing: (missing.get(commit) ?? []).sort() });
  }
  for (const [ref, commit] of refs) {
    if (!commits.includes(commit)) b.finding(joinRel(repo.dir, `refs/${ref}`), 'hf-ref-dangling', 'warning', `refs/${ref} of ${repo.id} names commit ${commit}, but snapshots/${commit} is not in the cache`);
  }
  return snapshots;
}

async function readRefs(ctx: ReaderContext, b: FragmentBuilder, repo: HubRepo): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const prefix = joinRel(repo.dir, 'refs/');
  for (const rel of ctx.files.keys()) {
    if (!rel.startsWith(prefix)) continue;
    const read = await readBounded(join(ctx.root, rel), 4096);
    const commit = read.ok ? read.bytes.toString('utf8').trim() : '';
    if (SHA1.test(commit)) refs.set(rel.slice(prefix.length), commit);
    else b.finding(rel, 'hf-ref-malformed', 'warning', `${rel} should hold a 40-digit commit id`);
  }
  return refs;
}

async function listSnapshot(ctx: ReaderContext, b: FragmentBuilder, repoAbs: string, dir: string, sub: string, out: SnapshotFile[], depth: number): Promise<void> {
  if (depth > 16 || out.length >= MAX_SNAPSHOT_FILES) return;
  const abs = join(ctx.root, dir, sub);
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((x, y) => x.name.localeCompare(y.name))) {
    const name = sub ? `${sub}/${e.name}` : e.name;
    const path = joinRel(dir, name);
    if (e.isDirectory()) {
      await listSnapshot(ctx, b, repoAbs, dir, name, out, depth + 1);
      continue;
    }
    const file: SnapshotFile = { path, name };
    if (e.isSymbolicLink()) {
      const target = await readlink(join(abs, e.name)).catch(() => '');
      const blob = resolve(join(abs, e.name), '..', target);
      const blobName = basename(blob);
      if (dirname(blob) === join(repoAbs, 'blobs')) {
        if (SHA256.test(blobName)) file.digest = { algorithm: 'sha256', value: blobName };
        else if (SHA1.test(blobName)) file.digest = { algorithm: 'git-sha1', value: blobName };
      }
      try {
        const st = await stat(join(abs, e.name));
        if (st.isDirectory()) {
          b.finding(path, 'hf-snapshot-link-to-folder', 'warning', `${path} links to a folder, not a blob; not followed`);
          continue;
        }
        file.size = st.size;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') b.finding(path, 'hf-symlink-loop', 'warning', `${path} is a symbolic link loop; the file is not in the cache`);
        else b.finding(path, 'hf-blob-missing', 'warning', `${path} links to ${target}, which is missing: the download is incomplete or the blob was deleted`);
        continue;
      }
    } else {
      file.size = ctx.files.get(path)?.size;
    }
    out.push(file);
  }
}
