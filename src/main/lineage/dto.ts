import type { ReadableDb } from '../db/connection';
import { joinStorePath } from '../db/files';
import { auditStatuses, edgesAmong, edgesOf, getNode, getNodes, nodeFiles, type EdgeRow, type NodeFileRow, type NodeRow } from '../db/lineage';
import { listStoreRecords } from '../db/stores';
import type { Integrity, LineageEdgeDto, LineageGraph, LineageNodeDto, NodeDetails, NodeFileDto } from '../../shared/lineage';
import { lineageAround } from './query';

/**
 * Turns lineage rows into what crosses the API: nodes with a one-line summary
 * and their integrity, edges with evidence, a node's full details.
 */

function integrityOf(rows: NodeFileRow[]): Integrity {
  const declared = rows.filter((r) => r.digest);
  const file = rows[0];
  if (!file) return 'declared-only';
  if (file.fileId === null) return 'declared-only';
  if (!file.sha256) return 'not-hashed';
  for (const d of declared) {
    const actual = d.algorithm === 'sha256' ? d.sha256 : d.algorithm === 'md5' ? d.md5 : null;
    if (actual && actual !== d.digest!.replace(/\.dir$/, '')) return 'mismatch';
  }
  return 'intact';
}

function filesByNode(rows: NodeFileRow[]): Map<number, Map<string, NodeFileRow[]>> {
  const out = new Map<number, Map<string, NodeFileRow[]>>();
  for (const r of rows) {
    const byPath = out.get(r.nodeId) ?? new Map<string, NodeFileRow[]>();
    byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
    out.set(r.nodeId, byPath);
  }
  return out;
}

