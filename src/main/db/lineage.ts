import type { MergedLineage } from '../lineage/merge';
import type { Evidence, LineageEdge, NodeKind } from '../lineage/model';
import type { ReadableDb, WritableDb } from './connection';
import { sha256HasPrefix, sha256Is, sha256PrefixParams } from './files';

export interface NodeRow {
  id: number;
  storeId: number;
  key: string;
  kind: NodeKind;
  label: string;
  props: Record<string, unknown>;
  evidence: Evidence[];
  readers: string[];
  present: boolean;
}

export interface NodeFileRow {
  nodeId: number;
  path: string;
  fileId: number | null;
  size: number | null;
  algorithm: string | null;
  digest: string | null;
  declaredOnly: boolean;
  /** The indexed file's own digests, when the node file is joined to one. */
  sha256: string | null;
  md5: string | null;
  storeId: number;
}

export interface EdgeRow {
  id: number;
  fromId: number;
  toId: number;
  relation: LineageEdge['relation'];
  strength: LineageEdge['strength'];
  evidence: Evidence;
}

interface RawNode {
  id: number;
  store_id: number;
  key: string;
  kind: NodeKind;
  label: string;
  props: string;
  evidence: string;
  readers: string;
  present: number;
}
const toNode = (r: RawNode): NodeRow => ({
  id: r.id,
  storeId: r.store_id,
  key: r.key,
  kind: r.kind,
  label: r.label,
  props: JSON.parse(r.props) as Record<string, unknown>,
  evidence: JSON.parse(r.evidence) as Evidence[],
  readers: r.readers.split(','),
  present: r.present === 1,
});

interface RawEdge {
  id: number;
  from_id: number;
  to_id: number;
  relation: LineageEdge['relation'];
  strength: LineageEdge['strength'];
  evidence_file: string;
  evidence_line: number | null;
  evidence_detail: string | null;
}
const toEdge = (r: RawEdge): EdgeRow => ({
  id: r.id,
  fromId: r.from_id,
  toId: r.to_id,
  relation: r.relation,
  strength: r.strength,
  evidence: { file: r.evidence_file, ...(r.evidence_line !== null ? { line: r.evidence_line } : {}), ...(r.evidence_detail !== null ? { detail: r.evidence_detail } : {}) },
});

/**
 * Replaces one store's lineage with a freshly merged graph. Node files are
 * joined to the indexed file at the same path; a node whose every file is
 * declared but absent is stored as "declared, not present".
 */
export function replaceStoreLineage(db: WritableDb, storeId: number, merged: MergedLineage): Map<string, number> {
  db.statement(`DELETE FROM lineage_nodes WHERE store_id = ?`).run(storeId);
  const fileAt = db.statement(`SELECT id FROM files WHERE store_id = ? AND display_path = ? AND state = 'present'`);
  const insertNode = db.statement(`INSERT INTO lineage_nodes (store_id, key, kind, label, props, evidence, readers, present) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertFile = db.statement(`INSERT INTO lineage_node_files (node_id, path, file_id, size, algorithm, digest, declared_only) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertEdge = db.statement(
    `INSERT INTO lineage_edges (from_id, to_id, relation, strength, evidence_file, evidence_line, evidence_detail) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (from_id, to_id, relation) DO NOTHING`,
  );
  const insertText = db.statement(`INSERT INTO lineage_fts (rowid, label, key, body) VALUES (?, ?, ?, ?)`);
  const ids = new Map<string, number>();
  for (const n of merged.nodes) {
    const resolved = n.files.map((f) => ({ f, fileId: (fileAt.get(storeId, f.path) as { id: number } | undefined)?.id ?? null }));
    const present = n.files.length === 0 ? n.present : resolved.some((r) => r.fileId !== null) || (n.present && resolved.some((r) => !r.f.declaredOnly));
    const id = Number(insertNode.run(storeId, n.key, n.kind, n.label, JSON.stringify(n.props), JSON.stringify(n.evidence.slice(0, 50)), n.readers.join(','), present ? 1 : 0).lastInsertRowid);
    ids.set(n.key, id);
    insertText.run(id, n.label, n.key, searchText(n.props, n.files.map((f) => f.path)));
    for (const { f, fileId } of resolved) {
      const digests = f.digests?.length ? f.digests : [null];
      for (const d of digests) insertFile.run(id, f.path, fileId, f.size ?? null, d?.algorithm ?? null, d?.value ?? null, f.declaredOnly ? 1 : 0);
    }
  }
  for (const e of merged.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from === undefined || to === undefined) continue;
    insertEdge.run(from, to, e.relation, e.strength, e.evidence.file, e.evidence.line ?? null, e.evidence.detail ?? null);
  }
  return ids;
}

