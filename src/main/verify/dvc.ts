import { createHash } from 'node:crypto';
import { configCacheDir } from '../lineage/readers/dvc/cache';
import { statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Severity } from '../../shared/domain';
import type { Collected, DigestAlgorithm } from './types';
import { baseName, dirOf, isPlainRelative, joinRel, resolveDeclaredPath, type Scope } from './paths';
import { DECLARING_FILE_CAP, isRecord, MANIFEST_CAP, parseJsonText, parseYamlText, readBounded } from './read';

/**
 * Digests a DVC project declares: `dvc.lock` (schema 2.0, and DVC 1's lock
 * without a schema key) and `.dvc` files. Paths are relative to the declaring
 * file's folder (and the stage's `wdir`). Entries with `hash: md5` are DVC 3's
 * plain MD5; entries without are DVC 2's, where text files were hashed with
 * CRLF turned into LF. A directory out (`<md5>.dir`) is listed by a manifest
 * in the cache, `files/md5/ab/cdef….dir` (DVC 3) or `ab/cdef….dir` (DVC 2),
 * which the scanner does not index: it is read from disk here.
 */

export interface StoreView {
  /** Absolute store folder. */
  root: string;
  /** Indexed store-relative paths. */
  paths: readonly string[];
}

const MD5 = /^[0-9a-f]{32}$/i;
const DVC_MD5 = /^[0-9a-f]{32}(\.dir)?$/i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Unlisted files reported one by one per directory out; the rest are counted. */
const UNLISTED_SHOWN = 20;

interface EntryContext {
  declaredBy: string;
  /** `dvc.lock: stage train, outs` */
  source: string;
  baseDir: string;
}

interface ManifestEntry {
  relpath: string;
  md5: string;
  size: number | null;
}

export function collectDvc(store: StoreView, scope: Scope, sink: Collected): void {
  const dvc = new DvcReader(store, scope, sink);
  for (const rel of store.paths) {
    if (rel === '.dvc' || rel.startsWith('.dvc/') || rel.includes('/.dvc/')) continue; // DVC's own folder
    const name = baseName(rel);
    if (name === 'dvc.lock') dvc.readLock(rel);
    else if ((name.endsWith('.dvc') && name !== '.dvc') || name === 'Dvcfile') dvc.readDvcFile(rel); // Dvcfile: DVC 0.x's stage file
  }
}

class DvcReader {
  private readonly roots = new Map<string, string | null>();
  private readonly caches = new Map<string, string>();
  private readonly ignores = new Map<string, Ignore | null>();
  private ignoreFiles?: Set<string>;
  private readonly manifests = new Map<string, { entries: ManifestEntry[]; where: string } | null>();
  /** Directory outs whose unlisted files were reported (a stage's out is often the next stage's dep). */
  private readonly dirsSeen = new Set<string>();

  constructor(
    private readonly store: StoreView,
    private readonly scope: Scope,
    private readonly sink: Collected,
  ) {}

  private finding(path: string, code: string, severity: Severity, message: string): void {
    this.sink.findings.push({ path, code, severity, message });
  }

  private readYaml(rel: string, code: string): { ok: true; value: unknown } | { ok: false } {
    const read = readBounded(join(this.store.root, rel), DECLARING_FILE_CAP);
    if (!read.ok) {
      this.finding(rel, code, 'error', `${rel}: ${read.message}; its digests were not checked`);
      return { ok: false };
    }
    const parsed = parseYamlText(read.bytes.toString('utf8'));
    if (!parsed.ok) {
      this.finding(rel, code, 'error', `${rel}: ${parsed.message}; its digests were not checked`);
      return { ok: false };
    }
    return parsed;
  }

