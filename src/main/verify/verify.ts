import { statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../core/workspace';
import { inTransaction } from '../db/connection';
import { filesForVerify, joinStorePath, setFileMd5 } from '../db/files';
import { createHashPool, type HashPool } from '../scan/hash-pool';
import type { HashOutcome } from '../scan/protocol';
import { collectDeclared } from './declared';
import { streamDigests, type StreamedDigests } from './digests';
import { scopeOf } from './paths';
import { rehash, type RehashItem } from './rehash';
import type { VerifyTarget } from './target';
import type { Declaration, DigestAlgorithm, Mismatch, VerifyFinding, VerifyProgress, VerifyResult } from './types';

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (p: VerifyProgress) => void;
}

type IndexedFile = ReturnType<typeof filesForVerify>[number];

/** A path to check: an indexed file in scope, or a declared one the index does not know. */
interface Candidate {
  rel: string;
  abs: Buffer;
  file: IndexedFile | null;
  declarations: Declaration[];
  key: string | null;
}

interface Run {
  ws: Workspace;
  pool: HashPool;
  options: VerifyOptions;
  result: VerifyResult;
  t0: number;
}

const LABEL: Record<DigestAlgorithm, string> = {
  sha256: 'SHA-256',
  md5: 'MD5',
  'md5-dos2unix': 'DVC 2 MD5 (text hashed with CRLF as LF)',
  'git-sha1': 'git blob id',
};

/**
 * Re-hashes the files of each target through the hash pool and compares them
 * with the digests the index recorded and with every digest the store
 * declares. Nothing on disk is changed; the index only gains MD5s it lacked
 * for files whose SHA-256 still matches.
 */