/** A short line that says what a node is, from the props readers commonly give. */
export function summarize(n: NodeRow): string | null {
  const p = n.props;
  const pick = (...keys: string[]) => keys.map((k) => p[k]).find((v) => v !== undefined && v !== null && v !== '');
  const parts: string[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (n.kind) {
    case 'checkpoint': {
      const params = pick('parameters', 'totalParameters', 'params');
      const fmt = pick('format');
      if (fmt) parts.push(str(fmt));
      if (typeof params === 'number') parts.push(`${params >= 1e9 ? `${(params / 1e9).toFixed(1)}B` : params >= 1e6 ? `${(params / 1e6).toFixed(params >= 1e8 ? 0 : 1)}M` : params.toLocaleString('en')} params`);
      const dtypes = pick('dtypes', 'dtype', 'torch_dtype');
      if (dtypes) parts.push(typeof dtypes === 'object' ? Object.keys(dtypes as object).join('/') : str(dtypes));
      break;
    }
    case 'run': {
      const status = pick('status');
      if (status) parts.push(str(status));
      const name = pick('runName', 'run_name');
      if (name && name !== n.label) parts.push(str(name));
      break;
    }
    case 'stage':
      if (pick('cmd')) parts.push(str(pick('cmd')));
      break;
    case 'code': {
      const commit = pick('commit', 'sha');
      if (commit) parts.push(str(commit).slice(0, 10));
      if (pick('dirty') === true) parts.push('dirty');
      break;
    }
    case 'model-version': {
      const v = pick('version');
      if (v !== undefined) parts.push(`v${str(v).replace(/^v/, '')}`);
      const stage = pick('stage', 'currentStage', 'current_stage');
      if (stage) parts.push(str(stage));
      break;
    }
    default:
      break;
  }
  return parts.length ? parts.join(' · ').slice(0, 160) : null;
}

function storeNames(db: ReadableDb): Map<number, string> {
  return new Map(listStoreRecords(db).map((s) => [s.id, s.name]));
}

function toNodeDto(n: NodeRow, files: Map<string, NodeFileRow[]> | undefined, stores: Map<number, string>, audits: Map<number, string>, extra: { depth?: number; side?: LineageNodeDto['side'] } = {}): LineageNodeDto {
  const mismatch = [...(files?.values() ?? [])].some((rows) => integrityOf(rows) === 'mismatch');
  const audit = (audits.get(n.id) ?? null) as LineageNodeDto['audit'];
  return { id: n.id, storeId: n.storeId, storeName: stores.get(n.storeId) ?? '?', key: n.key, kind: n.kind, label: n.label, present: n.present, mismatch, summary: summarize(n), audit, ...extra };
}

export function toEdgeDto(e: EdgeRow): LineageEdgeDto {
  return { id: e.id, from: e.fromId, to: e.toId, relation: e.relation, strength: e.strength, evidence: e.evidence };
}

export function graphAround(db: ReadableDb, nodeId: number, up: number, down: number): LineageGraph {
  const sub = lineageAround(db, nodeId, { up, down });
  const stores = storeNames(db);
  const files = filesByNode(sub.files);
  const audits = auditStatuses(db, sub.nodes.map((n) => n.id));
  return {
    nodes: sub.nodes.map((n) => toNodeDto(n, files.get(n.id), stores, audits, { depth: n.depth, side: n.side })),
    edges: sub.edges.map(toEdgeDto),
    truncated: false,
    total: sub.nodes.length,
  };
}

/** The whole graph (of one store, or all), capped: the explorer's first view. */
export function graphOverview(db: ReadableDb, opts: { storeId?: number; limit: number }): LineageGraph {
  const all = (
    opts.storeId === undefined ? db.statement(`SELECT id FROM lineage_nodes ORDER BY id`).all() : db.statement(`SELECT id FROM lineage_nodes WHERE store_id = ? ORDER BY id`).all(opts.storeId)
  ) as { id: number }[];
  const ids = all.slice(0, opts.limit).map((r) => r.id);
  const nodes = getNodes(db, ids);
  const stores = storeNames(db);
  const files = filesByNode(nodeFiles(db, ids));
  const audits = auditStatuses(db, ids);
  return { nodes: nodes.map((n) => toNodeDto(n, files.get(n.id), stores, audits)), edges: edgesAmong(db, ids).map(toEdgeDto), truncated: all.length > ids.length, total: all.length };
}

export function nodeDetails(db: ReadableDb, nodeId: number, audit: NodeDetails['audit']): NodeDetails | null {
  const n = getNode(db, nodeId);
  if (!n) return null;
  const stores = storeNames(db);
  const storePaths = new Map(listStoreRecords(db).map((s) => [s.id, s.path]));
  const rows = nodeFiles(db, [nodeId]);
  const byPath = filesByNode(rows).get(nodeId) ?? new Map<string, NodeFileRow[]>();
  const files: NodeFileDto[] = [...byPath.entries()].map(([path, rs]) => {
    const r = rs[0]!;
    return {
      path,
      absPath: r.fileId !== null ? joinStorePath(storePaths.get(r.storeId) ?? '', path) : null,
      fileId: r.fileId,
      size: r.size,
      sha256: r.sha256,
      md5: r.md5,
      declared: rs.filter((x) => x.digest && x.algorithm).map((x) => ({ algorithm: x.algorithm!, digest: x.digest! })),
      integrity: integrityOf(rs),
    };
  });
  const edges = edgesOf(db, nodeId);
  const others = new Map(getNodes(db, [...new Set(edges.map((e) => (e.fromId === nodeId ? e.toId : e.fromId)))]).map((o) => [o.id, o]));
  const withOther = (e: EdgeRow, otherId: number) => {
    const o = others.get(otherId);
    return { ...toEdgeDto(e), other: { id: otherId, label: o?.label ?? '?', kind: o?.kind ?? 'dataset' } };
  };
  return {
    node: toNodeDto(n, byPath, stores, auditStatuses(db, [nodeId])),
    props: n.props,
    evidence: n.evidence,
    readers: n.readers,
    files,
    incoming: edges.filter((e) => e.toId === nodeId).map((e) => withOther(e, e.fromId)),
    outgoing: edges.filter((e) => e.fromId === nodeId).map((e) => withOther(e, e.toId)),
    audit,
  };
}

/** Nodes as the API sends them, in the order of `ids`. */
export function nodeDtos(db: ReadableDb, ids: number[]): LineageNodeDto[] {
  const stores = storeNames(db);
  const files = filesByNode(nodeFiles(db, ids));
  const audits = auditStatuses(db, ids);
  const byId = new Map(getNodes(db, ids).map((n) => [n.id, toNodeDto(n, files.get(n.id), stores, audits)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