  readLock(rel: string): void {
    const doc = this.readYaml(rel, 'dvc-lock-invalid');
    if (!doc.ok || doc.value === null || doc.value === undefined) return;
    if (!isRecord(doc.value)) return this.finding(rel, 'dvc-lock-invalid', 'error', `${rel}: the top level is not a mapping; its digests were not checked`);
    let stages: unknown;
    if ('schema' in doc.value) {
      if (String(doc.value.schema) !== '2.0') {
        return this.finding(rel, 'dvc-lock-schema-unknown', 'error', `${rel}: unknown dvc.lock schema "${String(doc.value.schema)}" (known: 2.0, and DVC 1's lock without a schema key); its digests were not checked`);
      }
      stages = doc.value.stages ?? {};
    } else stages = doc.value; // DVC 1: the stages are the top level
    if (!isRecord(stages)) return this.finding(rel, 'dvc-lock-invalid', 'error', `${rel}: "stages" is not a mapping; its digests were not checked`);
    const wdirs = this.stageWdirs(dirOf(rel));
    for (const [name, stage] of Object.entries(stages)) {
      if (!isRecord(stage)) {
        this.finding(rel, 'dvc-stage-invalid', 'warning', `${rel}: stage ${name} is not a mapping; skipped`);
        continue;
      }
      const wdir = wdirs.get(name) ?? wdirs.get(name.split('@')[0]!) ?? '.';
      if (wdir.includes('${')) {
        this.finding(rel, 'dvc-wdir-templated', 'info', `${rel}: stage ${name} has a templated wdir (${wdir}) in dvc.yaml; its paths cannot be placed, so it was skipped`);
        continue;
      }
      for (const key of ['deps', 'outs'] as const) {
        this.entries(stage[key], { declaredBy: rel, source: `${rel}: stage ${name}, ${key}`, baseDir: posix.join(dirOf(rel) || '.', wdir) });
      }
    }
  }

  readDvcFile(rel: string): void {
    const doc = this.readYaml(rel, 'dvc-file-invalid');
    if (!doc.ok || doc.value === null || doc.value === undefined) return;
    if (!isRecord(doc.value)) return this.finding(rel, 'dvc-file-invalid', 'error', `${rel}: the top level is not a mapping; its digests were not checked`);
    const wdir = typeof doc.value.wdir === 'string' ? doc.value.wdir : '.';
    for (const key of ['outs', 'deps'] as const) {
      this.entries(doc.value[key], { declaredBy: rel, source: `${rel}: ${key}`, baseDir: posix.join(dirOf(rel) || '.', wdir) });
    }
  }

  /** The `wdir` of each stage of the dvc.yaml beside a dvc.lock: lock paths are relative to it. */
  private stageWdirs(dir: string): Map<string, string> {
    const wdirs = new Map<string, string>();
    const rel = joinRel(dir, 'dvc.yaml');
    const read = readBounded(join(this.store.root, rel), DECLARING_FILE_CAP);
    if (!read.ok) return wdirs; // no dvc.yaml: every stage runs in the lock's folder
    const parsed = parseYamlText(read.bytes.toString('utf8'));
    if (!parsed.ok) {
      this.finding(rel, 'dvc-yaml-invalid', 'warning', `${rel}: ${parsed.message}; stage folders (wdir) were taken to be ${dir || 'the store root'}`);
      return wdirs;
    }
    const stages = isRecord(parsed.value) ? parsed.value.stages : undefined;
    if (!isRecord(stages)) return wdirs;
    for (const [name, def] of Object.entries(stages)) {
      if (!isRecord(def)) continue;
      const wdir = def.wdir ?? (isRecord(def.do) ? def.do.wdir : undefined);
      if (typeof wdir === 'string') wdirs.set(name, wdir);
    }
    return wdirs;
  }

