import { mkdirSync } from 'node:fs';
import { xorshift } from './fixtures';
import { closeDb, inTransaction, openWorkspaceDb } from '../../src/main/db/connection';
import { replaceStoreLineage } from '../../src/main/db/lineage';
import { insertStore } from '../../src/main/db/stores';
import { mergeFragments } from '../../src/main/lineage/merge';
import type { LineageEdge, LineageFragment, LineageNode, NodeKind } from '../../src/main/lineage/model';

/**
 * A synthetic lineage graph shaped like a research group's: projects
 * (families) of 40-100 nodes in which raw datasets feed preprocessing stages
 * and training runs, runs write checkpoints, later runs fine-tune from earlier
 * checkpoints (so chains grow deep), some checkpoints become model versions,
 * and a few public corpora are shared across projects. Fan-in is 1-3 (runs
 * 1-3, stages 1-2, everything else 1). Deterministic for a given seed.
 */
export interface SyntheticLineage {
  fragment: LineageFragment;
  /** Longest path from a source, per node key. */
  depth: Map<string, number>;
  edges: number;
}

const READER = 'bench';
const EVIDENCE_FILE = 'bench/lineage.json';


export function syntheticLineage(total: number, seed = 0x11ea6e): SyntheticLineage {
  const rand = xorshift(seed);
  const hex = (n: number) => Array.from({ length: n }, () => (rand() % 16).toString(16)).join('');
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const depth = new Map<string, number>();
  const full = () => nodes.length >= total;

  const add = (kind: NodeKind, id: string, label: string, props: Record<string, unknown>, inputs: { key: string; relation: LineageEdge['relation'] }[], file?: string): string | null => {
    if (full()) return null;
    const key = `${READER}:${kind}:${id}`;
    nodes.push({ key, kind, label, props, files: file ? [{ path: file, size: 1024 + (rand() % 1_000_000), digests: [{ algorithm: 'sha256', value: hex(64) }] }] : [], evidence: [{ file: EVIDENCE_FILE, detail: id }] });
    let d = 0;
    for (const i of inputs) {
      edges.push({ from: i.key, to: key, relation: i.relation, strength: 'declared', evidence: { file: EVIDENCE_FILE, detail: `${i.relation} of ${id}` } });
      d = Math.max(d, (depth.get(i.key) ?? 0) + 1);
    }
    depth.set(key, d);
    return key;
  };
  // Mostly one of the last few: pipelines build on what they just made.
  const recent = (xs: string[]) => xs[xs.length - 1 - (rand() % Math.min(xs.length, 4))]!;

  const shared: string[] = [];
  for (let i = 0; i < Math.max(1, Math.min(30, Math.floor(total / 200))); i++) {
    const k = add('dataset', `corpus-${i}`, `corpus-${i}`, { source: 'public', rows: 1e6 + (rand() % 1e8) }, [], `corpora/corpus-${i}.parquet`);
    if (k) shared.push(k);
  }
  for (let f = 0; !full(); f++) {
    const datasets: string[] = [];
    const ckpts: string[] = [];
    let runs = 0;
    const start = nodes.length;
    const size = 40 + (rand() % 61);
    for (let i = 0; i < 1 + (rand() % 3); i++) {
      const k = add('dataset', `p${f}-raw${i}`, `p${f}/raw-${i}.csv`, { rows: 1000 + (rand() % 1e6) }, [], `p${f}/data/raw-${i}.csv`);
      if (k) datasets.push(k);
    }
    while (!full() && nodes.length - start < size && datasets.length > 0) {
      if (rand() % 10 < 3) {
        const ins = [...new Set([recent(datasets), ...(rand() % 2 ? [recent(datasets)] : [])])];
        const s = add('stage', `p${f}-s${nodes.length}`, `p${f}/prepare-${nodes.length}`, { cmd: `python prepare.py --part ${nodes.length}` }, ins.map((key) => ({ key, relation: 'input' })));
        const out = s && add('dataset', `p${f}-d${nodes.length}`, `p${f}/features-${nodes.length}`, { rows: 1000 + (rand() % 1e6) }, [{ key: s, relation: 'output' }], `p${f}/data/features-${nodes.length}.parquet`);
        if (out) datasets.push(out);
      } else {
        const ins = new Set([rand() % 10 === 0 ? shared[rand() % shared.length]! : recent(datasets)]);
        if (ckpts.length && rand() % 10 < 6) ins.add(recent(ckpts));
        if (rand() % 3 === 0) ins.add(recent(datasets));
        const run = runs++;
        const r = add('run', `p${f}-r${run}`, `p${f}/train-${run}`, { status: 'FINISHED', params: { lr: 1e-4 * (1 + (rand() % 9)), batch_size: 16 << (rand() % 4), seed: rand() % 1000 } }, [...ins].map((key) => ({ key, relation: 'input' })));
        if (!r) break;
        for (let e = 0, n = 1 + (rand() % 2); e < n; e++) {
          const c = add('checkpoint', `p${f}-r${run}-e${e}`, `p${f}/train-${run}/epoch_${e}.safetensors`, { format: 'safetensors', parameters: 1e6 * (10 + (rand() % 7000)), dtypes: { BF16: 100 + (rand() % 300) } }, [{ key: r, relation: 'output' }], `p${f}/ckpt/train-${run}/epoch_${e}.safetensors`);
          if (!c) break;
          ckpts.push(c);
          if (rand() % 4 === 0) add('model-version', `p${f}-v${ckpts.length}`, `p${f}-model v${ckpts.length}`, { version: ckpts.length, stage: rand() % 3 ? 'staging' : 'production' }, [{ key: c, relation: 'version-of' }]);
        }
      }
    }
  }
  return { fragment: { reader: READER, nodes, edges, findings: [] }, depth, edges: edges.length };
}

