import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { dirOf, readBounded } from '../plain/fragment';
import { manifestEntries, type ManifestEntry } from './entries';

/**
 * Directory listings (`<md5>.dir`) in a DVC cache. The scanner skips
 * `.dvc/cache`, so they are read from disk: `files/md5/ab/cdef….dir` (DVC 3)
 * or `ab/cdef….dir` (DVC 2 and 1), below `.dvc/cache` unless the project's
 * config moves it (`[cache] dir = …`, relative to `.dvc`).
 */

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export type ManifestOutcome =
  | { ok: true; entries: ManifestEntry[]; bad: number; where: string; digestMismatch: boolean }
  | { ok: false; reason: 'no-project' | 'absent' | 'unreadable'; message: string };

export class DvcCache {
  private readonly roots = new Map<string, string | null>();
  private readonly caches = new Map<string, string>();
  private readonly manifests = new Map<string, ManifestOutcome>();

  constructor(private readonly storeRoot: string) {}

  /** The nearest store folder at or above `dir` holding a `.dvc` folder. */
  async projectRoot(dir: string): Promise<string | null> {
    if (this.roots.has(dir)) return this.roots.get(dir)!;
    let found: string | null;
    if (await isDir(join(this.storeRoot, dir, '.dvc'))) found = dir;
    else found = dir === '' ? null : await this.projectRoot(dirOf(dir));
    this.roots.set(dir, found);
    return found;
  }

  async cacheDir(project: string): Promise<string> {
    const known = this.caches.get(project);
    if (known) return known;
    const dotDvc = join(this.storeRoot, project, '.dvc');
    let dir = join(dotDvc, 'cache');
    for (const name of ['config', 'config.local']) {
      const read = await readBounded(join(dotDvc, name), 1024 * 1024);
      const configured = read.ok ? configCacheDir(read.bytes.toString('utf8')) : null;
      if (configured) dir = isAbsolute(configured) ? configured : join(dotDvc, configured);
    }
    this.caches.set(project, dir);
    return dir;
  }

  /** The listing of the directory whose `.dir` digest is `hex`, for an entry declared in `declaredIn`'s folder. */
  async manifest(declaredIn: string, hex: string, legacy: boolean): Promise<ManifestOutcome> {
    const project = await this.projectRoot(dirOf(declaredIn));
    if (project === null) return { ok: false, reason: 'no-project', message: `there is no .dvc folder above ${declaredIn} to hold the cache` };
    const cache = await this.cacheDir(project);
    const name = `${hex.slice(0, 2)}/${hex.slice(2)}.dir`;
    const v3 = join(cache, 'files', 'md5', name);
    const v2 = join(cache, name);
    for (const abs of legacy ? [v2, v3] : [v3, v2]) {
      const known = this.manifests.get(abs);
      if (known) return known;
      const read = await readBounded(abs, MAX_MANIFEST_BYTES);
      if (!read.ok && read.missing) continue;
      const where = this.display(abs);
      let outcome: ManifestOutcome;
      if (!read.ok) outcome = { ok: false, reason: 'unreadable', message: `the listing ${where}: ${read.message}` };
      else {
        let list: unknown;
        try {
          list = JSON.parse(read.bytes.toString('utf8'));
        } catch {
          list = undefined;
        }
        if (!Array.isArray(list)) outcome = { ok: false, reason: 'unreadable', message: `the listing ${where} is not a JSON list` };
        else {
          const digestMismatch = createHash('md5').update(read.bytes).digest('hex') !== hex;
          outcome = { ok: true, ...manifestEntries(list), where, digestMismatch };
        }
      }
      this.manifests.set(abs, outcome);
      return outcome;
    }
    return { ok: false, reason: 'absent', message: `the listing is not in the cache (looked for ${this.display(v3)} and ${this.display(v2)})` };
  }

  private display(abs: string): string {
    const root = this.storeRoot.endsWith('/') ? this.storeRoot : `${this.storeRoot}/`;
    return abs.startsWith(root) ? abs.slice(root.length) : abs;
  }
}

/** The `dir` option of the `[cache]` section of a DVC config (configobj's INI dialect). */
export function configCacheDir(text: string): string | null {
  let inCache = false;
  let dir: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[(.*)\]\s*$/.exec(line);
    if (section) {
      inCache = section[1]!.trim().replace(/^(['"])(.*)\1$/, '$2').trim() === 'cache';
      continue;
    }
    const kv = inCache ? /^\s*dir\s*=\s*(.*?)\s*$/.exec(line) : null;
    if (kv) dir = kv[1]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return dir || null;
}

async function isDir(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
}
