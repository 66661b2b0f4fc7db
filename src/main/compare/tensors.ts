import { dirname, join } from 'node:path';
import type { LayerSummary, TensorComparison, TensorRow, TensorStatus } from '../../shared/compare';
import { inspectFile } from '../formats';
import type { SafetensorsTensor } from '../formats/safetensors';
import { compareLayers, layerOf } from './layers';
import type { ViewFile } from './subjects';
import type { RangeJob, TensorHasher } from './tensor-hasher';
import type { TensorHashResult } from './tensor-protocol';

/**
 * Tensor lists of safetensors checkpoints side by side, and which tensors'
 * values changed: each tensor's byte range is hashed (in the worker pool)
 * unless both columns' files are the same content, when nothing need be read.
 */

export interface LocatedTensor extends SafetensorsTensor {
  file: string;
  fileSha256: string | null;
}

export interface TensorList {
  tensors: Map<string, LocatedTensor>;
  notes: string[];
  files: number;
}

const STATUSES: TensorStatus[] = ['same', 'changed', 'added', 'removed', 'shape-changed', 'dtype-changed', 'unknown'];
/** How a row's status is chosen over several columns: the most telling wins. */
const SEVERITY: TensorStatus[] = ['added', 'removed', 'shape-changed', 'dtype-changed', 'changed', 'unknown', 'same'];
const emptyCounts = () => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<TensorStatus, number>;

/** The safetensors files of a subject: its own, and the shards an index names beside it. */
export async function safetensorsFiles(files: ViewFile[]): Promise<{ path: string; sha256: string | null }[]> {
  const out = new Map<string, string | null>();
  for (const f of files) {
    if (!f.absPath) continue;
    if (f.absPath.endsWith('.safetensors')) out.set(f.absPath, f.sha256);
    else if (f.absPath.endsWith('.safetensors.index.json')) {
      const r = await inspectFile(f.absPath);
      const shards = (r.summary.shards as { file: string }[] | undefined) ?? [];
      for (const s of shards) {
        if (s.file.includes('..') || s.file.startsWith('/')) continue;
        const p = join(dirname(f.absPath), s.file);
        if (!out.has(p)) out.set(p, files.find((x) => x.absPath === p)?.sha256 ?? null);
      }
    }
  }
  return [...out].map(([path, sha256]) => ({ path, sha256 }));
}

