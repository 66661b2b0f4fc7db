import type { Digest } from '../../model';

/**
 * Downloads into a local folder (`hf_hub_download(…, local_dir=…)`,
 * `huggingface-cli download --local-dir`, huggingface_hub 0.23 and later):
 * beside the files, `.cache/huggingface/download/<path in repo>.metadata`
 * holds three lines, the commit, the etag and the time it was written
 * (huggingface_hub `_local_folder.py`). The etag is the file's SHA-256 for an
 * LFS file and git's blob id for a regular one. A download in progress is
 * `<path>.<etag>.incomplete` in the same folder.
 */

const LAYOUTS = ['.cache/huggingface/download/', '.huggingface/download/'];
const COMMIT = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const GIT_SHA1 = /^[0-9a-f]{40}$/;

export interface DownloadRecord {
  /** The folder downloaded into, store-relative ('' for the store itself). */
  localDir: string;
  /** The file's path in the repository, and so below `localDir`. */
  file: string;
}

/** The download a metadata (or `.incomplete`) path belongs to, or null for any other path. */
export function downloadRecordOf(rel: string): (DownloadRecord & { incomplete: boolean }) | null {
  for (const layout of LAYOUTS) {
    let localDir = '';
    let inner: string;
    if (rel.startsWith(layout)) inner = rel.slice(layout.length);
    else {
      const at = rel.indexOf(`/${layout}`);
      if (at < 0) continue;
      localDir = rel.slice(0, at);
      inner = rel.slice(at + 1 + layout.length);
    }
    if (inner.endsWith('.metadata')) return { localDir, file: inner.slice(0, -'.metadata'.length), incomplete: false };
    const m = /^(.+)\.([^./]+)\.incomplete$/.exec(inner);
    if (m) return { localDir, file: m[1]!, incomplete: true };
    return null;
  }
  return null;
}

export interface DownloadMetadata {
  commit: string;
  etag: string;
  /** Unix seconds, when the metadata was written. */
  timestamp: number;
}

/** The three lines of a `.metadata` file, or what is wrong with them. */
export function parseDownloadMetadata(text: string): DownloadMetadata | string {
  const [commit = '', etag = '', time = ''] = text.split('\n').map((l) => l.trim());
  if (!COMMIT.test(commit)) return `the first line is not a commit hash (${JSON.stringify(commit.slice(0, 80))})`;
  if (etag === '') return 'the second line (the etag) is empty';
  const timestamp = Number(time);
  if (time === '' || !Number.isFinite(timestamp)) return `the third line is not a time (${JSON.stringify(time.slice(0, 40))})`;
  return { commit, etag: etag.toLowerCase(), timestamp };
}

/** What the etag says of the content: a SHA-256 (LFS files) or a git blob id (regular files). */
export function etagDigest(etag: string): Digest | null {
  if (SHA256.test(etag)) return { algorithm: 'sha256', value: etag };
  if (GIT_SHA1.test(etag)) return { algorithm: 'git-sha1', value: etag };
  return null;
}

