import { resolve } from 'node:path';
import { fileIdAt } from '../../db/files';
import { getNode, nodeByKey, nodesForFile, type NodeRow } from '../../db/lineage';
import type { Workspace } from '../../core/workspace';
import { UsageError } from '../command';

/**
 * What `lineage` and `audit` are pointed at: a node id (`#12` or `12`), a node
 * key (`mlflow:run:…`), or a path to an indexed file (the node standing for it;
 * a checkpoint first when several do).
 */
export function resolveNodes(ws: Workspace, target: string): NodeRow[] {
  const idMatch = /^#?(\d+)$/.exec(target);
  if (idMatch) {
    const n = getNode(ws.db, Number(idMatch[1]));
    if (!n) throw new UsageError(`no lineage node with id ${idMatch[1]}`);
    return [n];
  }
  const stores = ws.listStores();
  if (/^[a-z-]+:/.test(target) && !target.startsWith('/')) {
    for (const s of stores) {
      const n = nodeByKey(ws.db, s.id, target);
      if (n) return [n];
    }
  }
  const abs = resolve(target);
  const store = stores.find((s) => abs === s.path || abs.startsWith(`${s.path}/`));
  if (!store) throw new UsageError(`${target} is neither a node id, a node key nor a path inside a store`);
  const fileId = fileIdAt(ws.db, store.id, abs.slice(store.path.length + 1));
  if (fileId === null) throw new UsageError(`${abs} is not indexed; run: pedigree index ${store.path}`);
  const nodes = nodesForFile(ws.db, fileId);
  if (nodes.length === 0) throw new UsageError(`${abs} is indexed, but no lineage reader describes it`);
  const rank = (n: NodeRow) => (n.kind === 'checkpoint' ? 0 : n.kind === 'dataset' ? 1 : 2);
  return nodes.sort((a, b) => rank(a) - rank(b));
}