/** What full-text search sees of a node: its props as `key value` lines (params, card metadata, commits) and its paths. */
function searchText(props: Record<string, unknown>, paths: string[]): string {
  const out: string[] = [...paths];
  const walk = (v: unknown, key: string, depth: number) => {
    if (out.length > 2000) return;
    if (v === null || v === undefined) return;
    if (typeof v === 'object') {
      if (depth > 4) return;
      for (const [k, x] of Array.isArray(v) ? v.slice(0, 200).map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>)) walk(x, Array.isArray(v) ? key : `${key}.${k}`, depth + 1);
      return;
    }
    out.push(`${key.replace(/^\./, '')} ${String(v).slice(0, 500)}`);
  };
  walk(props, '', 0);
  return out.join('\n').slice(0, 200_000);
}

export function replaceStoreAudits(db: WritableDb, rows: { nodeId: number; status: string; axes: Record<'data' | 'code' | 'hyperparameters' | 'compute', string> }[]): void {
  const put = db.statement(`INSERT OR REPLACE INTO lineage_audit (node_id, status, data, code, hyperparameters, compute) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const r of rows) put.run(r.nodeId, r.status, r.axes.data, r.axes.code, r.axes.hyperparameters, r.axes.compute);
}

/** Node files whose declared digest can be compared with an indexed file's. */
export function declaredDigestsOfStore(db: ReadableDb, storeId: number): NodeFileRow[] {
  return (
    db
      .statement(
        `SELECT nf.node_id, nf.path, nf.file_id, nf.size, nf.algorithm, nf.digest, nf.declared_only, f.sha256, f.md5, n.store_id
         FROM lineage_node_files nf JOIN lineage_nodes n ON n.id = nf.node_id LEFT JOIN files f ON f.id = nf.file_id
         WHERE n.store_id = ? AND nf.digest IS NOT NULL`,
      )
      .all(storeId) as { node_id: number; path: string; file_id: number | null; size: number | null; algorithm: string | null; digest: string | null; declared_only: number; sha256: string | null; md5: string | null; store_id: number }[]
  ).map((r) => ({ nodeId: r.node_id, path: r.path, fileId: r.file_id, size: r.size, algorithm: r.algorithm, digest: r.digest, declaredOnly: r.declared_only === 1, sha256: r.sha256, md5: r.md5, storeId: r.store_id }));
}

/** Indexed files (any store) with this digest. */
export function filesWithDigest(db: ReadableDb, algorithm: 'sha256' | 'md5', digest: string): { id: number; storeId: number; path: string }[] {
  const sql = algorithm === 'sha256' ? `SELECT id, store_id, display_path FROM files WHERE ${sha256Is('sha256', '@d')} AND state = 'present'` : `SELECT id, store_id, display_path FROM files WHERE md5 = @d AND state = 'present'`;
  return (db.statement(sql).all({ d: digest }) as { id: number; store_id: number; display_path: string }[]).map((r) => ({ id: r.id, storeId: r.store_id, path: r.display_path }));
}

/** The node standing for an indexed file, creating a plain file node when no reader made one. */
export function ensureFileNode(db: WritableDb, file: { id: number; storeId: number; path: string }, kind: NodeKind): number {
  const existing = db.statement(`SELECT node_id FROM lineage_node_files WHERE file_id = ? LIMIT 1`).get(file.id) as { node_id: number } | undefined;
  if (existing) return existing.node_id;
  const key = `file:${file.path}`;
  const byKey = db.statement(`SELECT id FROM lineage_nodes WHERE store_id = ? AND key = ?`).get(file.storeId, key) as { id: number } | undefined;
  if (byKey) return byKey.id;
  const id = Number(
    db
      .statement(`INSERT INTO lineage_nodes (store_id, key, kind, label, props, evidence, readers, present) VALUES (?, ?, ?, ?, '{}', '[]', 'index', 1)`)
      .run(file.storeId, key, kind, file.path.split('/').pop() ?? file.path).lastInsertRowid,
  );
  db.statement(`INSERT INTO lineage_node_files (node_id, path, file_id, declared_only) VALUES (?, ?, ?, 0)`).run(id, file.path, file.id);
  return id;
}

export function insertEdge(db: WritableDb, e: { fromId: number; toId: number; relation: LineageEdge['relation']; strength: LineageEdge['strength']; evidence: Evidence }): void {
  db.statement(
    `INSERT INTO lineage_edges (from_id, to_id, relation, strength, evidence_file, evidence_line, evidence_detail) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (from_id, to_id, relation) DO NOTHING`,
  ).run(e.fromId, e.toId, e.relation, e.strength, e.evidence.file, e.evidence.line ?? null, e.evidence.detail ?? null);
}

export function getNode(db: ReadableDb, id: number): NodeRow | null {
  const r = db.statement(`SELECT * FROM lineage_nodes WHERE id = ?`).get(id) as RawNode | undefined;
  return r ? toNode(r) : null;
}

export function getNodes(db: ReadableDb, ids: number[]): NodeRow[] {
  const out: NodeRow[] = [];
  // batched: SQLite caps bound parameters
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...(db.raw.prepare(`SELECT * FROM lineage_nodes WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as RawNode[]).map(toNode));
  }
  return out;
}

