import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { redactUrl } from '../dvc/entries';
import { readReftableStack, type ReftableRef } from './reftable';

/**
 * A git repository found from its `.git`: a folder, or a file holding
 * `gitdir: <path>` (worktrees, submodules). A worktree's gitdir names the
 * shared one in `commondir`, where refs, packed-refs, objects and config
 * live; HEAD and the index are the worktree's own.
 */

export interface GitRepo {
  /** The folder holding `.git` (absolute). */
  workTree: string;
  /** The `.git` folder or file (absolute). */
  dotGit: string;
  gitDir: string;
  commonDir: string;
  hashBytes: 20 | 32;
  config: GitConfig;
}

export type GitConfig = Map<string, string[]>;

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export type OpenOutcome = { ok: true; repo: GitRepo } | { ok: false; file: string; message: string };

/** Opens the repository whose work tree is `workTree`; undefined when there is no `.git` there. */
export async function openRepo(workTree: string): Promise<OpenOutcome | undefined> {
  const dotGit = join(workTree, '.git');
  let st;
  try {
    st = await lstat(dotGit);
  } catch {
    return undefined;
  }
  let gitDir = dotGit;
  if (st.isFile()) {
    const text = await readFile(dotGit, 'utf8').catch(() => '');
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(text.slice(0, 4096));
    if (!m) return { ok: false, file: dotGit, message: '.git is a file but does not say "gitdir: <path>"' };
    gitDir = isAbsolute(m[1]!) ? m[1]! : resolve(workTree, m[1]!);
  } else if (!st.isDirectory()) return undefined;
  if (!(await isDir(gitDir))) return { ok: false, file: dotGit, message: `the git directory ${gitDir} does not exist` };
  let commonDir = gitDir;
  const common = await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => undefined);
  if (common?.trim()) commonDir = isAbsolute(common.trim()) ? common.trim() : resolve(gitDir, common.trim());
  const config = parseConfig(await readFile(join(commonDir, 'config'), 'utf8').catch(() => ''));
  const format = config.get('extensions.objectformat')?.[0]?.toLowerCase();
  return { ok: true, repo: { workTree, dotGit, gitDir, commonDir, hashBytes: format === 'sha256' ? 32 : 20, config } };
}

