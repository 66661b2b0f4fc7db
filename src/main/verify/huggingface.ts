import { readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Collected } from './types';
import type { StoreView } from './dvc';
import type { Scope } from './paths';
import { readBounded } from './read';
import { LEGACY_BLOB, legacyDigest, parseLegacyMeta } from '../lineage/readers/huggingface/legacy-cache';
import { downloadRecordOf, etagDigest, parseDownloadMetadata, type DownloadRecord } from '../lineage/readers/huggingface/local-dir';
import { joinRel } from './paths';

/**
 * The Hugging Face hub cache names its blobs by their digest: below
 * `models--org--name/` (or `datasets--`, `spaces--`), `blobs/<64 hex>` is an
 * LFS file named by its SHA-256 and `blobs/<40 hex>` a regular file named by
 * git's blob id. `snapshots/<commit>/…` are links into `blobs/`, and
 * `refs/<branch>` holds the commit a branch pointed at when it was downloaded.
 */

const REPO = /^(models|datasets|spaces)--./;
const SHA256 = /^[0-9a-f]{64}$/;
const GIT_SHA1 = /^[0-9a-f]{40}$/;

export function collectHuggingFace(store: StoreView, scope: Scope, sink: Collected): void {
  const indexed = new Set(store.paths);
  const root = store.root.replace(/\/+$/, '');
  for (const rel of store.paths) {
    const download = downloadRecordOf(rel);
    if (download) {
      // Read whatever the scope: the metadata declares another path's digest.
      if (!download.incomplete) downloadMetadata(rel, download, { root, scope, indexed }, sink);
      else if (scope.contains(joinRel(download.localDir, download.file))) sink.findings.push({ path: rel, code: 'hf-download-incomplete', severity: 'info', message: `${joinRel(download.localDir, download.file)} was being downloaded and did not finish (${rel})` });
      continue;
    }
    if (!scope.contains(rel)) continue;
    if (LEGACY_BLOB.test(rel.slice(rel.lastIndexOf('/') + 1)) && indexed.has(`${rel}.json`)) {
      legacyBlob(rel, root, sink);
      continue;
    }
    const segs = `${root}/${rel}`.split('/');
    const n = segs.length;
    // A blob: <repo>/blobs/<name>, the repo folder possibly being the store itself or above it.
    if (n >= 3 && segs[n - 2] === 'blobs' && REPO.test(segs[n - 3]!)) {
      const name = segs[n - 1]!;
      const repo = segs[n - 3]!;
      if (SHA256.test(name)) sink.declarations.push({ path: rel, algorithm: 'sha256', digest: name, size: null, source: `Hugging Face cache ${repo}: blob name` });
      else if (GIT_SHA1.test(name)) sink.declarations.push({ path: rel, algorithm: 'git-sha1', digest: name, size: null, source: `Hugging Face cache ${repo}: blob name (git blob id)` });
      else if (name.endsWith('.incomplete')) sink.findings.push({ path: rel, code: 'hf-incomplete-download', severity: 'info', message: `${rel} is a download that did not finish; not checked` });
      continue;
    }
    const at = repoSegment(segs);
    if (at < 0) continue;
    const repoAbs = segs.slice(0, at + 1).join('/');
    const area = segs[at + 1];
    if (area === 'snapshots' && n - at >= 4) snapshotLink(`${root}/${rel}`, rel, repoAbs, segs[at]!, { root, scope, indexed }, sink);
    else if (area === 'refs' && n - at >= 3) checkRef(`${root}/${rel}`, rel, repoAbs, sink);
  }
}

/** `.cache/huggingface/download/<file>.metadata` of a local-dir download: the file's etag is its SHA-256 (LFS) or git blob id. */
function downloadMetadata(rel: string, rec: DownloadRecord, store: { root: string; scope: Scope; indexed: Set<string> }, sink: Collected): void {
  const target = joinRel(rec.localDir, rec.file);
  if (!store.scope.contains(target) || !store.indexed.has(target)) return;
  const read = readBounded(`${store.root}/${rel}`, 4096);
  const meta = read.ok ? parseDownloadMetadata(read.bytes.toString('utf8')) : read.message;
  if (typeof meta === 'string') {
    sink.findings.push({ path: rel, code: 'hf-download-metadata-invalid', severity: 'warning', message: `${rel}: ${meta}; ${target} not checked against it` });
    return;
  }
  const digest = etagDigest(meta.etag);
  if (!digest) return;
  sink.declarations.push({ path: target, algorithm: digest.algorithm as 'sha256' | 'git-sha1', digest: digest.value, size: null, source: `Hugging Face download metadata ${rel} (commit ${meta.commit.slice(0, 10)})` });
}