export interface WrittenLineage {
  storeId: number;
  /** Node id per key. */
  ids: Map<string, number>;
  seconds: number;
}

/** Writes the graph into a new workspace database through the app's own merge and lineage queries. */
export function writeLineageDb(dbPath: string, storeDir: string, lineage: SyntheticLineage): WrittenLineage {
  const t0 = performance.now();
  mkdirSync(storeDir, { recursive: true });
  const db = openWorkspaceDb(dbPath);
  try {
    const store = insertStore(db, { path: storeDir, name: 'synthetic lineage', followSymlinks: false, now: new Date().toISOString() });
    const ids = inTransaction(db, () => replaceStoreLineage(db, store.id, mergeFragments([lineage.fragment])));
    db.raw.pragma('wal_checkpoint(TRUNCATE)');
    return { storeId: store.id, ids, seconds: (performance.now() - t0) / 1000 };
  } finally {
    closeDb(db);
  }
}

/** Plain adjacency lists of the same graph, for the in-memory reference walks. */
export function adjacency(lineage: SyntheticLineage, ids: Map<string, number>): { up: Map<number, number[]>; down: Map<number, number[]> } {
  const up = new Map<number, number[]>();
  const down = new Map<number, number[]>();
  for (const e of lineage.fragment.edges) {
    const a = ids.get(e.from)!;
    const b = ids.get(e.to)!;
    (down.get(a) ?? down.set(a, []).get(a)!).push(b);
    (up.get(b) ?? up.set(b, []).get(b)!).push(a);
  }
  return { up, down };
}

/** Breadth-first walk to `maxDepth`, each node at its smallest distance: what `reachable` answers. */
export function walk(adj: Map<number, number[]>, start: number, maxDepth: number): Map<number, number> {
  const seen = new Map([[start, 0]]);
  let frontier = [start];
  for (let d = 1; d <= maxDepth && frontier.length; d++) {
    const next: number[] = [];
    for (const v of frontier) {
      for (const w of adj.get(v) ?? []) {
        if (!seen.has(w)) {
          seen.set(w, d);
          next.push(w);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** A seeded sample of `k` items (with replacement when there are fewer). */
export function sample<T>(xs: readonly T[], k: number, seed = 7): T[] {
  const rand = xorshift(seed);
  return Array.from({ length: k }, () => xs[rand() % xs.length]!);
}
