import type { ObjectStore } from './objects';
import { parseCommit, parseTree, type Commit, type TreeEntry } from './parse';

/**
 * The commit that last touched each of a set of paths: walk first parents
 * back from HEAD and find, for each path, the newest commit whose tree holds
 * a different blob there than its parent's (or that added it). Subtrees with
 * the same object name are skipped whole, so a commit costs only the trees
 * on the paths it changed. Merges are seen through their first parent, as
 * `git log --first-parent` does.
 */

export interface History {
  /** path → commit that last touched it */
  touched: Map<string, string>;
  commits: Map<string, Commit>;
  walked: number;
  /** Why the walk stopped before the root, if it did. */
  stoppedAt?: { commit: string; reason: 'limit' | 'shallow' | 'missing' | 'corrupt'; message?: string };
}

type Trie = Map<string, Trie | true>;

export async function lastTouching(objects: ObjectStore, head: string, paths: string[], opts: { maxCommits: number; shallow: Set<string> }): Promise<History> {
  const history: History = { touched: new Map(), commits: new Map(), walked: 0 };
  let remaining = trieOf(paths);
  let sha = head;
  let commit = await readCommit(objects, sha);
  if (!commit) return { ...history, stoppedAt: { commit: head, reason: 'missing' } };
  // Paths not in HEAD's tree were never committed there: nothing to find.
  try {
    remaining = await present(objects, commit.tree, remaining);
  } catch (e) {
    if (e instanceof MissingTree) return { ...history, stoppedAt: { commit: head, reason: 'missing', message: e.message } };
    throw e;
  }
  while (remaining.size > 0) {
    history.commits.set(sha, commit);
    history.walked++;
    const parentSha = commit.parents[0];
    if (parentSha === undefined) {
      for (const p of flatten(remaining)) history.touched.set(p, sha); // the root commit added them
      break;
    }
    if (history.walked >= opts.maxCommits) return { ...history, stoppedAt: { commit: sha, reason: 'limit' } };
    if (opts.shallow.has(sha)) return { ...history, stoppedAt: { commit: sha, reason: 'shallow' } };
    let parent: Commit | undefined;
    try {
      parent = await readCommit(objects, parentSha);
    } catch (e) {
      return { ...history, stoppedAt: { commit: parentSha, reason: 'corrupt', message: (e as Error).message } };
    }
    if (!parent) return { ...history, stoppedAt: { commit: parentSha, reason: 'missing' } };
    if (parent.tree !== commit.tree) {
      let paths: string[];
      try {
        paths = await changed(objects, commit.tree, parent.tree, remaining, '');
      } catch (e) {
        if (e instanceof MissingTree) return { ...history, stoppedAt: { commit: parentSha, reason: 'missing', message: e.message } };
        throw e;
      }
      for (const p of paths) {
        history.touched.set(p, sha);
        remove(remaining, p);
      }
    }
    sha = parentSha;
    commit = parent;
  }
  return history;
}

export async function readCommit(objects: ObjectStore, sha: string): Promise<Commit | undefined> {
  const obj = await objects.read(sha);
  if (!obj || obj.type !== 'commit') return undefined;
  return parseCommit(obj.data);
}

/** A tree the walk needs is not on disk (a partial clone made with --filter=tree:0 fetches such trees on demand). */
class MissingTree extends Error {
  constructor(readonly sha: string) {
    super(`tree ${sha} is not in the object store`);
  }
}

async function readTree(objects: ObjectStore, sha: string | undefined): Promise<Map<string, TreeEntry>> {
  if (!sha) return new Map();
  const obj = await objects.read(sha);
  // Without the tree nothing can be said of what changed: the walk stops rather than blame every path on this commit.
  if (!obj) throw new MissingTree(sha);
  if (obj.type !== 'tree') return new Map();
  return new Map(parseTree(obj.data, objects.hashBytes).map((e) => [e.name, e]));
}

/** The paths of `trie` whose entry differs between two trees (absent on one side counts as different). */
async function changed(objects: ObjectStore, a: string | undefined, b: string | undefined, trie: Trie, prefix: string): Promise<string[]> {
  if (a === b) return [];
  const [ta, tb] = await Promise.all([readTree(objects, a), readTree(objects, b)]);
  const out: string[] = [];
  for (const [name, sub] of trie) {
    const ea = ta.get(name);
    const eb = tb.get(name);
    if (ea?.sha === eb?.sha && ea?.mode === eb?.mode) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    if (sub === true) out.push(path);
    else out.push(...(await changed(objects, isTree(ea) ? ea!.sha : undefined, isTree(eb) ? eb!.sha : undefined, sub, path)));
  }
  return out;
}

/** The part of `trie` whose paths exist in the tree. */
async function present(objects: ObjectStore, tree: string, trie: Trie): Promise<Trie> {
  const entries = await readTree(objects, tree);
  const out: Trie = new Map();
  for (const [name, sub] of trie) {
    const e = entries.get(name);
    if (!e) continue;
    if (sub === true) {
      if (!isTree(e)) out.set(name, true);
    } else if (isTree(e)) {
      const inner = await present(objects, e.sha, sub);
      if (inner.size > 0) out.set(name, inner);
    }
  }
  return out;
}

function isTree(e: TreeEntry | undefined): boolean {
  return e?.mode === '40000' || e?.mode === '040000';
}

function trieOf(paths: string[]): Trie {
  const root: Trie = new Map();
  for (const p of paths) {
    const segs = p.split('/');
    let t = root;
    segs.forEach((s, i) => {
      if (i === segs.length - 1) {
        if (!t.has(s)) t.set(s, true);
        return;
      }
      let next = t.get(s);
      if (next === undefined || next === true) t.set(s, (next = new Map()));
      t = next;
    });
  }
  return root;
}

function flatten(trie: Trie, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, sub] of trie) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (sub === true) out.push(path);
    else out.push(...flatten(sub, path));
  }
  return out;
}

function remove(trie: Trie, path: string): void {
  const segs = path.split('/');
  const stack: [Trie, string][] = [];
  let t: Trie | true | undefined = trie;
  for (const s of segs) {
    if (t === true || t === undefined) return;
    stack.push([t, s]);
    t = t.get(s);
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const [parent, name] = stack[i]!;
    const child = parent.get(name);
    if (child === true || (child instanceof Map && child.size === 0)) parent.delete(name);
    else break;
  }
}
