import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReaderContext, StoreReader } from '../model';
import { discoverRepos, gitLikely, toStoreRel, workTreePathInStore, type FoundRepo } from './git/discover';
import { lastTouching } from './git/history';
import { MODE, parseIndex, type GitIndex, type IndexEntry } from './git/index-file';
import { CorruptObject, ObjectStore } from './git/objects';
import { Refs, remotes, shallowCommits } from './git/repo';
import { workTreeStatus, type WorkTreeStatus } from './git/status';
import { commitKey, commitProps, readTags, tryReadCommit } from './git/tags';
import { classifyByName } from '../../scan/classify';
import { baseName, fileKey, fileNode, FragmentBuilder, kindOfPath, readBounded } from './plain/fragment';

/**
 * Git repositories in and around a store, read from `.git` without running
 * git: the HEAD commit (branch, tags, remotes, dirty work tree) as a
 * `git:commit:<sha>` node of kind code, and for the store's tracked files
 * the commit that last touched each (a `code` edge to `file:<path>`).
 */

const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** Files followed through history, and commits walked, per repository. */
const MAX_TRACKED_FILES = 2_000;
const MAX_COMMITS = 1_000;
/** Code and "other" files come after checkpoints, data and configs when the cap bites. */
const KIND_ORDER = ['checkpoint', 'dataset', 'config', 'card', 'environment', 'code'];

export const gitReader: StoreReader = {
  id: 'git',
  match: (ctx) => gitLikely(ctx),
  read: async (ctx) => {
    const b = new FragmentBuilder('git');
    const found = await discoverRepos(ctx);
    for (const bad of found.broken) b.finding(bad.path, 'git-dotgit-invalid', 'warning', `${bad.path}: ${bad.message}`);
    if (found.foldersSkipped) b.finding('', 'git-nested-search-capped', 'info', 'the store has too many folders to look for nested repositories in all of them');
    for (const repo of found.repos) await readRepository(ctx, b, repo);
    return b.build();
  },
};

async function readRepository(ctx: ReaderContext, b: FragmentBuilder, found: FoundRepo): Promise<void> {
  const { repo } = found;
  const gitRel = toStoreRel(ctx.root, repo.gitDir);
  const where = found.storeRel || '.';
  const objects = await ObjectStore.open(join(repo.commonDir, 'objects'), repo.hashBytes);
  const corrupt = (e: CorruptObject) => b.finding(toStoreRel(ctx.root, e.file), 'git-object-corrupt', 'warning', `${toStoreRel(ctx.root, e.file)}: ${e.message}`);
  try {
    const refs = new Refs(repo);
    const tables = await refs.reftables();
    for (const problem of tables?.problems ?? []) b.finding(`${gitRel}/reftable`, 'git-reftable-unreadable', 'warning', `${gitRel}/reftable: ${problem}; the refs it holds are unknown`);
    const head = await refs.head();
    if (head.kind === 'invalid') {
      b.finding(`${gitRel}/HEAD`, 'git-head-invalid', 'error', `${gitRel}/HEAD: ${head.message}; the repository's commit is unknown`);
      return;
    }
    const headSha = head.sha;
    if (!headSha) {
      b.finding(`${gitRel}/HEAD`, 'git-no-commits', 'info', `${gitRel}: branch ${head.kind === 'ref' ? head.ref.replace(/^refs\/heads\//, '') : ''} has no commits yet`);
      return;
    }
    const commit = await tryReadCommit(objects, headSha, corrupt);
    const tags = await readTags(refs, objects, corrupt);
    const index = await readIndex(ctx, b, found, gitRel);
    const status = index ? await statusInStore(ctx, found, index, objects) : undefined;

    const key = commitKey(headSha);
    const urls = remotes(repo.config);
    b.node({
      key,
      kind: 'code',
      label: `${headSha.slice(0, 10)}${commit ? ` ${commitProps(headSha, commit).subject as string}` : ''}`,
      props: {
        ...commitProps(headSha, commit),
        head: true,
        workTree: where,
        branch: head.kind === 'ref' && head.ref.startsWith('refs/heads/') ? head.ref.slice(11) : undefined,
        detached: head.kind === 'detached' || undefined,
        dirty: status?.status.dirty,
        dirtyFiles: status ? { ...status.status.counts, modified: status.status.modified, deleted: status.status.deleted, statChanged: status.status.statChanged } : undefined,
        dirtyScope: status?.scope,
        remoteUrl: urls.origin ?? Object.values(urls)[0],
        remotes: urls,
      },
      evidence: [{ file: `${gitRel}/HEAD`, detail: head.kind === 'ref' ? `HEAD: ${head.ref}` : 'HEAD (detached)' }],
    });
    if (!commit && (await objects.locate(headSha)) === undefined) {
      b.finding(`${gitRel}/HEAD`, 'git-commit-missing', 'warning', `${gitRel}: HEAD names ${headSha}, which is not in the object store`);
    }
    // Every tagged commit, with its tags; an annotated tag keeps its message, tagger and date.
    for (const t of tags) {
      if (!t.commit) continue;
      const tagged = t.commit === headSha ? commit : await tryReadCommit(objects, t.commit, corrupt);
      const n = b.node({ key: commitKey(t.commit), kind: 'code', label: `${t.commit.slice(0, 10)} (${t.name})`, props: { ...commitProps(t.commit, tagged), tags: [], tagDetails: [] }, evidence: [{ file: toStoreRel(ctx.root, t.file), detail: `tag ${t.name}` }] });
      (n.props.tags as string[]).push(t.name);
      if (t.annotated) (n.props.tagDetails as unknown[]).push({ name: t.name, message: t.message, tagger: t.tagger?.name, date: t.tagger?.date });
    }
    if (index && commit) await linkHistory(ctx, b, found, gitRel, index, objects, headSha, status?.unclean ?? new Set());
  } catch (e) {
    if (!(e instanceof CorruptObject)) throw e;
    corrupt(e);
  } finally {
    await objects.close();
  }
}

