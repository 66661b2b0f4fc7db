import { joinPath, type StoreFiles } from './store-files';

/**
 * Artifact URIs as MLflow records them: absolute paths from the machine that
 * wrote them (`/home/a/proj/mlruns/1/<run>/artifacts`, `file:///C:/Users/b/...`,
 * `C:\Users\b\...`), relative ones (`./mlruns/...`), proxied ones
 * (`mlflow-artifacts:/1/<run>/artifacts`, stored under the server's
 * `mlartifacts/`), remote ones (`s3://bucket/...`), and model references
 * (`runs:/<run>/model`, `models:/m-<id>`, `models:/<name>/<version>`).
 */
export type ParsedUri =
  | { kind: 'path'; scheme: string; segments: string[] }
  | { kind: 'runs'; runId: string; path: string }
  | { kind: 'models'; modelId?: string; name?: string; version?: string; alias?: string }
  | { kind: 'empty' };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):(.*)$/s;
const DRIVE = /^[A-Za-z]:$/;

export function parseArtifactUri(uri: string): ParsedUri {
  const trimmed = uri.trim();
  if (trimmed === '') return { kind: 'empty' };
  const m = SCHEME.exec(trimmed);
  // A one-letter "scheme" is a Windows drive (C:\...), not a scheme.
  if (!m || /^[A-Za-z]:[\\/]/.test(trimmed)) return { kind: 'path', scheme: 'local', segments: segmentsOf(trimmed) };
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  if (scheme === 'runs') {
    const parts = rest.replace(/^\/+/, '').split('/');
    return { kind: 'runs', runId: parts[0] ?? '', path: parts.slice(1).filter((p) => p !== '').join('/') };
  }
  if (scheme === 'models') {
    const parts = rest.replace(/^\/+/, '').split('/').filter((p) => p !== '');
    const first = parts[0] ?? '';
    if (parts.length === 1 && /^m-[0-9a-f]{8,}$/i.test(first)) return { kind: 'models', modelId: first };
    const at = first.indexOf('@');
    if (at > 0) return { kind: 'models', name: first.slice(0, at), alias: first.slice(at + 1) };
    return { kind: 'models', name: first, version: parts[1] };
  }
  // file:///abs, file://host/share, file:/abs, mlflow-artifacts://host:port/path, s3://bucket/key ...
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    // Remote stores keep the bucket as the first segment so suffix matching can use it.
    if (scheme !== 'file' && scheme !== 'mlflow-artifacts' && host !== '') rest = `/${host}${rest}`;
  }
  return { kind: 'path', scheme, segments: segmentsOf(decodePercent(rest)) };
}

function decodePercent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const seg of path.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  if (out.length > 0 && DRIVE.test(out[0]!)) out.shift();
  return out;
}

export interface Relocation {
  /** Store-relative path. */
  path: string;
  /** How it was found, for evidence: which part of the URI matched where. */
  how: string;
}

/**
 * Finds where a path recorded on another machine is in this store: the
 * longest tail of the URI's path that exists below one of `bases`. `anchor`
 * (a run or model id) must be part of the matched tail, so a generic
 * `artifacts` folder elsewhere is never taken for this run's.
 */
export function relocate(files: StoreFiles, uri: string, bases: readonly string[], opts: { anchor?: string; kind?: 'dir' | 'file'; minSegments?: number } = {}): Relocation | undefined {
  const parsed = parseArtifactUri(uri);
  if (parsed.kind !== 'path') return undefined;
  const segs = parsed.segments;
  const min = Math.min(segs.length, opts.minSegments ?? 2);
  const exists = opts.kind === 'file' ? (p: string) => files.has(p) : (p: string) => files.dirExists(p);
  for (let i = 0; segs.length - i >= Math.max(min, 1); i++) {
    const tail = segs.slice(i);
    if (opts.anchor && !tail.includes(opts.anchor)) break;
    const suffix = tail.join('/');
    for (const base of bases) {
      const candidate = joinPath(base, suffix);
      if (exists(candidate)) return { path: candidate, how: i === 0 ? `${parsed.scheme} path` : `relocated from …/${suffix}` };
    }
  }
  return undefined;
}
