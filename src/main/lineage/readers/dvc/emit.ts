import type { Evidence, NodeFile, NodeKind, ReaderContext } from '../../model';
import { baseName, clip, fileKey, fileNode, indexedFolders, joinRel, kindOfPath, type FragmentBuilder } from '../plain/fragment';
import type { DvcCache } from './cache';
import { redactUrl, type DvcEntry } from './entries';

/** Files of a directory out listed on its node; the rest are counted. */
const MAX_LISTED_FILES = 10_000;

/** `artifact:<name>` for a dvc.yaml at the store root, `artifact:<dir>:<name>` below it, as DVC and GTO name them. */
export function artifactKey(fullname: string): string {
  return `artifact:${fullname}`;
}

export function dvcDatasetKey(pipelineDir: string, name: string): string {
  return `dvc:dataset:${pipelineDir}:${name}`;
}

/**
 * Turns DVC entries into nodes: a store file (`file:<path>`, with the
 * declared digest), a directory (with the files of its listing), a file of
 * another repository (`dvc import`), a URL (`import-url`), or a declared
 * dataset (`ds://`). Returns the node's key, or null when there is none.
 */
export class EntryEmitter {
  private folders?: Set<string>;

  constructor(
    private readonly ctx: ReaderContext,
    private readonly b: FragmentBuilder,
    private readonly cache: DvcCache,
  ) {}

  async node(entry: DvcEntry, declaredIn: string, evidence: Evidence, pipelineDir: string): Promise<string | null> {
    const props: Record<string, unknown> = {};
    if (Object.keys(entry.flags).length > 0) props.dvc = { ...entry.flags };
    if (entry.repo) return this.imported(entry, evidence, props);
    if (entry.db) {
      const { connection, query, table, fileFormat } = entry.db;
      const what = table ?? query ?? '';
      const key = `dvc:db:${connection ?? ''}:${what}`;
      this.b.node({ key, kind: 'dataset', label: clip(`${table ? `table ${table}` : 'query'} (${connection ?? 'database'})`, 120), props: { db: { connection, query: query && clip(query, 2048), table, fileFormat }, present: false, ...props }, evidence: [evidence] });
      return key;
    }
    if (entry.written.startsWith('ds://')) {
      const key = dvcDatasetKey(pipelineDir, entry.written.slice(5));
      this.b.node({ key, kind: 'dataset', label: entry.written.slice(5), props: { present: false }, evidence: [evidence] });
      return key;
    }
    if (entry.rel === null) {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(entry.written) && !entry.written.startsWith('remote://')) {
        this.b.finding(declaredIn, 'dvc-path-outside-store', 'info', `${declaredIn}: ${clip(entry.written, 200)} is outside the store; not linked`);
        return null;
      }
      const url = redactUrl(entry.written);
      const key = `url:${url}`;
      this.b.node({ key, kind: kindOfPath(url.replace(/[?#].*$/, '')), label: clip(url, 120), props: { url, present: false, ...props }, evidence: [evidence] });
      return key;
    }
    const rel = entry.rel;
    if (entry.dirMd5 === undefined && entry.files === undefined) {
      const size = entry.size;
      this.b.node(fileNode(this.ctx, rel, { digests: entry.digest ? [entry.digest] : undefined, size, props, evidence: [evidence] }));
      return fileKey(rel);
    }
    return this.directory(entry, rel, declaredIn, evidence, props);
  }

  private imported(entry: DvcEntry, evidence: Evidence, props: Record<string, unknown>): string {
    const repo = entry.repo!;
    const url = repo.url ? redactUrl(repo.url) : '(this repository)';
    const rev = repo.revLock ?? repo.rev ?? 'HEAD';
    const key = `dvc:import:${url}:${entry.written}@${rev}`;
    const node = { repoUrl: url, rev: repo.rev, revLock: repo.revLock, path: entry.written, present: false, ...props };
    // Where the file really is: a URL, never a store path, so only its digest can join it to a file here.
    const files: NodeFile[] = entry.digest ? [{ path: `${url}/${entry.written}`, digests: [entry.digest], declaredOnly: true }] : [];
    this.b.node({ key, kind: kindOfPath(entry.written), label: `${baseName(entry.written) || entry.written} (${clip(url, 80)})`, props: node, files, evidence: [evidence] });
    return key;
  }

  private async directory(entry: DvcEntry, rel: string, declaredIn: string, evidence: Evidence, props: Record<string, unknown>): Promise<string> {
    const dvc: Record<string, unknown> = { ...((props.dvc as Record<string, unknown>) ?? {}), dirMd5: entry.dirMd5, nfiles: entry.nfiles, size: entry.size };
    const files: NodeFile[] = [];
    let listing = entry.files;
    if (!listing) {
      const m = await this.cache.manifest(declaredIn, entry.dirMd5!, entry.legacy);
      if (m.ok) {
        listing = m.entries;
        dvc.listing = m.where;
        if (m.digestMismatch) this.b.finding(declaredIn, 'dvc-dir-listing-digest', 'warning', `${declaredIn}: the listing ${m.where} of ${rel || '.'} does not hash to its name; the cache may be damaged (its listing is still used)`);
        if (m.bad > 0) this.b.finding(declaredIn, 'dvc-dir-listing-entry-invalid', 'warning', `${declaredIn}: ${m.bad} entries of ${m.where} have no usable relpath or md5`);
      } else if (m.reason !== 'no-project') {
        this.b.finding(declaredIn, 'dvc-dir-listing-absent', 'info', `${declaredIn}: ${rel || '.'} is a directory (${entry.dirMd5}.dir); ${m.message}, so its files are not listed`);
      }
    }
    let kind: NodeKind = 'dataset';
    if (listing) {
      for (const e of listing.slice(0, MAX_LISTED_FILES)) {
        files.push({ path: joinRel(rel, e.relpath), size: e.size, digests: [{ algorithm: entry.legacy ? 'md5-dos2unix' : 'md5', value: e.md5 }], declaredOnly: !this.ctx.files.has(joinRel(rel, e.relpath)) || undefined });
      }
      if (listing.length > MAX_LISTED_FILES) dvc.unlistedFiles = listing.length - MAX_LISTED_FILES;
      if (listing.some((e) => kindOfPath(e.relpath) === 'checkpoint')) kind = 'checkpoint';
    }
    this.folders ??= indexedFolders(this.ctx);
    const present = this.folders.has(rel);
    this.b.node({ key: fileKey(rel), kind, label: `${baseName(rel) || '.'}/`, props: { ...props, dvc, directory: true }, files: [{ path: rel, size: entry.size, declaredOnly: present ? undefined : true }, ...files], evidence: [evidence] });
    return fileKey(rel);
  }
}
