import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../../shared/errors';
import type { CompareColumn } from '../../shared/compare';
import type { Evidence } from '../../shared/lineage';
import { versionLabel, type LineageSnapshot } from '../../shared/registry';
import type { ReadableDb } from '../db/connection';
import { fileIdAt, joinStorePath } from '../db/files';
import { getNode, nodeByKey, nodesForFile, type NodeRow } from '../db/lineage';
import { modelByName } from '../db/registry';
import { listStoreRecords } from '../db/stores';
import { auditCheckpoint } from '../lineage/audit';
import { lineageAround } from '../lineage/query';
import { resolveVersion } from '../registry/records';

/**
 * What is compared: a checkpoint in the lineage graph (by path, node id or
 * key) or a registry version (`model@v3`, `model@champion`, `model@latest`),
 * both turned into one shape: the subject's own files, and the lineage
 * upstream of it (the live graph, or the version's pinned snapshot).
 */

export interface ViewFile {
  path: string;
  absPath: string | null;
  size: number | null;
  sha256: string | null;
  declared: { algorithm: string; value: string }[];
}

export interface ViewNode {
  ref: string;
  kind: string;
  key: string;
  label: string;
  props: Record<string, unknown>;
  files: ViewFile[];
  evidence: Evidence | null;
}

export interface ViewEdge {
  from: string;
  to: string;
  relation: string;
}

export interface Subject {
  column: CompareColumn;
  /** The subject's own nodes (one for a checkpoint; every registered file's for a version). */
  selves: ViewNode[];
  /** Upstream, nearest first, not into a base model's own lineage (as the audit walks it). */
  ancestors: ViewNode[];
  bases: ViewNode[];
  /** The checkpoint's files (a version's pinned files). */
  files: ViewFile[];
  /** The model card, when one is linked or pinned. */
  card: { text: string; where: string } | null;
}

const UP = 8;

/** Upstream of the start nodes, following edges into them; base-model edges are named, not followed. */
export function walkUpstream(nodes: Map<string, ViewNode>, edges: ViewEdge[], start: string[]): { ancestors: ViewNode[]; bases: ViewNode[] } {
  const into = new Map<string, ViewEdge[]>();
  for (const e of edges) into.set(e.to, [...(into.get(e.to) ?? []), e]);
  const seen = new Set(start);
  const ancestors: ViewNode[] = [];
  const bases: ViewNode[] = [];
  let frontier = start;
  for (let depth = 0; frontier.length && depth < UP; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const e of into.get(id) ?? []) {
        if (seen.has(e.from)) continue;
        seen.add(e.from);
        const n = nodes.get(e.from);
        if (!n) continue;
        if (e.relation === 'base-model') bases.push(n);
        else {
          ancestors.push(n);
          next.push(e.from);
        }
      }
    }
    frontier = next;
  }
  return { ancestors, bases };
}

const CARD_MAX = 1024 * 1024;

function cardFrom(ancestors: ViewNode[], edges: ViewEdge[], selves: string[], read: (f: ViewFile) => string | null): Subject['card'] {
  const linked = new Set(edges.filter((e) => e.relation === 'card' && selves.includes(e.to)).map((e) => e.from));
  const card = ancestors.find((n) => n.kind === 'card' && linked.has(n.ref)) ?? ancestors.find((n) => n.kind === 'card');
  const file = card?.files[0];
  if (!file) return null;
  const text = read(file);
  return text === null ? null : { text, where: file.path };
}

function readSmall(f: ViewFile): string | null {
  if (!f.absPath || (f.size !== null && f.size > CARD_MAX)) return null;
  try {
    return readFileSync(f.absPath, 'utf8').slice(0, CARD_MAX);
  } catch {
    return null;
  }
}

export function checkpointSubject(db: ReadableDb, node: NodeRow, ref: string): Subject {
  const stores = new Map(listStoreRecords(db).map((s) => [s.id, s.path]));
  const sub = lineageAround(db, node.id, { up: UP, down: 0 });
  const nodes = new Map<string, ViewNode>();
  for (const n of sub.nodes) {
    const files = new Map<string, ViewFile>();
    for (const f of sub.files.filter((x) => x.nodeId === n.id)) {
      const v = files.get(f.path) ?? { path: f.path, absPath: f.fileId !== null ? joinStorePath(stores.get(f.storeId) ?? '', f.path) : null, size: f.size, sha256: f.sha256, declared: [] };
      v.sha256 ??= f.sha256;
      if (f.algorithm && f.digest && !v.declared.some((d) => d.algorithm === f.algorithm && d.value === f.digest)) v.declared.push({ algorithm: f.algorithm, value: f.digest });
      files.set(f.path, v);
    }
    nodes.set(String(n.id), { ref: String(n.id), kind: n.kind, key: n.key, label: n.label, props: n.props, files: [...files.values()], evidence: n.evidence[0] ?? null });
  }
  const edges = sub.edges.map((e) => ({ from: String(e.fromId), to: String(e.toId), relation: e.relation }));
  const self = nodes.get(String(node.id))!;
  const { ancestors, bases } = walkUpstream(nodes, edges, [self.ref]);
  const audit = node.kind === 'checkpoint' ? auditCheckpoint(db, node.id) : null;
  return {
    column: {
      label: self.files[0]?.path ?? node.label,
      kind: 'checkpoint',
      ref,
      nodeId: node.id,
      version: null,
      files: self.files.map((f) => ({ path: f.path, absPath: f.absPath, size: f.size, sha256: f.sha256 })),
      audit: audit ? Object.fromEntries(audit.axes.map((a) => [a.axis, a.status])) : null,
    },
    selves: [self],
    ancestors,
    bases,
    files: self.files,
    card: cardFrom(ancestors, edges, [self.ref], readSmall),
  };
}

