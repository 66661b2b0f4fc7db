import type { Digest } from '../../model';
import type { HubType } from './cache';
import { etagDigest } from './local-dir';

/**
 * The cache transformers kept before huggingface_hub's (transformers < 4.22,
 * `~/.cache/huggingface/transformers`, and `~/.cache/torch/transformers`
 * before that): each download is one file named `sha256(url)` then
 * `.sha256(etag)` (and `.h5` when the URL ends so), with a `<name>.json`
 * beside it holding `{"url": …, "etag": …}` (transformers' `url_to_filename`
 * and `get_from_cache`). The etag is the quoted `X-Linked-Etag` or `ETag`
 * header: the file's SHA-256 for an LFS file, git's blob id otherwise.
 */

export const LEGACY_BLOB = /^[0-9a-f]{64}(\.[0-9a-f]{64})?(\.h5)?$/;

export interface LegacyDownload {
  url: string;
  etag?: string;
  /** What the URL names, when it is one of the Hub's download URLs. */
  repo?: { type: HubType; id: string; revision?: string; file: string };
}

/** `<blob>.json` of a cached download; a string says what is wrong with it. */
export function parseLegacyMeta(text: string): LegacyDownload | string {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof meta !== 'object' || meta === null || typeof (meta as { url?: unknown }).url !== 'string') return 'no "url" in it';
  const { url, etag } = meta as { url: string; etag?: unknown };
  const out: LegacyDownload = { url: url.slice(0, 2048) };
  if (typeof etag === 'string') out.etag = normalizeEtag(etag);
  const repo = hubFileOfUrl(out.url);
  if (repo) out.repo = repo;
  return out;
}

/** `W/"abc…"` → `abc…`, as huggingface_hub's `_normalize_etag` does. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '').toLowerCase();
}

const RESOLVE = /^https?:\/\/(?:huggingface\.co|hf\.co)\/(?:(datasets|spaces)\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/;
const CDN = /^https?:\/\/cdn\.huggingface\.co\/(.+)\/([^/]+)$/;
const S3 = /^https?:\/\/s3\.amazonaws\.com\/models\.huggingface\.co\/bert\/(.+)$/;
/** transformers 2.x named files on S3 `<model>-<file>`. */
const S3_SUFFIXES = ['config.json', 'pytorch_model.bin', 'tf_model.h5', 'vocab.txt', 'vocab.json', 'merges.txt', 'modelcard.json', 'spiece.model', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json'];

/** The repository, revision and file a download URL names. */
export function hubFileOfUrl(url: string): LegacyDownload['repo'] | undefined {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const r = RESOLVE.exec(url.replace(/[?#].*$/, ''));
  if (r) return { type: r[1] === 'datasets' ? 'dataset' : r[1] === 'spaces' ? 'space' : 'model', id: r[2]!, revision: decode(r[3]!), file: decode(r[4]!) };
  const c = CDN.exec(url);
  if (c) return { type: 'model', id: c[1]!, file: decode(c[2]!) };
  const s = S3.exec(url);
  if (s) {
    const rest = s[1]!;
    if (rest.includes('/')) return { type: 'model', id: rest.slice(0, rest.lastIndexOf('/')), file: rest.slice(rest.lastIndexOf('/') + 1) };
    const suffix = S3_SUFFIXES.find((x) => rest.endsWith(`-${x}`));
    if (suffix) return { type: 'model', id: rest.slice(0, -suffix.length - 1), file: suffix };
  }
  return undefined;
}

/**
 * What a cached download's etag says of its content: the Hub's etags are a
 * SHA-256 (LFS) or a git blob id; S3's (the CDN and bucket URLs of
 * transformers 2.x and 3.x) are the MD5 of a file uploaded in one part, and
 * carry `-<parts>` otherwise.
 */
export function legacyDigest(meta: LegacyDownload): Digest | null {
  if (!meta.etag) return null;
  if (/^[0-9a-f]{32}$/.test(meta.etag) && /^https?:\/\/(cdn\.huggingface\.co|s3\.amazonaws\.com)\//.test(meta.url)) return { algorithm: 'md5', value: meta.etag };
  return etagDigest(meta.etag);
}
