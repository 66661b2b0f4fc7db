import type { Digest } from '../../model';
import { clip, resolveInStore } from '../plain/fragment';
import { isRecord } from '../plain/safe-yaml';

/**
 * One dependency or output as DVC writes it. In `dvc.lock` and `.dvc` files
 * an entry is a mapping (`path`, `md5`, `hash`, `size`, `nfiles`, cloud
 * `etag`/`version_id`, import `repo`); in `dvc.yaml` it is a path, or a
 * one-key mapping of path to flags (`cache`, `persist`, `desc`…).
 *
 * DVC 3 writes `hash: md5` and hashes raw bytes. DVC 2 and 1 write no
 * `hash:`; their MD5 of a text file is taken after CRLF→LF (dvc-data's
 * `istextfile`: no NUL and at most 30% odd bytes in the first 512), hence
 * 'md5-dos2unix'. `<md5>.dir` names a directory by the MD5 of its JSON
 * listing, which lives in the cache.
 */

export interface DvcEntry {
  /** As written. */
  written: string;
  /** Store-relative path, or null when it is a URL or leaves the store. */
  rel: string | null;
  digest?: Digest;
  /** The 32 hex digits of a directory's `.dir` digest. */
  dirMd5?: string;
  legacy: boolean;
  size?: number;
  nfiles?: number;
  /**
   * Files listed inline: a directory out pushed to a version-aware remote
   * (`dvc push` with `version_aware`), which DVC writes as `files:` in place of
   * the `.dir` digest (dvc/output.py `dumpd` with `with_files`).
   */
  files?: ManifestEntry[];
  /** `dvc import`: the repository the data comes from. */
  repo?: { url?: string; rev?: string; revLock?: string };
  /** `dvc import-db`: the database query or table the data comes from (such an entry has no path). */
  db?: { connection?: string; query?: string; table?: string; fileFormat?: string };
  /** Small facts for props: cache, persist, desc, type, labels, etag, version_id, checksum… */
  flags: Record<string, unknown>;
}

export interface ManifestEntry {
  relpath: string;
  md5: string;
  size?: number;
}

const MD5 = /^[0-9a-f]{32}$/i;
const FLAG_KEYS = ['cache', 'persist', 'checkpoint', 'desc', 'type', 'labels', 'remote', 'push', 'etag', 'version_id', 'checksum', 'isexec', 'metric', 'plot'];

/** An entry from `dvc.lock` or a `.dvc` file; a string when it cannot be used (the reason). */
export function lockEntry(raw: unknown, baseDir: string): DvcEntry | string {
  if (isRecord(raw) && raw.path === undefined && isRecord(raw.db)) {
    // dvc/dependency/db.py: `{db: {connection, query | table, file_format}}`.
    const db = { connection: str(raw.db.connection), query: str(raw.db.query), table: str(raw.db.table), fileFormat: str(raw.db.file_format) };
    return { written: `db:${db.connection ?? ''}`, rel: null, legacy: raw.hash === undefined, flags: flagsOf(raw), db };
  }
  if (!isRecord(raw) || typeof raw.path !== 'string') return 'an entry has no path';
  const entry: DvcEntry = { written: raw.path, rel: resolveInStore(baseDir, raw.path), legacy: raw.hash === undefined, flags: flagsOf(raw) };
  if (typeof raw.size === 'number') entry.size = raw.size;
  if (typeof raw.nfiles === 'number') entry.nfiles = raw.nfiles;
  const md5 = typeof raw.md5 === 'string' ? raw.md5.toLowerCase() : undefined;
  if (md5 !== undefined) {
    if (md5.endsWith('.dir') && MD5.test(md5.slice(0, 32))) entry.dirMd5 = md5.slice(0, 32);
    else if (MD5.test(md5) && (raw.hash === undefined || raw.hash === 'md5')) entry.digest = { algorithm: entry.legacy ? 'md5-dos2unix' : 'md5', value: md5 };
    else entry.flags.md5 = clip(md5, 80);
  }
  if (raw.hash !== undefined && raw.hash !== 'md5') entry.flags.hash = clip(String(raw.hash), 40);
  if (Array.isArray(raw.files)) entry.files = manifestEntries(raw.files).entries;
  if (isRecord(raw.repo)) {
    const r = raw.repo;
    entry.repo = { url: str(r.url), rev: str(r.rev), revLock: str(r.rev_lock) };
  }
  return entry;
}

/** An entry from `dvc.yaml`: `path` or `{path: {flags}}`. */
export function pipelineEntry(raw: unknown, baseDir: string): DvcEntry | string {
  if (typeof raw === 'string') return { written: raw, rel: resolveInStore(baseDir, raw), legacy: false, flags: {} };
  if (isRecord(raw)) {
    const keys = Object.keys(raw);
    if (keys.length === 1) {
      const written = keys[0]!;
      const flags = isRecord(raw[written]) ? flagsOf(raw[written] as Record<string, unknown>) : {};
      return { written, rel: resolveInStore(baseDir, written), legacy: false, flags };
    }
  }
  return 'an entry is neither a path nor a mapping of one path to its flags';
}

/** Entries of a `.dir` listing: `[{relpath, md5, size?}]`; bad entries are counted. */
export function manifestEntries(list: unknown[]): { entries: ManifestEntry[]; bad: number } {
  const entries: ManifestEntry[] = [];
  let bad = 0;
  for (const e of list) {
    if (!isRecord(e) || typeof e.relpath !== 'string' || e.relpath.startsWith('/') || e.relpath.split('/').includes('..')) {
      bad++;
      continue;
    }
    if (typeof e.md5 !== 'string' || !MD5.test(e.md5)) {
      if (e.md5 !== undefined) bad++;
      continue; // cloud-versioned entries carry an etag instead
    }
    entries.push({ relpath: e.relpath, md5: e.md5.toLowerCase(), size: typeof e.size === 'number' ? e.size : undefined });
  }
  return { entries, bad };
}

function flagsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const k of FLAG_KEYS) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') flags[k] = clip(v);
    else if (typeof v === 'number' || typeof v === 'boolean') flags[k] = v;
    else if (Array.isArray(v)) flags[k] = v.slice(0, 20).map((x) => clip(String(x)));
  }
  return flags;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? clip(v, 512) : undefined;
}

/** Removes a password from a URL's user info, so a token pasted into a remote never lands in the workspace. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_all, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return userinfo.includes(':') ? `${scheme}${user}:***@` : `${scheme}${userinfo}@`;
  });
}