export function snapshotSubject(snapshot: LineageSnapshot, column: CompareColumn, pinned: ViewFile[], card: Subject['card']): Subject {
  const nodes = new Map<string, ViewNode>();
  // a snapshot node keeps no evidence of its own; the edge out of it says where it was read
  const evidenceOf = new Map<string, Evidence>();
  for (const e of snapshot.edges) if (!evidenceOf.has(e.from)) evidenceOf.set(e.from, e.evidence);
  for (const n of snapshot.nodes) {
    nodes.set(n.ref, {
      ref: n.ref,
      kind: n.kind,
      key: n.key,
      label: n.label,
      props: n.props,
      files: n.files.map((f) => ({ path: f.path, absPath: joinStorePath(n.store, f.path), size: null, sha256: f.sha256, declared: f.declared })),
      evidence: evidenceOf.get(n.ref) ?? (n.files[0] ? { file: n.files[0].path } : null),
    });
  }
  const edges = snapshot.edges.map((e) => ({ from: e.from, to: e.to, relation: e.relation }));
  const selves = snapshot.nodes.filter((n) => n.depth === 0).map((n) => nodes.get(n.ref)!);
  const { ancestors, bases } = walkUpstream(nodes, edges, selves.map((s) => s.ref));
  return { column, selves, ancestors, bases, files: pinned, card: card ?? cardFrom(ancestors, edges, selves.map((s) => s.ref), readSmall) };
}

function registrySubject(db: ReadableDb, ref: string, modelName: string, versionRef: string): Subject {
  const model = modelByName(db, modelName);
  if (!model) throw new ApiError('not-found', `no registered model "${modelName}" (from ${ref}); see: pedigree registry list`);
  let v;
  try {
    v = resolveVersion(db, model, versionRef);
  } catch (e) {
    // `model@champion` names an alias without its `@`
    if (versionRef.startsWith('@')) throw e;
    try {
      v = resolveVersion(db, model, `@${versionRef}`);
    } catch {
      throw e;
    }
  }
  const pinned = v.files.map((f) => ({ path: f.path, absPath: joinStorePath(f.store, f.path), size: f.size, sha256: f.sha256, declared: [] }));
  const column: CompareColumn = {
    label: `${model.name}@${versionLabel(v.name)}`,
    kind: 'registry-version',
    ref,
    nodeId: null,
    version: `${model.name}@${versionLabel(v.name)}`,
    files: pinned.map((f) => ({ path: f.path, absPath: f.absPath, size: f.size, sha256: f.sha256 })),
    audit: null,
  };
  const card = v.card?.text ? { text: v.card.text, where: v.card.path } : null;
  return snapshotSubject(v.lineage, column, pinned, card);
}

/** The node a PATH|ID|KEY names: a checkpoint first when several stand for one file. */
export function resolveNode(db: ReadableDb, target: string): NodeRow {
  const id = /^#?(\d+)$/.exec(target);
  if (id && !existsSync(target)) {
    const n = getNode(db, Number(id[1]));
    if (!n) throw new ApiError('not-found', `no lineage node with id ${id[1]}`);
    return n;
  }
  const stores = listStoreRecords(db);
  if (/^[a-z-]+:/.test(target)) {
    for (const s of stores) {
      const n = nodeByKey(db, s.id, target);
      if (n) return n;
    }
  }
  const abs = resolve(target);
  const store = stores.find((s) => abs === s.path || abs.startsWith(`${s.path}/`));
  if (!store) throw new ApiError('invalid-input', `${target} is neither a registry version (model@version), a node id, a node key nor a path inside a store`);
  const fileId = fileIdAt(db, store.id, abs.slice(store.path.length + 1));
  if (fileId === null) throw new ApiError('invalid-input', `${abs} is not indexed; run: pedigree index ${store.path}`);
  const rank = (n: NodeRow) => (n.kind === 'checkpoint' ? 0 : n.kind === 'model-version' ? 1 : 2);
  const nodes = nodesForFile(db, fileId).sort((a, b) => rank(a) - rank(b));
  if (!nodes[0]) throw new ApiError('invalid-input', `${abs} is indexed, but no lineage reader describes it`);
  return nodes[0];
}

/** `model@version` when the text is not an existing path and the model is registered. */
export function resolveSubject(db: ReadableDb, ref: string): Subject {
  const at = ref.lastIndexOf('@');
  if (at > 0 && !existsSync(ref)) {
    const name = ref.slice(0, at);
    // names may have namespaces (`org/model`); a path with an `@` is a path unless such a model exists
    if (!name.includes('/') || modelByName(db, name)) return registrySubject(db, ref, name, ref.slice(at + 1) || 'latest');
  }
  const node = resolveNode(db, ref);
  if (node.kind !== 'checkpoint' && node.kind !== 'model-version') throw new ApiError('invalid-input', `${ref} is a ${node.kind} (${node.label}), not a checkpoint`);
  return checkpointSubject(db, node, ref);
}
