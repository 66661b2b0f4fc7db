import type { ObjectStore } from './objects';
import { CorruptObject } from './objects';
import { parseTag, type Commit, type Person } from './parse';
import type { Refs } from './repo';
import { readCommit } from './history';

/**
 * Tags with what they point at: lightweight tags name a commit directly;
 * annotated tags are objects (message, tagger, date) naming a commit, or
 * another tag, peeled here up to 8 levels.
 */

export interface TagInfo {
  name: string;
  /** The commit the tag peels to; undefined when its objects are missing. */
  commit?: string;
  annotated: boolean;
  /** The tag object's own id, for annotated tags. */
  object?: string;
  message?: string;
  tagger?: Person;
  /** Where the ref was read: a loose ref file or packed-refs (absolute). */
  file: string;
}

export async function readTags(refs: Refs, objects: ObjectStore, onCorrupt: (e: CorruptObject) => void): Promise<TagInfo[]> {
  const out: TagInfo[] = [];
  for (const [name, ref] of await refs.tags()) {
    const info: TagInfo = { name, annotated: false, file: ref.file };
    let sha = ref.sha;
    try {
      for (let depth = 0; depth < 8; depth++) {
        const obj = await objects.read(sha);
        if (!obj) {
          // Not in the object store (a partial clone): packed-refs may still know the commit.
          if (ref.peeled) info.commit = ref.peeled;
          break;
        }
        if (obj.type === 'commit') {
          info.commit = sha;
          break;
        }
        if (obj.type !== 'tag') break;
        const tag = parseTag(obj.data);
        if (!tag) break;
        if (!info.annotated) Object.assign(info, { annotated: true, object: sha, message: tag.message, tagger: tag.tagger });
        sha = tag.object;
      }
    } catch (e) {
      if (!(e instanceof CorruptObject)) throw e;
      onCorrupt(e);
      if (ref.peeled) info.commit = ref.peeled;
    }
    out.push(info);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function commitKey(sha: string): string {
  return `git:commit:${sha}`;
}

/** Props that describe a commit, for any node keyed `git:commit:<sha>` (`commit` as the MLflow reader names it). */
export function commitProps(sha: string, commit: Commit | undefined): Record<string, unknown> {
  if (!commit) return { commit: sha };
  return {
    commit: sha,
    subject: (commit.message.split('\n')[0] ?? '').trim().slice(0, 256),
    author: commit.author?.name,
    authorEmail: commit.author?.email,
    authorDate: commit.author?.date,
    committerDate: commit.committer?.date,
    parents: commit.parents,
  };
}

export async function tryReadCommit(objects: ObjectStore, sha: string, onCorrupt: (e: CorruptObject) => void): Promise<Commit | undefined> {
  try {
    return await readCommit(objects, sha);
  } catch (e) {
    if (!(e instanceof CorruptObject)) throw e;
    onCorrupt(e);
    return undefined;
  }
}