async function readIndex(ctx: ReaderContext, b: FragmentBuilder, found: FoundRepo, gitRel: string): Promise<GitIndex | undefined> {
  const read = await readBounded(join(found.repo.gitDir, 'index'), MAX_INDEX_BYTES);
  if (!read.ok) {
    if (!read.missing) b.finding(`${gitRel}/index`, 'git-index-unreadable', 'warning', `${gitRel}/index: ${read.message}; the work tree's state is unknown`);
    return undefined;
  }
  const index = parseIndex(read.bytes, found.repo.hashBytes);
  if (typeof index === 'string') {
    b.finding(`${gitRel}/index`, 'git-index-invalid', 'warning', `${gitRel}/index: ${index}; the work tree's state is unknown`);
    return undefined;
  }
  for (const p of index.problems) b.finding(`${gitRel}/index`, 'git-index-corrupt', 'warning', `${gitRel}/index: ${p}`);
  if (index.extensions.includes('link')) b.finding(`${gitRel}/index`, 'git-split-index', 'info', `${gitRel}/index is a split index; entries kept in its shared index are not read`);
  return index;
}

/** The work tree's state; for a repository around the store, only the entries inside the store count. */
async function statusInStore(ctx: ReaderContext, found: FoundRepo, index: GitIndex, objects: ObjectStore): Promise<{ status: WorkTreeStatus; scope: string; unclean: Set<string> }> {
  const inside = found.storeRel === '' || !found.storeRel.startsWith('..');
  const entries = inside ? index.entries : index.entries.filter((e) => workTreePathInStore(ctx.root, found, e.path) !== null);
  const indexMtime = await stat(join(found.repo.gitDir, 'index'), { bigint: true }).then((s) => s.mtimeNs).catch(() => 0n);
  const status = await workTreeStatus(found.repo.workTree, { ...index, entries }, indexMtime, objects, (p) => {
    const rel = workTreePathInStore(ctx.root, found, p);
    return rel === null ? undefined : ctx.files.get(rel)?.sha256;
  });
  return { status, scope: inside ? 'repository' : 'store', unclean: new Set([...status.modified, ...status.deleted, ...status.statChanged]) };
}

