/** Commit, tag and tree objects, from their bytes. Names and messages are clipped for props. */

export interface Person {
  name: string;
  email: string;
  /** ISO 8601 with the author's own offset dropped (UTC). */
  date?: string;
  /** Seconds since the epoch. */
  time?: number;
}

export interface Commit {
  tree: string;
  parents: string[];
  author?: Person;
  committer?: Person;
  message: string;
}

export interface AnnotatedTag {
  object: string;
  type: string;
  tag: string;
  tagger?: Person;
  message: string;
}

export interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

export function parsePerson(text: string): Person | undefined {
  const m = /^(.*?)\s*<([^>]*)>\s*(-?\d+)?\s*([+-]\d{4})?\s*$/.exec(text);
  if (!m) return undefined;
  const person: Person = { name: m[1]!.slice(0, 256), email: m[2]!.slice(0, 256) };
  if (m[3] !== undefined) {
    const time = Number(m[3]);
    if (Number.isSafeInteger(time) && Math.abs(time) < 1e13) {
      person.time = time;
      person.date = new Date(time * 1000).toISOString();
    }
  }
  return person;
}

/** Header lines (continuation lines start with a space), a blank line, then the message. */
function headers(data: Buffer): { fields: [string, string][]; message: string } {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const fields: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && fields.length > 0) {
      fields[fields.length - 1]![1] += `\n${line.slice(1)}`;
      continue;
    }
    const sp = line.indexOf(' ');
    if (sp > 0) fields.push([line.slice(0, sp), line.slice(sp + 1)]);
  }
  return { fields, message };
}

export function parseCommit(data: Buffer): Commit | undefined {
  const { fields, message } = headers(data);
  const tree = fields.find(([k]) => k === 'tree')?.[1];
  if (!tree || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(tree)) return undefined;
  const commit: Commit = { tree, parents: fields.filter(([k]) => k === 'parent').map(([, v]) => v), message: message.slice(0, 8192) };
  const author = fields.find(([k]) => k === 'author')?.[1];
  const committer = fields.find(([k]) => k === 'committer')?.[1];
  if (author) commit.author = parsePerson(author);
  if (committer) commit.committer = parsePerson(committer);
  return commit;
}

export function parseTag(data: Buffer): AnnotatedTag | undefined {
  const { fields, message } = headers(data);
  const get = (k: string) => fields.find(([f]) => f === k)?.[1];
  const object = get('object');
  if (!object || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(object)) return undefined;
  const tagger = get('tagger');
  // A signed tag carries its signature at the end of the message.
  const sig = message.indexOf('-----BEGIN ');
  return { object, type: get('type') ?? 'commit', tag: (get('tag') ?? '').slice(0, 512), tagger: tagger ? parsePerson(tagger) : undefined, message: (sig >= 0 ? message.slice(0, sig) : message).trim().slice(0, 8192) };
}

export function parseTree(data: Buffer, hashBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    const nul = sp < 0 ? -1 : data.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 1 + hashBytes > data.length) break;
    entries.push({ mode: data.toString('latin1', i, sp), name: data.toString('utf8', sp + 1, nul), sha: data.toString('hex', nul + 1, nul + 1 + hashBytes) });
    i = nul + 1 + hashBytes;
  }
  return entries;
}

export function subject(message: string): string {
  return (message.split('\n')[0] ?? '').trim().slice(0, 256);
}