export function nodesForFile(db: ReadableDb, fileId: number): NodeRow[] {
  return (db.statement(`SELECT n.* FROM lineage_nodes n JOIN lineage_node_files nf ON nf.node_id = n.id WHERE nf.file_id = ? GROUP BY n.id`).all(fileId) as RawNode[]).map(toNode);
}

export function nodeByKey(db: ReadableDb, storeId: number, key: string): NodeRow | null {
  const r = db.statement(`SELECT * FROM lineage_nodes WHERE store_id = ? AND key = ?`).get(storeId, key) as RawNode | undefined;
  return r ? toNode(r) : null;
}

export function nodeFiles(db: ReadableDb, nodeIds: number[]): NodeFileRow[] {
  const out: NodeFileRow[] = [];
  for (let i = 0; i < nodeIds.length; i += 500) {
    const chunk = nodeIds.slice(i, i + 500);
    const rows = db.raw
      .prepare(
        `SELECT nf.node_id, nf.path, nf.file_id, nf.size, nf.algorithm, nf.digest, nf.declared_only, f.sha256, f.md5, n.store_id
         FROM lineage_node_files nf JOIN lineage_nodes n ON n.id = nf.node_id LEFT JOIN files f ON f.id = nf.file_id
         WHERE nf.node_id IN (${chunk.map(() => '?').join(',')})`,
      )
      .all(...chunk) as { node_id: number; path: string; file_id: number | null; size: number | null; algorithm: string | null; digest: string | null; declared_only: number; sha256: string | null; md5: string | null; store_id: number }[];
    out.push(...rows.map((r) => ({ nodeId: r.node_id, path: r.path, fileId: r.file_id, size: r.size, algorithm: r.algorithm, digest: r.digest, declaredOnly: r.declared_only === 1, sha256: r.sha256, md5: r.md5, storeId: r.store_id })));
  }
  return out;
}

/** Nodes reachable upstream (ancestors) or downstream (descendants), with their distance. */
export function reachable(db: ReadableDb, start: number, direction: 'up' | 'down', maxDepth: number): Map<number, number> {
  const sql =
    direction === 'up'
      ? `WITH RECURSIVE walk(id, depth) AS (SELECT ?, 0 UNION SELECT e.from_id, walk.depth + 1 FROM lineage_edges e JOIN walk ON e.to_id = walk.id WHERE walk.depth < ?)
         SELECT id, MIN(depth) AS depth FROM walk GROUP BY id`
      : `WITH RECURSIVE walk(id, depth) AS (SELECT ?, 0 UNION SELECT e.to_id, walk.depth + 1 FROM lineage_edges e JOIN walk ON e.from_id = walk.id WHERE walk.depth < ?)
         SELECT id, MIN(depth) AS depth FROM walk GROUP BY id`;
  const rows = db.statement(sql).all(start, maxDepth) as { id: number; depth: number }[];
  return new Map(rows.map((r) => [r.id, r.depth]));
}

export function edgesAmong(db: ReadableDb, ids: number[]): EdgeRow[] {
  if (ids.length === 0) return [];
  // json_each keeps this one statement whatever the number of ids (no bound-parameter limit). The unary +
  // keeps SQLite from probing the (from_id, to_id) index with every pair of ids, which is quadratic.
  const json = JSON.stringify(ids);
  return (
    db.statement(`SELECT e.* FROM lineage_edges e WHERE e.from_id IN (SELECT value FROM json_each(?)) AND +e.to_id IN (SELECT value FROM json_each(?))`).all(json, json) as RawEdge[]
  ).map(toEdge);
}

export function edgesOf(db: ReadableDb, nodeId: number): EdgeRow[] {
  return (db.statement(`SELECT * FROM lineage_edges WHERE from_id = ? OR to_id = ?`).all(nodeId, nodeId) as RawEdge[]).map(toEdge);
}

export function neighbours(db: ReadableDb, nodeId: number): { up: number[]; down: number[] } {
  const up = (db.statement(`SELECT from_id AS id FROM lineage_edges WHERE to_id = ?`).all(nodeId) as { id: number }[]).map((r) => r.id);
  const down = (db.statement(`SELECT to_id AS id FROM lineage_edges WHERE from_id = ?`).all(nodeId) as { id: number }[]).map((r) => r.id);
  return { up, down };
}