export async function readTensorList(files: { path: string; sha256: string | null }[]): Promise<TensorList> {
  const tensors = new Map<string, LocatedTensor>();
  const notes: string[] = [];
  for (const f of files) {
    const r = await inspectFile(f.path);
    if (r.format !== 'safetensors') {
      notes.push(`${f.path}: ${r.findings.find((x) => x.severity === 'error')?.message ?? `read as ${r.format}, not safetensors`}`);
      continue;
    }
    for (const e of r.findings.filter((x) => x.severity === 'error').slice(0, 3)) notes.push(`${f.path}: ${e.message}`);
    for (const t of (r.summary.tensors as SafetensorsTensor[] | undefined) ?? []) if (!tensors.has(t.name)) tensors.set(t.name, { ...t, file: f.path, fileSha256: f.sha256 });
  }
  return { tensors, notes, files: files.length };
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Status of one tensor in column c against the first column, before any hashing ('pending' means: hash both). */
function structural(a: LocatedTensor | undefined, b: LocatedTensor | undefined): TensorStatus | 'pending' {
  if (!a && b) return 'added';
  if (a && !b) return 'removed';
  if (!a || !b) return 'same';
  if (a.dtype !== b.dtype) return 'dtype-changed';
  if (!sameShape(a.shape, b.shape)) return 'shape-changed';
  if (a.end - a.begin === 0) return 'same';
  // the same file content holds the same bytes at the same offsets
  if (a.fileSha256 && a.fileSha256 === b.fileSha256 && a.begin === b.begin && a.end === b.end) return 'same';
  if (a.file === b.file && a.begin === b.begin) return 'same';
  return 'pending';
}

export async function compareTensorLists(lists: TensorList[], hasher: TensorHasher, signal?: AbortSignal): Promise<TensorComparison> {
  const notes = lists.flatMap((l, i) => l.notes.map((n) => `column ${i + 1}: ${n}`));
  const missing = lists.map((l, i) => (l.files === 0 ? i : -1)).filter((i) => i >= 0);
  if (missing.length) {
    notes.unshift(`no safetensors file to read in column ${missing.map((i) => i + 1).join(', ')}`);
    return { available: false, notes, counts: emptyCounts(), tensors: [], layers: [], bytesHashed: 0 };
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const l of lists) {
    for (const n of l.tensors.keys()) {
      if (seen.has(n)) continue;
      seen.add(n);
      names.push(n);
    }
  }
  const first = lists[0]!;
  const prelim = names.map((n) => lists.map((l, c) => (c === 0 ? 'same' : structural(first.tensors.get(n), l.tensors.get(n)))));

  // one hash per (file, range), however many columns ask for it
  const wanted = new Map<string, Map<string, { begin: number; end: number }>>();
  const want = (t: LocatedTensor) => {
    const m = wanted.get(t.file) ?? new Map<string, { begin: number; end: number }>();
    m.set(`${t.begin}:${t.end}`, { begin: t.begin, end: t.end });
    wanted.set(t.file, m);
  };
  names.forEach((n, i) =>
    prelim[i]!.forEach((s, c) => {
      if (s !== 'pending') return;
      want(first.tensors.get(n)!);
      want(lists[c]!.tensors.get(n)!);
    }),
  );
  const jobs: RangeJob[] = [...wanted].map(([path, m]) => ({ path, ranges: [...m.values()].sort((a, b) => a.begin - b.begin) }));
  const results: TensorHashResult[] = jobs.length ? await hasher.hash(jobs, signal) : [];
  const digest = new Map<string, string>();
  let bytesHashed = 0;
  jobs.forEach((j, i) => {
    const r = results[i]!;
    if (!r.ok) {
      notes.push(`${j.path}: ${r.message}; its tensors' values are unknown`);
      return;
    }
    bytesHashed += r.bytes;
    j.ranges.forEach((rg, k) => digest.set(`${j.path}\u0000${rg.begin}:${rg.end}`, r.digests[k]!));
  });
  const digestOf = (t: LocatedTensor) => digest.get(`${t.file}\u0000${t.begin}:${t.end}`);

  const counts = emptyCounts();
  const tensors: TensorRow[] = names.map((name, i) => {
    const per = prelim[i]!.map((s, c): TensorStatus => {
      if (s !== 'pending') return s;
      const a = digestOf(first.tensors.get(name)!);
      const b = digestOf(lists[c]!.tensors.get(name)!);
      return a === undefined || b === undefined ? 'unknown' : a === b ? 'same' : 'changed';
    });
    const status = SEVERITY.find((s) => per.slice(1).includes(s)) ?? 'same';
    counts[status]++;
    return {
      name,
      layer: layerOf(name),
      dtypes: lists.map((l) => l.tensors.get(name)?.dtype ?? null),
      shapes: lists.map((l) => l.tensors.get(name)?.shape ?? null),
      status,
    };
  });
  return { available: true, notes, counts, tensors, layers: layerSummaries(tensors), bytesHashed };
}

export function layerSummaries(rows: TensorRow[]): LayerSummary[] {
  const by = new Map<string, TensorRow[]>();
  for (const r of rows) by.set(r.layer, [...(by.get(r.layer) ?? []), r]);
  return [...by.keys()].sort(compareLayers).map((layer) => {
    const rs = by.get(layer)!;
    const counts = emptyCounts();
    for (const r of rs) counts[r.status]++;
    const changed = rs.length - counts.same - counts.unknown;
    return { layer, tensors: rs.length, counts, changedFraction: rs.length ? changed / rs.length : 0 };
  });
}