  private entries(list: unknown, c: EntryContext): void {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) return this.finding(c.declaredBy, 'dvc-entry-invalid', 'warning', `${c.source}: not a list; skipped`);
    for (const raw of list) this.entry(raw, c);
  }

  private entry(raw: unknown, c: EntryContext): void {
    const here = this.scope.contains(c.declaredBy);
    if (isRecord(raw) && raw.path === undefined && isRecord(raw.db)) return; // `dvc import-db`: a query, no file to check
    if (!isRecord(raw) || typeof raw.path !== 'string') {
      if (here) this.finding(c.declaredBy, 'dvc-entry-invalid', 'warning', `${c.source}: an entry has no path; skipped`);
      return;
    }
    const written = raw.path;
    // Imports from another repository and URLs: the digest describes a file elsewhere.
    if (raw.repo !== undefined || URL_LIKE.test(written) || written.startsWith('remote://')) return;
    let algorithm: 'md5' | 'md5-dos2unix';
    if (raw.hash === undefined) algorithm = 'md5-dos2unix';
    else if (raw.hash === 'md5') algorithm = 'md5';
    else {
      if (here) this.finding(c.declaredBy, 'dvc-hash-unsupported', 'info', `${c.source}: ${written}: hash "${String(raw.hash)}" is not one Pedigree computes; not checked`);
      return;
    }
    // A directory pushed to a version-aware remote lists its files inline (`files:`) instead of a `.dir` digest.
    const inline = (raw.md5 === undefined || raw.md5 === null) && Array.isArray(raw.files);
    if ((raw.md5 === undefined || raw.md5 === null) && !inline) return; // a cloud-versioned file (etag) or never computed
    const md5 = inline ? '' : String(raw.md5).toLowerCase();
    if (!inline && !DVC_MD5.test(md5)) {
      if (here) this.finding(c.declaredBy, 'dvc-digest-malformed', 'warning', `${c.source}: ${written}: md5 "${String(raw.md5)}" is not an MD5; not checked`);
      return;
    }
    const resolved = resolveDeclaredPath(this.store.root, c.baseDir, written);
    if (!resolved.ok) {
      if (here) this.finding(c.declaredBy, 'dvc-path-outside-store', 'info', `${c.source}: ${resolved.reason}; not checked`);
      return;
    }
    const rel = resolved.rel;
    if (!this.scope.touches(rel)) return;
    if (inline) return this.directory(rel, `files:${c.declaredBy}:${written}`, algorithm, raw.files, c);
    const size = typeof raw.size === 'number' ? raw.size : null;
    if (md5.endsWith('.dir')) return this.directory(rel, md5.slice(0, 32), algorithm, raw.files, c);
    if (this.scope.contains(rel)) this.sink.declarations.push({ path: rel, algorithm, digest: md5, size, source: c.source });
  }

  /** A directory out: each file its manifest lists, and the files it does not list. */
  private directory(rel: string, hex: string, algorithm: DigestAlgorithm, inline: unknown, c: EntryContext): void {
    let listing: { entries: ManifestEntry[]; where: string } | null;
    if (Array.isArray(inline)) listing = { entries: this.manifestEntries(inline, c.declaredBy, c.source), where: c.declaredBy };
    else listing = this.manifest(rel, hex, algorithm, c);
    if (!listing) return;
    const source = listing.where === c.declaredBy ? c.source : `${c.source} (manifest ${listing.where})`;
    const listed = new Set<string>();
    for (const e of listing.entries) {
      const path = joinRel(rel, e.relpath);
      listed.add(path);
      if (this.scope.contains(path)) this.sink.declarations.push({ path, algorithm, digest: e.md5, size: e.size, source });
    }
    if (this.dirsSeen.has(`${rel}\0${hex}`)) return;
    this.dirsSeen.add(`${rel}\0${hex}`);
    const ig = this.dvcIgnore(c.declaredBy);
    const unlisted = this.store.paths.filter((p) => (rel === '' || p.startsWith(`${rel}/`)) && !listed.has(p) && this.scope.contains(p) && !ig(p));
    for (const p of unlisted.slice(0, UNLISTED_SHOWN)) {
      this.finding(p, 'dvc-dir-unlisted', 'warning', `${p} is in the directory out ${rel || '.'} but not in its manifest (${source}): added or renamed since DVC recorded the directory`);
    }
    if (unlisted.length > UNLISTED_SHOWN) {
      this.finding(rel, 'dvc-dir-unlisted', 'warning', `${unlisted.length - UNLISTED_SHOWN} more files in ${rel || '.'} are not in its manifest (${source})`);
    }
  }

  private manifest(rel: string, hex: string, algorithm: DigestAlgorithm, c: EntryContext): { entries: ManifestEntry[]; where: string } | null {
    const root = this.dvcRoot(dirOf(c.declaredBy));
    if (root === null) {
      this.finding(c.declaredBy, 'dvc-manifest-absent', 'info', `${c.source}: ${rel || '.'} is a directory (${hex}.dir), but there is no .dvc folder above ${c.declaredBy} in the store to hold its manifest; its files were not checked one by one`);
      return null;
    }
    const cache = this.cacheDir(root);
    const name = `${hex.slice(0, 2)}/${hex.slice(2)}.dir`;
    const v3 = join(cache, 'files', 'md5', name);
    const v2 = join(cache, name);
    for (const abs of algorithm === 'md5' ? [v3, v2] : [v2, v3]) {
      if (this.manifests.has(abs)) return this.manifests.get(abs)!;
      const read = readBounded(abs, MANIFEST_CAP);
      if (!read.ok && read.missing) continue;
      const where = this.display(abs);
      let result: { entries: ManifestEntry[]; where: string } | null = null;
      if (!read.ok) this.finding(c.declaredBy, 'dvc-manifest-unreadable', 'warning', `${c.source}: the manifest of ${rel || '.'} (${where}): ${read.message}`);
      else {
        if (createHash('md5').update(read.bytes).digest('hex') !== hex) {
          this.finding(c.declaredBy, 'dvc-manifest-digest', 'warning', `${c.source}: the manifest ${where} does not hash to its name; the DVC cache may be damaged (its listing is still used)`);
        }
        const parsed = parseJsonText(read.bytes.toString('utf8'));
        if (!parsed.ok || !Array.isArray(parsed.value)) {
          this.finding(c.declaredBy, 'dvc-manifest-invalid', 'warning', `${c.source}: the manifest ${where} is ${parsed.ok ? 'not a JSON list' : parsed.message}; the files of ${rel || '.'} were not checked one by one`);
        } else result = { entries: this.manifestEntries(parsed.value, c.declaredBy, `${c.source}: manifest ${where}`), where };
      }
      this.manifests.set(abs, result);
      return result;
    }
    this.finding(c.declaredBy, 'dvc-manifest-absent', 'info', `${c.source}: the manifest of the directory ${rel || '.'} is not in the DVC cache (looked for ${this.display(v3)} and ${this.display(v2)}); its files were not checked one by one`);
    return null;
  }

  private manifestEntries(list: unknown[], declaredBy: string, where: string): ManifestEntry[] {
    const out: ManifestEntry[] = [];
    let bad = 0;
    for (const e of list) {
      if (!isRecord(e) || typeof e.relpath !== 'string' || !isPlainRelative(e.relpath)) {
        bad++;
        continue;
      }
      if (e.md5 === undefined) continue; // cloud-versioned entries carry an etag instead
      const md5 = String(e.md5).toLowerCase();
      if (!MD5.test(md5)) {
        bad++;
        continue;
      }
      out.push({ relpath: e.relpath, md5, size: typeof e.size === 'number' ? e.size : null });
    }
    if (bad > 0) this.finding(declaredBy, 'dvc-manifest-entry-invalid', 'warning', `${where}: ${bad} entr${bad === 1 ? 'y has' : 'ies have'} no usable relpath or md5; skipped`);
    return out;
  }

  /** The nearest folder at or above `dir` (inside the store) holding a `.dvc` folder. */
  private dvcRoot(dir: string): string | null {
    if (this.roots.has(dir)) return this.roots.get(dir)!;
    let found: string | null;
    if (isDir(join(this.store.root, dir, '.dvc'))) found = dir;
    else found = dir === '' ? null : this.dvcRoot(dirOf(dir));
    this.roots.set(dir, found);
    return found;
  }

  /** `.dvc/cache`, unless `.dvc/config` or `.dvc/config.local` moves it (`[cache] dir = …`, relative to `.dvc`). */
  private cacheDir(root: string): string {
    const known = this.caches.get(root);
    if (known) return known;
    const dotDvc = join(this.store.root, root, '.dvc');
    let dir = join(dotDvc, 'cache');
    for (const name of ['config', 'config.local']) {
      const read = readBounded(join(dotDvc, name), 1024 * 1024);
      if (!read.ok) continue;
      const configured = configCacheDir(read.bytes.toString('utf8'));
      if (configured) dir = isAbsolute(configured) ? configured : join(dotDvc, configured);
    }
    this.caches.set(root, dir);
    return dir;
  }

  /**
   * DVC leaves out of directory outs what `.dvcignore` files name: one in any
   * folder from the project root down, gitignore rules, the deepest one with a
   * rule for the path deciding (dvc/ignore.py loads each folder's as it walks).
   */
  private dvcIgnore(declaredBy: string): (rel: string) => boolean {
    const root = this.dvcRoot(dirOf(declaredBy)) ?? '';
    this.ignoreFiles ??= new Set(this.store.paths.filter((p) => baseName(p) === '.dvcignore'));
    const rulesOf = (dir: string): Ignore | null => {
      if (!this.ignores.has(dir)) {
        const file = joinRel(dir, '.dvcignore');
        const read = this.ignoreFiles!.has(file) ? readBounded(join(this.store.root, file), DECLARING_FILE_CAP) : null;
        this.ignores.set(dir, read?.ok ? ignore().add(read.bytes.toString('utf8')) : null);
      }
      return this.ignores.get(dir)!;
    };
    return (rel) => {
      const dirs: string[] = [];
      for (let d = dirOf(rel); ; d = dirOf(d)) {
        if (d === root || (root === '' ? true : d.startsWith(`${root}/`))) dirs.push(d);
        if (d === root || d === '') break;
      }
      for (const dir of dirs) {
        const ig = rulesOf(dir);
        if (!ig) continue;
        const sub = dir === '' ? rel : rel.slice(dir.length + 1);
        const verdict = ig.test(sub);
        if (verdict.ignored) return true;
        if (verdict.unignored) return false;
      }
      return false;
    };
  }

  private display(abs: string): string {
    const root = this.store.root.endsWith('/') ? this.store.root : `${this.store.root}/`;
    return abs.startsWith(root) ? abs.slice(root.length) : abs;
  }
}


function isDir(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}