/** git's config syntax, flattened to `section.sub.key` (section and key lower-cased, subsection kept). */
export function parseConfig(text: string): GitConfig {
  const out: GitConfig = new Map();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (head) {
      const [name, sub] = [head[1]!.toLowerCase(), head[2]];
      section = sub !== undefined ? `${name}.${sub.replace(/\\(.)/g, '$1')}` : name;
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!kv || !section) continue;
    let value = (kv[2] ?? 'true').replace(/\s+[#;].*$/, '');
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const key = `${section}.${kv[1]!.toLowerCase()}`;
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

/** Remote URLs by name, with any password removed. */
export function remotes(config: GitConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of config) {
    const m = /^remote\.(.+)\.url$/.exec(key);
    if (m && values[0]) out[m[1]!] = redactUrl(values[0]);
  }
  return out;
}

export type Head = { kind: 'ref'; ref: string; sha?: string } | { kind: 'detached'; sha: string } | { kind: 'invalid'; message: string };

export class Refs {
  private packed?: Map<string, { sha: string; peeled?: string }>;
  private tables?: { shared: Map<string, ReftableRef>; own: Map<string, ReftableRef>; problems: string[] } | null;

  constructor(private readonly repo: GitRepo) {}

  /**
   * A reftable repository's refs: the shared stack in the common dir, and a
   * worktree's own (its HEAD) in its git dir. Null for the files backend.
   */
  async reftables(): Promise<{ shared: Map<string, ReftableRef>; own: Map<string, ReftableRef>; problems: string[] } | null> {
    if (this.tables !== undefined) return this.tables;
    if ((await this.refStorage()) !== 'reftable') return (this.tables = null);
    const shared = await readReftableStack(this.repo.commonDir);
    const own = this.repo.gitDir === this.repo.commonDir ? undefined : await readReftableStack(this.repo.gitDir);
    const problems = [...(shared?.problems ?? ['reftable/tables.list cannot be read']), ...(own?.problems ?? [])];
    return (this.tables = { shared: shared?.refs ?? new Map(), own: own?.refs ?? new Map(), problems });
  }

  /** A ref of a reftable repository, following symbolic refs. */
  private async fromTables(ref: string, depth = 0): Promise<string | undefined> {
    const t = await this.reftables();
    if (!t || depth > 5) return undefined;
    const r = (ref === 'HEAD' || !ref.startsWith('refs/') ? t.own.get(ref) : undefined) ?? t.shared.get(ref);
    if (!r) return undefined;
    return r.symref ? this.fromTables(r.symref, depth + 1) : r.sha;
  }

  async head(): Promise<Head> {
    const tables = await this.reftables();
    if (tables) {
      // HEAD the file is a stub (`ref: refs/heads/.invalid`) for older gits; the table holds the real one.
      const h = tables.own.get('HEAD') ?? tables.shared.get('HEAD');
      if (!h) return { kind: 'invalid', message: 'the reftable holds no HEAD' };
      if (h.symref) return { kind: 'ref', ref: h.symref, sha: await this.fromTables(h.symref) };
      if (h.sha) return { kind: 'detached', sha: h.sha };
      return { kind: 'invalid', message: 'the reftable HEAD has no value' };
    }
    const text = await readFile(join(this.repo.gitDir, 'HEAD'), 'utf8').catch((e: Error) => ({ error: e.message }));
    if (typeof text !== 'string') return { kind: 'invalid', message: `HEAD cannot be read: ${text.error}` };
    const line = text.slice(0, 1024).trim();
    const sym = /^ref:\s*(refs\/\S+)$/.exec(line);
    if (sym) return { kind: 'ref', ref: sym[1]!, sha: await this.resolve(sym[1]!) };
    if (SHA.test(line)) return { kind: 'detached', sha: line };
    return { kind: 'invalid', message: `HEAD holds neither "ref: refs/…" nor a commit id: "${line.slice(0, 60)}"` };
  }

  /** A ref's target, following symbolic refs (at most 5 deep): loose file first, then packed-refs. */
  async resolve(ref: string, depth = 0): Promise<string | undefined> {
    if (depth > 5 || ref.includes('..')) return undefined;
    if (await this.reftables()) return this.fromTables(ref);
    for (const dir of ref.startsWith('refs/') ? [this.repo.gitDir, this.repo.commonDir] : [this.repo.gitDir]) {
      const text = await readFile(join(dir, ref), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const line = text.trim();
      const sym = /^ref:\s*(\S+)$/.exec(line);
      if (sym) return this.resolve(sym[1]!, depth + 1);
      if (SHA.test(line)) return line;
      return undefined;
    }
    return (await this.packedRefs()).get(ref)?.sha;
  }

  /** Every tag: name → {sha of the ref, peeled commit when packed-refs knows it, where it was read}. */
  async tags(): Promise<Map<string, { sha: string; peeled?: string; file: string }>> {
    const tags = new Map<string, { sha: string; peeled?: string; file: string }>();
    const tables = await this.reftables();
    if (tables) {
      for (const [ref, r] of tables.shared) {
        if (ref.startsWith('refs/tags/') && r.sha) tags.set(ref.slice(10), { sha: r.sha, peeled: r.peeled, file: r.file });
      }
      return tags;
    }
    for (const [ref, v] of await this.packedRefs()) {
      if (ref.startsWith('refs/tags/')) tags.set(ref.slice(10), { ...v, file: join(this.repo.commonDir, 'packed-refs') });
    }
    const walk = async (rel: string, depth: number) => {
      if (depth > 16 || tags.size > 100_000) return;
      const entries = await readdir(join(this.repo.commonDir, rel), { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const child = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(child, depth + 1);
        else if (e.isFile()) {
          const line = (await readFile(join(this.repo.commonDir, child), 'utf8').catch(() => '')).trim();
          if (SHA.test(line)) tags.set(child.slice(10), { sha: line, file: join(this.repo.commonDir, child) }); // a loose ref wins over a packed one
        }
      }
    };
    await walk('refs/tags', 0);
    return tags;
  }

  /** `<sha> <ref>` lines; `^<sha>` after a tag is the commit it peels to. */
  async packedRefs(): Promise<Map<string, { sha: string; peeled?: string }>> {
    if (this.packed) return this.packed;
    this.packed = new Map();
    const text = await readFile(join(this.repo.commonDir, 'packed-refs'), 'utf8').catch(() => '');
    let last: { sha: string; peeled?: string } | undefined;
    for (const line of text.split('\n')) {
      if (line.startsWith('^') && last && SHA.test(line.slice(1).trim())) last.peeled = line.slice(1).trim();
      const m = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (refs\/\S+)$/.exec(line.trim());
      if (m) this.packed.set(m[2]!, (last = { sha: m[1]! }));
    }
    return this.packed;
  }

  async refStorage(): Promise<string | undefined> {
    return this.repo.config.get('extensions.refstorage')?.[0];
  }
}

/** Commits a shallow clone was cut at. */
export async function shallowCommits(repo: GitRepo): Promise<Set<string>> {
  const text = await readFile(join(repo.commonDir, 'shallow'), 'utf8').catch(() => '');
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => SHA.test(l)));
}

export async function isDir(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
}

