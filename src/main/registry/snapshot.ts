import type { ReadableDb } from '../db/connection';
import { nodesForFile } from '../db/lineage';
import { getStore } from '../db/stores';
import { lineageAround } from '../lineage/query';
import { compareText } from './canonical';
import type { LineageLinks, LineageSnapshot, SnapshotEdge, SnapshotFile, SnapshotNode } from '../../shared/registry';

/** How far upstream a version's lineage is captured. */
export const SNAPSHOT_DEPTH = 10;
/** Props larger than this (as JSON) keep only their short scalar values. */
const PROPS_MAX = 8 * 1024;

/** The lineage nodes standing for these indexed files. */
export function nodesOfFiles(db: ReadableDb, fileIds: number[]): number[] {
  const ids = new Set<number>();
  for (const f of fileIds) for (const n of nodesForFile(db, f)) ids.add(n.id);
  return [...ids];
}

/**
 * Copies the lineage upstream of the given nodes out of the graph: nodes
 * (with their files' digests), edges between them, all by value. Re-reading a
 * store later replaces its graph; the snapshot keeps what was true at
 * registration.
 */
export function captureLineage(db: ReadableDb, nodeIds: number[], capturedAt: string): LineageSnapshot {
  const storePaths = new Map<number, string>();
  const storePath = (id: number) => {
    let p = storePaths.get(id);
    if (p === undefined) {
      p = getStore(db, id)?.path ?? `(store ${id})`;
      storePaths.set(id, p);
    }
    return p;
  };
  const byId = new Map<number, SnapshotNode>();
  const edges = new Map<string, { fromId: number; toId: number; edge: Omit<SnapshotEdge, 'from' | 'to'> }>();
  for (const start of nodeIds) {
    const sub = lineageAround(db, start, { up: SNAPSHOT_DEPTH, down: 0 });
    const files = new Map<number, Map<string, SnapshotFile>>();
    for (const f of sub.files) {
      const perNode = files.get(f.nodeId) ?? new Map<string, SnapshotFile>();
      files.set(f.nodeId, perNode);
      const entry = perNode.get(f.path) ?? { path: f.path, sha256: f.sha256, md5: f.md5, declared: [] };
      entry.sha256 ??= f.sha256;
      entry.md5 ??= f.md5;
      if (f.algorithm && f.digest && !entry.declared.some((d) => d.algorithm === f.algorithm && d.value === f.digest)) entry.declared.push({ algorithm: f.algorithm, value: f.digest });
      perNode.set(f.path, entry);
    }
    for (const n of sub.nodes) {
      const prev = byId.get(n.id);
      if (prev) {
        prev.depth = Math.min(prev.depth, n.depth);
        continue;
      }
      byId.set(n.id, {
        ref: '',
        store: storePath(n.storeId),
        key: n.key,
        kind: n.kind,
        label: n.label,
        depth: n.depth,
        present: n.present,
        props: boundedProps(n.props),
        files: [...(files.get(n.id)?.values() ?? [])].sort((a, b) => compareText(a.path, b.path)),
      });
    }
    for (const e of sub.edges) edges.set(`${e.fromId}\u0000${e.toId}\u0000${e.relation}`, { fromId: e.fromId, toId: e.toId, edge: { relation: e.relation, strength: e.strength, evidence: e.evidence } });
  }
  const nodes = [...byId.entries()].sort(([, a], [, b]) => a.depth - b.depth || compareText(a.store, b.store) || compareText(a.key, b.key));
  nodes.forEach(([, n], i) => (n.ref = `n${i + 1}`));
  const refOf = new Map(nodes.map(([id, n]) => [id, n.ref]));
  const edgeList: SnapshotEdge[] = [];
  for (const { fromId, toId, edge } of edges.values()) {
    const from = refOf.get(fromId);
    const to = refOf.get(toId);
    if (from && to) edgeList.push({ from, to, ...edge });
  }
  edgeList.sort((a, b) => a.from.localeCompare(b.from, 'en', { numeric: true }) || a.to.localeCompare(b.to, 'en', { numeric: true }) || a.relation.localeCompare(b.relation));
  return { capturedAt, nodes: nodes.map(([, n]) => n), edges: edgeList };
}

function boundedProps(props: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(props).length <= PROPS_MAX) return props;
  const out: Record<string, unknown> = { truncated: true };
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string' && v.length <= 200) out[k] = v;
  }
  return JSON.stringify(out).length <= PROPS_MAX ? out : { truncated: true };
}

/** The snapshot read as the questions people ask of a version: which run, data, code, config, environment, base model. */
export function linksOf(snapshot: LineageSnapshot): LineageLinks {
  const links: LineageLinks = { runs: [], data: [], code: [], config: [], environment: [], baseModels: [] };
  // a checkpoint upstream is a base model when it was fed in; one linked as the same content or as what a version is of is the model itself
  const fedIn = new Set(snapshot.edges.filter((e) => e.relation === 'base-model' || e.relation === 'input').map((e) => e.from));
  for (const n of snapshot.nodes) {
    if (n.depth === 0) continue;
    const list =
      n.kind === 'run' || n.kind === 'stage'
        ? links.runs
        : n.kind === 'dataset'
          ? links.data
          : n.kind === 'code'
            ? links.code
            : n.kind === 'config'
              ? links.config
              : n.kind === 'environment'
                ? links.environment
                : (n.kind === 'checkpoint' || n.kind === 'model-version') && fedIn.has(n.ref)
                  ? links.baseModels
                  : null;
    if (!list) continue;
    const digests = [...new Set(n.files.flatMap((f) => [f.sha256 ? `sha256:${f.sha256}` : null, ...f.declared.map((d) => `${d.algorithm}:${d.value}`)]).filter((d): d is string => d !== null))];
    list.push({ label: n.label, key: n.key, store: n.store, digests, detail: detailOf(n) });
  }
  return links;
}

function detailOf(n: SnapshotNode): string | null {
  for (const k of ['commit', 'revision', 'git_commit', 'gitCommit', 'runId', 'run_id', 'cmd']) {
    const v = n.props[k];
    if (typeof v === 'string' && v) return `${k} ${v}`;
  }
  return null;
}