export async function verifyFiles(ws: Workspace, targets: VerifyTarget[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const t0 = performance.now();
  const result: VerifyResult = { stores: [], checked: 0, ok: 0, mismatches: [], findings: [], seconds: 0, bytes: 0, complete: true };
  const pool = createHashPool(join(ws.options.workersDir, 'hash.js'), ws.options.hashThreads);
  try {
    for (const target of targets) {
      if (options.signal?.aborted) break;
      await verifyStore({ ws, pool, options, result, t0 }, target);
    }
  } finally {
    await pool.destroy();
  }
  if (options.signal?.aborted) result.complete = false;
  result.mismatches.sort((a, b) => a.storeId - b.storeId || a.path.localeCompare(b.path) || a.code.localeCompare(b.code));
  result.findings.sort((a, b) => a.storeId - b.storeId || a.path.localeCompare(b.path) || a.code.localeCompare(b.code));
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

async function verifyStore(run: Run, { store, under }: VerifyTarget): Promise<void> {
  const { ws, result } = run;
  result.stores.push({ id: store.id, name: store.name, path: store.path, scope: under });
  const finding = (f: Omit<VerifyFinding, 'storeId' | 'absPath'>) => result.findings.push({ storeId: store.id, absPath: f.path === '.' ? store.path : joinStorePath(store.path, f.path), ...f });
  const mismatch = (m: Omit<Mismatch, 'storeId' | 'absPath'>) => result.mismatches.push({ storeId: store.id, absPath: joinStorePath(store.path, m.path), ...m });
  if (!isDirectory(store.path)) {
    finding({ path: '.', code: 'store-offline', severity: 'error', message: `the store folder ${store.path} cannot be reached (unmounted?); nothing in it was verified` });
    result.complete = false;
    return;
  }
  const scope = scopeOf(under);
  const all = filesForVerify(ws.db, store.id, null);
  const collected = collectDeclared({ root: store.path, paths: all.map((f) => f.displayPath) }, scope);
  collected.findings.forEach(finding);
  collected.mismatches.forEach(mismatch);

  const rootBytes = Buffer.from(store.path.endsWith('/') ? store.path : `${store.path}/`);
  const candidates = new Map<string, Candidate>();
  for (const f of all) {
    if (scope.contains(f.displayPath)) candidates.set(f.displayPath, { rel: f.displayPath, abs: Buffer.concat([rootBytes, f.relPath]), file: f, declarations: [], key: null });
  }
  for (const d of collected.declarations) {
    let c = candidates.get(d.path);
    if (!c) {
      c = { rel: d.path, abs: Buffer.from(joinStorePath(store.path, d.path)), file: null, declarations: [], key: null };
      candidates.set(d.path, c);
    }
    c.declarations.push(d);
  }

  // Stat everything first: what is gone or unreadable is reported without hashing.
  const items = new Map<string, RehashItem>();
  for (const c of candidates.values()) {
    let st: BigIntStats | undefined;
    try {
      st = statSync(c.abs, { bigint: true, throwIfNoEntry: false });
    } catch (e) {
      reportUnreadable(c, (e as Error).message, mismatch);
      continue;
    }
    if (!st) {
      if (c.file) mismatch({ path: c.rel, code: 'file-missing', expected: c.file.sha256, actual: null, algorithm: c.file.sha256 ? 'sha256' : null, source: 'index', message: `indexed by the last scan, now gone from disk${declaredNote(c)}` });
      else for (const d of c.declarations) finding({ path: c.rel, code: 'declared-missing', severity: 'warning', message: `${c.rel} is declared by ${d.source} but is not on disk` });
      continue;
    }
    if (!st.isFile()) {
      if (c.file) reportUnreadable(c, 'no longer a regular file', mismatch);
      else finding({ path: c.rel, code: 'declared-not-a-file', severity: 'warning', message: `${c.rel} is declared as a file by ${c.declarations.map((d) => d.source).join('; ')}, but it is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; not checked` });
      continue;
    }
    c.key = `${st.dev}:${st.ino}`;
    if (!items.has(c.key)) items.set(c.key, { key: c.key, abs: c.abs, size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, display: c.rel });
  }

  const md5 = collected.declarations.some((d) => d.algorithm === 'md5' || d.algorithm === 'md5-dos2unix');
  const bytesToHash = [...items.values()].reduce((n, it) => n + it.size, 0);
  const outcomes = await rehash(run.pool, [...items.values()], {
    md5,
    signal: run.options.signal,
    onProgress: (p) => run.options.onProgress?.({ filesToHash: items.size, filesHashed: p.filesHashed, bytesToHash, bytesHashed: p.bytesHashed, currentFile: p.currentFile, elapsedSeconds: (performance.now() - run.t0) / 1000 }),
  });
  for (const o of outcomes.values()) if (o.ok) result.bytes += o.bytes;

  const streams = new Map<string, Promise<StreamedDigests>>();
  const stream = (c: Candidate, size: number, want: { gitSha1?: boolean; dvcLegacy?: boolean }) => {
    const memo = `${c.key}:${want.gitSha1 ? 'g' : ''}${want.dvcLegacy ? 'd' : ''}`;
    let p = streams.get(memo);
    if (!p) {
      p = streamDigests(c.abs, size, want, run.options.signal);
      p.then((s) => (result.bytes += s.bytes)).catch(() => {});
      streams.set(memo, p);
    }
    return p;
  };

  let unhashed = 0;
  const md5Updates: [number, string][] = [];
  for (const c of candidates.values()) {
    if (c.key === null) continue;
    const o = outcomes.get(c.key);
    if (!o) {
      result.complete = false; // interrupted before this file
      continue;
    }
    if (!o.ok) {
      reportFailedHash(c, o, mismatch, finding);
      continue;
    }
    result.checked++;
    let bad = false;
    let interrupted = false;
    if (c.file?.sha256 && c.file.sha256 !== o.sha256) {
      bad = true;
      const sizeNote = c.file.size !== o.bytes ? `; its size changed from ${c.file.size} to ${o.bytes} bytes` : '; same size';
      mismatch({ path: c.rel, code: 'digest-changed', expected: c.file.sha256, actual: o.sha256, algorithm: 'sha256', source: 'index', message: `the content differs from what the last scan recorded${sizeNote}` });
    } else if (c.file && !c.file.sha256) unhashed++;
    for (const d of c.declarations) {
      let actual: string | null;
      try {
        actual = await computeFor(d, c, o, stream);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ECANCELED') {
          result.complete = false;
          interrupted = true;
          break;
        }
        reportUnreadable(c, (e as Error).message, mismatch);
        bad = true;
        continue;
      }
      if (actual === d.digest) continue;
      bad = true;
      const sizeNote = d.size !== null && d.size !== o.bytes ? `; declared size ${d.size} bytes, actual ${o.bytes}` : '';
      mismatch({ path: c.rel, code: 'declared-mismatch', expected: d.digest, actual, algorithm: d.algorithm, source: d.source, message: `the ${LABEL[d.algorithm]} of the content differs from the declared one${sizeNote}` });
    }
    if (interrupted) result.checked--;
    else if (!bad) result.ok++;
    if (o.md5 && c.file && !c.file.md5 && c.file.sha256 === o.sha256) md5Updates.push([c.file.id, o.md5]);
  }
  if (md5Updates.length > 0) {
    inTransaction(ws.db, () => {
      for (const [id, digest] of md5Updates) setFileMd5(ws.db, id, digest);
    });
  }
  if (unhashed > 0) {
    finding({ path: under ?? '.', code: 'not-hashed', severity: 'info', message: `${unhashed} file${unhashed === 1 ? ' has' : 's have'} no digest in the index (the last scan did not hash ${unhashed === 1 ? 'it' : 'them'}); compared with declared digests only. To record them: pedigree index ${store.path}` });
  }
}

/**
 * The digest a declaration speaks of, computed from the file. A DVC 2 MD5 is
 * the plain MD5 for binary files; for text it is read again with CRLF as LF
 * (both DVC 2's reading and DVC 3's reading of legacy entries are tried).
 */
async function computeFor(d: Declaration, c: Candidate, o: Extract<HashOutcome, { ok: true }>, stream: (c: Candidate, size: number, want: { gitSha1?: boolean; dvcLegacy?: boolean }) => Promise<StreamedDigests>): Promise<string | null> {
  switch (d.algorithm) {
    case 'sha256':
      return o.sha256;
    case 'md5':
      return o.md5;
    case 'md5-dos2unix': {
      if (o.md5 === d.digest) return o.md5;
      const s = await stream(c, o.bytes, { dvcLegacy: true });
      if (s.dvc2Md5 === d.digest || s.dvc3LegacyMd5 === d.digest) return d.digest;
      return s.dvc2Md5 ?? o.md5;
    }
    case 'git-sha1':
      return (await stream(c, o.bytes, { gitSha1: true })).gitSha1;
  }
}

function declaredNote(c: Candidate): string {
  return c.declarations.length > 0 ? `; declared by ${c.declarations.map((d) => d.source).join('; ')}` : '';
}

function reportUnreadable(c: Candidate, why: string, mismatch: (m: Omit<Mismatch, 'storeId' | 'absPath'>) => void): void {
  mismatch({ path: c.rel, code: 'unreadable', expected: c.file?.sha256 ?? c.declarations[0]?.digest ?? null, actual: null, algorithm: c.file?.sha256 ? 'sha256' : (c.declarations[0]?.algorithm ?? null), source: c.file ? 'index' : (c.declarations[0]?.source ?? 'index'), message: `cannot be read, so it cannot be verified: ${why}` });
}

function reportFailedHash(c: Candidate, o: Extract<HashOutcome, { ok: false }>, mismatch: (m: Omit<Mismatch, 'storeId' | 'absPath'>) => void, finding: (f: Omit<VerifyFinding, 'storeId' | 'absPath'>) => void): void {
  if (o.kind === 'cancelled') return;
  if (o.kind === 'unstable') {
    finding({ path: c.rel, code: 'file-unstable', severity: 'warning', message: `${o.message}; not verified (something is writing to it)` });
    return;
  }
  if (o.code === 'ENOENT' && c.file) {
    mismatch({ path: c.rel, code: 'file-missing', expected: c.file.sha256, actual: null, algorithm: c.file.sha256 ? 'sha256' : null, source: 'index', message: `deleted while it was being verified${declaredNote(c)}` });
    return;
  }
  const why = o.code === 'EACCES' || o.code === 'EPERM' ? 'permission denied' : o.message;
  reportUnreadable(c, why, mismatch);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
