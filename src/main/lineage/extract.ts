import { inTransaction, type WritableDb } from '../db/connection';
import { presentFilesFromListing, presentFilesOfStore, type ListedFiles } from '../db/files';
import { clearStoreFindingsFrom, insertFinding } from '../db/findings';
import { declaredDigestsOfStore, ensureFileNode, filesWithDigest, getNode, insertEdge, nodesOfKind, replaceStoreAudits, replaceStoreLineage } from '../db/lineage';
import { auditCheckpoint } from './audit';
import type { StoreRecord } from '../db/stores';
import { listStoreRecords } from '../db/stores';
import { mergeFragments } from './merge';
import type { LineageFragment, ReaderContext, ReaderFinding, StoreReader } from './model';

export interface ExtractSummary {
  storeId: number;
  readers: string[];
  nodes: number;
  edges: number;
  findings: number;
  mismatches: number;
  hashMatched: number;
  seconds: number;
}

/**
 * Reads a store's lineage with every reader that recognises it, replaces the
 * store's graph in one transaction, then joins declared digests to indexed
 * files: equal digests become hash-matched edges (across stores too), a
 * different digest on the very file a store names becomes a mismatch finding.
 */
export async function extractStoreLineage(db: WritableDb, store: StoreRecord, readers: readonly StoreReader[], opts: { beforeWrite?: Promise<void>; listed?: ListedFiles | null } = {}): Promise<ExtractSummary> {
  const t0 = performance.now();
  // After a first index, its files as the scan wrote them: the same as reading them back, without the read.
  const files = (opts.listed && presentFilesFromListing(db, store.id, opts.listed)) || presentFilesOfStore(db, store.id);
  const ctx: ReaderContext = { root: store.path, files };
  const fragments: LineageFragment[] = [];
  const used: string[] = [];
  for (const reader of readers) {
    let matched = false;
    try {
      matched = reader.match(ctx);
      if (!matched) continue;
      used.push(reader.id);
      fragments.push(await reader.read(ctx));
    } catch (e) {
      // a reader that fails is a finding on the store, not the end of the others
      fragments.push({ reader: reader.id, nodes: [], edges: [], findings: [{ path: '.', code: `${reader.id}-reader-failed`, severity: 'error', message: `the ${reader.id} reader failed: ${e instanceof Error ? e.message : String(e)}` }] });
    }
  }
  const merged = mergeFragments(fragments);
  // Joining declared digests to files looks them up by digest: the file indexes a first index rebuilds must be back.
  await opts.beforeWrite;
  const now = new Date().toISOString();
  let mismatches = 0;
  let hashMatched = 0;
  inTransaction(db, () => {
    replaceStoreLineage(db, store.id, merged);
    clearStoreFindingsFrom(db, store.id, 'lineage');
    const add = (f: ReaderFinding) => insertFinding(db, { ...f, storeId: store.id, scanId: null, source: 'lineage' }, now);
    merged.findings.forEach(add);
    mismatches = checkDeclaredDigests(db, store.id, add);
    hashMatched = linkByDigest(db);
    recordAudits(db, store.id);
  });
  return { storeId: store.id, readers: used, nodes: merged.nodes.length, edges: merged.edges.length, findings: merged.findings.length + mismatches, mismatches, hashMatched, seconds: (performance.now() - t0) / 1000 };
}

/** Each checkpoint's audit status, kept so search can filter by it. Capped: beyond it, audits run when asked. */
const MAX_AUDITS = 5000;
function recordAudits(db: WritableDb, storeId: number): void {
  const rows = [];
  for (const n of nodesOfKind(db, 'checkpoint', storeId).slice(0, MAX_AUDITS)) {
    const a = auditCheckpoint(db, n.id);
    if (!a) continue;
    const axis = (name: string) => a.axes.find((x) => x.axis === name)!.status;
    rows.push({ nodeId: n.id, status: a.status, axes: { data: axis('data'), code: axis('code'), hyperparameters: axis('hyperparameters'), compute: axis('compute') } });
  }
  replaceStoreAudits(db, rows);
}

function actualDigest(algorithm: string | null, file: { sha256: string | null; md5: string | null }): string | null {
  if (algorithm === 'sha256') return file.sha256;
  if (algorithm === 'md5') return file.md5;
  return null; // md5-dos2unix and git-sha1 need the bytes: `pedigree verify` computes them
}

/** A file a store names, present at that path, whose digest is not the declared one. */
function checkDeclaredDigests(db: WritableDb, storeId: number, add: (f: ReaderFinding) => void): number {
  let n = 0;
  for (const r of declaredDigestsOfStore(db, storeId)) {
    if (r.fileId === null || !r.digest) continue;
    const actual = actualDigest(r.algorithm, r);
    if (actual === null || actual === r.digest.replace(/\.dir$/, '')) continue;
    const node = getNode(db, r.nodeId);
    const source = node?.evidence[0]?.file ?? 'the store';
    add({ path: r.path, code: 'declared-digest-mismatch', severity: 'error', message: `${source} declares ${r.algorithm} ${r.digest}, but the file has ${actual}` });
    n++;
  }
  return n;
}

/** Declared digests with no file at their path, joined to any indexed file (any store) with the same content. */
function linkByDigest(db: WritableDb): number {
  let n = 0;
  for (const store of listStoreRecords(db)) {
    for (const r of declaredDigestsOfStore(db, store.id)) {
      if (r.fileId !== null || !r.digest || (r.algorithm !== 'sha256' && r.algorithm !== 'md5')) continue;
      for (const file of filesWithDigest(db, r.algorithm, r.digest)) {
        const declared = getNode(db, r.nodeId);
        if (!declared) continue;
        const fileNode = ensureFileNode(db, file, declared.kind);
        if (fileNode === r.nodeId) continue;
        insertEdge(db, { fromId: fileNode, toId: r.nodeId, relation: 'same-content', strength: 'hash-matched', evidence: { file: r.path, detail: `${r.algorithm} ${r.digest}` } });
        n++;
      }
    }
  }
  return n;
}