async function linkHistory(ctx: ReaderContext, b: FragmentBuilder, found: FoundRepo, gitRel: string, index: GitIndex, objects: ObjectStore, headSha: string, unclean: Set<string>): Promise<void> {
  const tracked = index.entries
    .filter((e) => e.stage === 0 && (e.mode & MODE.typeMask) === MODE.file)
    .map((e) => ({ e, rel: workTreePathInStore(ctx.root, found, e.path) }))
    .filter((x): x is { e: IndexEntry; rel: string } => x.rel !== null && ctx.files.has(x.rel) && classifyByName(baseName(x.rel)).kind !== 'other')
    .sort((a, b2) => rank(a.rel) - rank(b2.rel) || a.rel.localeCompare(b2.rel));
  if (tracked.length > MAX_TRACKED_FILES) b.finding(gitRel, 'git-history-capped', 'info', `${gitRel}: ${tracked.length} tracked files; the last commit is found for the first ${MAX_TRACKED_FILES} (checkpoints, data and configs first)`);
  const chosen = tracked.slice(0, MAX_TRACKED_FILES);
  const history = await lastTouching(objects, headSha, chosen.map((x) => x.e.path), { maxCommits: MAX_COMMITS, shallow: await shallowCommits(found.repo) });
  if (history.stoppedAt) {
    const why = { limit: `after ${MAX_COMMITS} commits`, shallow: 'at the edge of a shallow clone', missing: history.stoppedAt.message ? `at ${history.stoppedAt.commit}: ${history.stoppedAt.message} (a partial clone leaves such objects on the server)` : `at ${history.stoppedAt.commit}, which is not in the object store`, corrupt: `at ${history.stoppedAt.commit}: ${history.stoppedAt.message ?? 'a damaged object'}` }[history.stoppedAt.reason];
    b.finding(gitRel, 'git-history-truncated', 'info', `${gitRel}: the history walk stopped ${why}; files changed only before that have no last commit`);
  }
  for (const { e, rel } of chosen) {
    const sha = history.touched.get(e.path);
    if (!sha) continue;
    const key = commitKey(sha);
    b.node({ key, kind: 'code', label: `${sha.slice(0, 10)} ${commitProps(sha, history.commits.get(sha)).subject as string}`, props: commitProps(sha, history.commits.get(sha)), evidence: [{ file: gitRel, detail: 'commit history' }] });
    const digests = !unclean.has(e.path) && (await isBlobOf(join(found.repo.workTree, e.path), e.sha, objects.hashBytes)) ? [{ algorithm: 'git-sha1' as const, value: e.sha }] : undefined;
    b.node(fileNode(ctx, rel, { digests, props: { git: { lastCommit: sha, workTree: found.storeRel || '.' } } }));
    b.edge(key, fileKey(rel), 'code', 'declared', { file: gitRel, detail: `last commit touching ${e.path}` });
  }
}

/**
 * Files up to this size are hashed as git blobs to confirm the index's object
 * name is their content's (configs, code, small data: what git itself keeps;
 * weights go through LFS). Bigger files get no git blob id: confirming one
 * would read it on every lineage pass.
 */
const MAX_BLOB_CHECK = 256 * 1024;

/**
 * The index names the object git stored, which is the file's own bytes only
 * when no filter stood between them: a Git LFS file's object is its pointer,
 * a CRLF checkout's is the text with LF endings. The name is a digest of the
 * file only when hashing the file as a blob gives it.
 */
async function isBlobOf(abs: string, sha: string, hashBytes: 20 | 32): Promise<boolean> {
  if (hashBytes !== 20) return false;
  const read = await readBounded(abs, MAX_BLOB_CHECK);
  if (!read.ok) return false; // bigger than the limit, or unreadable: not confirmed
  return createHash('sha1').update(`blob ${read.bytes.length}\0`).update(read.bytes).digest('hex') === sha;
}

function rank(rel: string): number {
  const i = KIND_ORDER.indexOf(kindOfPath(rel));
  return i < 0 ? KIND_ORDER.length : i;
}