export function nodesOfKind(db: ReadableDb, kind: NodeKind, storeId?: number): NodeRow[] {
  return (
    (storeId === undefined ? db.statement(`SELECT * FROM lineage_nodes WHERE kind = ? ORDER BY label`).all(kind) : db.statement(`SELECT * FROM lineage_nodes WHERE kind = ? AND store_id = ? ORDER BY label`).all(kind, storeId)) as RawNode[]
  ).map(toNode);
}

export function nodesWithDigest(db: ReadableDb, digest: string): NodeRow[] {
  return (
    db
      .statement(
        // Three lookups, each through its index (an OR of them in one join read every node).
        `SELECT n.* FROM lineage_nodes n WHERE n.id IN (
           SELECT node_id FROM lineage_node_files WHERE digest = @d
           UNION SELECT nf.node_id FROM files f JOIN lineage_node_files nf ON nf.file_id = f.id WHERE ${sha256Is('f.sha256', '@d')}
           UNION SELECT nf.node_id FROM files f JOIN lineage_node_files nf ON nf.file_id = f.id WHERE f.md5 = @d)`,
      )
      .all({ d: digest }) as RawNode[]
  ).map(toNode);
}

export function lineageCounts(db: ReadableDb): { nodes: number; edges: number } {
  return db.statement(`SELECT (SELECT COUNT(*) FROM lineage_nodes) AS nodes, (SELECT COUNT(*) FROM lineage_edges) AS edges`).get() as { nodes: number; edges: number };
}

const HEX_PREFIX = /^[0-9a-f]{6,64}$/i;

/**
 * Search over nodes: full-text (word prefixes over names, keys, paths, params
 * and card metadata), substrings of names, and digest prefixes of their files;
 * filtered by kind, store and audit status.
 */
export function searchNodes(db: ReadableDb, q: { text: string; kind?: NodeKind; storeId?: number; auditStatus?: string; limit: number }): { total: number; rows: NodeRow[] } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: q.limit };
  const text = q.text.trim();
  if (text) {
    params.like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const any = [`n.label LIKE @like ESCAPE '\\'`];
    const match = ftsQuery(text);
    if (match) {
      params.match = match;
      any.push(`n.id IN (SELECT rowid FROM lineage_fts WHERE lineage_fts MATCH @match)`);
    } else any.push(`n.key LIKE @like ESCAPE '\\'`);
    if (HEX_PREFIX.test(text)) {
      Object.assign(params, sha256PrefixParams(text));
      any.push(
        `n.id IN (SELECT nf.node_id FROM lineage_node_files nf WHERE nf.digest >= @lo AND nf.digest < @hi)`,
        `n.id IN (SELECT nf.node_id FROM lineage_node_files nf JOIN files f ON f.id = nf.file_id WHERE ${sha256HasPrefix('f.sha256')} OR (f.md5 >= @lo AND f.md5 < @hi))`,
      );
    }
    where.push(`(${any.join(' OR ')})`);
  }
  if (q.kind) {
    where.push('n.kind = @kind');
    params.kind = q.kind;
  }
  if (q.storeId !== undefined) {
    where.push('n.store_id = @storeId');
    params.storeId = q.storeId;
  }
  if (q.auditStatus) {
    where.push('n.id IN (SELECT node_id FROM lineage_audit WHERE status = @audit)');
    params.audit = q.auditStatus;
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.statement(`SELECT COUNT(*) AS c FROM lineage_nodes n ${w}`).get(params) as { c: number }).c;
  // label hits first, then by kind and name
  const first = text ? `(n.label LIKE @like ESCAPE '\\') DESC, ` : '';
  const rows = db.statement(`SELECT n.* FROM lineage_nodes n ${w} ORDER BY ${first}n.kind, n.label LIMIT @limit`).all(params) as RawNode[];
  return { total, rows: rows.map(toNode) };
}

/** Words of the query as FTS5 prefix terms, all required; null when nothing searchable is left. */
function ftsQuery(text: string): string | null {
  const words = text.split(/[^\p{L}\p{N}_]+/u).filter((w) => w.length > 0).slice(0, 12);
  return words.length ? words.map((w) => `"${w.replace(/"/g, '')}"*`).join(' ') : null;
}

export function auditStatusOf(db: ReadableDb, nodeId: number): string | null {
  return (db.statement(`SELECT status FROM lineage_audit WHERE node_id = ?`).get(nodeId) as { status: string } | undefined)?.status ?? null;
}

/** Audit statuses of these nodes (checkpoints whose lineage was read). */
export function auditStatuses(db: ReadableDb, ids: number[]): Map<number, string> {
  if (ids.length === 0) return new Map();
  const rows = db.statement(`SELECT node_id, status FROM lineage_audit WHERE node_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as { node_id: number; status: string }[];
  return new Map(rows.map((r) => [r.node_id, r.status]));
}