/** A download in transformers' old cache: its `.json` holds the URL and the etag it came with. */
function legacyBlob(rel: string, root: string, sink: Collected): void {
  const read = readBounded(`${root}/${rel}.json`, 64 * 1024);
  const meta = read.ok ? parseLegacyMeta(read.bytes.toString('utf8')) : read.message;
  if (typeof meta === 'string') {
    sink.findings.push({ path: `${rel}.json`, code: 'hf-legacy-meta-invalid', severity: 'warning', message: `${rel}.json: ${meta}; ${rel} not checked` });
    return;
  }
  const digest = legacyDigest(meta);
  if (!digest) return; // a multipart S3 etag, or none: no digest of the content
  sink.declarations.push({ path: rel, algorithm: digest.algorithm as 'sha256' | 'git-sha1' | 'md5', digest: digest.value, size: null, source: `transformers cache ${rel}.json: etag of ${meta.url.slice(0, 200)}` });
}

/** Index of the `models--…` segment that `snapshots` or `refs` follows, or -1. */
function repoSegment(segs: string[]): number {
  for (let i = segs.length - 3; i >= 0; i--) {
    if (REPO.test(segs[i]!) && (segs[i + 1] === 'snapshots' || segs[i + 1] === 'refs')) return i;
  }
  return -1;
}

/**
 * A snapshot file links to `blobs/<digest>`; the blob's own check covers it
 * when the blob is indexed and verified too. Otherwise (only the snapshot is
 * being verified) the link's target name is the declared digest.
 */
function snapshotLink(abs: string, rel: string, repoAbs: string, repo: string, store: { root: string; scope: Scope; indexed: Set<string> }, sink: Collected): void {
  let target: string;
  try {
    target = resolve(dirname(abs), readlinkSync(abs));
  } catch {
    return; // a plain file (a cache made without links): nothing is declared for it
  }
  if (dirname(target) !== `${repoAbs}/blobs`) return;
  const name = target.slice(target.lastIndexOf('/') + 1);
  const blobRel = target.startsWith(`${store.root}/`) ? target.slice(store.root.length + 1) : null;
  if (blobRel !== null && store.indexed.has(blobRel) && store.scope.contains(blobRel)) return;
  const source = `Hugging Face cache ${repo}: snapshot link to blobs/${name}`;
  if (SHA256.test(name)) sink.declarations.push({ path: rel, algorithm: 'sha256', digest: name, size: null, source });
  else if (GIT_SHA1.test(name)) sink.declarations.push({ path: rel, algorithm: 'git-sha1', digest: name, size: null, source });
}

function checkRef(abs: string, rel: string, repoAbs: string, sink: Collected): void {
  const read = readBounded(abs, 4096);
  if (!read.ok) {
    sink.findings.push({ path: rel, code: 'hf-ref-unreadable', severity: 'warning', message: `${rel}: ${read.message}` });
    return;
  }
  const commit = read.bytes.toString('utf8').trim();
  if (!GIT_SHA1.test(commit)) {
    sink.findings.push({ path: rel, code: 'hf-ref-malformed', severity: 'warning', message: `${rel} should hold a 40-digit commit id; it holds "${commit.slice(0, 80)}"` });
    return;
  }
  let present = false;
  try {
    present = statSync(`${repoAbs}/snapshots/${commit}`).isDirectory();
  } catch {
    present = false;
  }
  if (!present) sink.findings.push({ path: rel, code: 'hf-ref-dangling', severity: 'warning', message: `${rel} names commit ${commit}, but snapshots/${commit} is not in the cache` });
}
