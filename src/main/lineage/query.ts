import type { ReadableDb } from '../db/connection';
import { edgesAmong, getNodes, neighbours, nodeFiles, nodesWithDigest, reachable, type EdgeRow, type NodeFileRow, type NodeRow } from '../db/lineage';

/** A piece of the lineage graph: nodes with their distance from the focus, the edges among them, their files. */
export interface Subgraph {
  focus: number[];
  nodes: (NodeRow & { depth: number; side: 'focus' | 'ancestor' | 'descendant' })[];
  edges: EdgeRow[];
  files: NodeFileRow[];
}

export function lineageAround(db: ReadableDb, nodeId: number, opts: { up: number; down: number }): Subgraph {
  const up = reachable(db, nodeId, 'up', opts.up);
  const down = reachable(db, nodeId, 'down', opts.down);
  const side = new Map<number, { depth: number; side: 'focus' | 'ancestor' | 'descendant' }>();
  for (const [id, depth] of up) side.set(id, { depth, side: id === nodeId ? 'focus' : 'ancestor' });
  for (const [id, depth] of down) if (!side.has(id)) side.set(id, { depth, side: 'descendant' });
  const ids = [...side.keys()];
  const nodes = getNodes(db, ids).map((n) => ({ ...n, ...side.get(n.id)! }));
  return { focus: [nodeId], nodes, edges: edgesAmong(db, ids), files: nodeFiles(db, ids) };
}

/**
 * The shortest chain of edges from `a` to `b`, following edges downstream
 * (a is an ancestor of b) or, failing that, upstream; null when neither way
 * connects them within `limit` visited nodes.
 */
export function pathBetween(db: ReadableDb, a: number, b: number, limit = 100_000): number[] | null {
  for (const dir of ['down', 'up'] as const) {
    const prev = new Map<number, number>([[a, a]]);
    let frontier = [a];
    while (frontier.length && prev.size < limit) {
      const next: number[] = [];
      for (const id of frontier) {
        const nb = neighbours(db, id);
        for (const n of dir === 'down' ? nb.down : nb.up) {
          if (prev.has(n)) continue;
          prev.set(n, id);
          if (n === b) {
            const path = [b];
            let cur = b;
            while (cur !== a) {
              cur = prev.get(cur)!;
              path.unshift(cur);
            }
            return path;
          }
          next.push(n);
        }
      }
      frontier = next;
    }
  }
  return null;
}

/** Every checkpoint downstream of the data with this digest (a whole sha256 or md5, declared or indexed). */
export function checkpointsFromDigest(db: ReadableDb, digest: string, maxDepth = 50): NodeRow[] {
  const seeds = nodesWithDigest(db, digest.toLowerCase());
  const found = new Map<number, number>();
  for (const s of seeds) for (const [id, d] of reachable(db, s.id, 'down', maxDepth)) if (!found.has(id) || found.get(id)! > d) found.set(id, d);
  return getNodes(db, [...found.keys()]).filter((n) => n.kind === 'checkpoint' || n.kind === 'model-version');
}
