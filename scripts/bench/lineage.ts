import { join } from 'node:path';
import { closeDb, openWorkspaceDb } from '../../src/main/db/connection';
import { reachable } from '../../src/main/db/lineage';
import { lineageAround } from '../../src/main/lineage/query';
import { median, quantile } from './browser';
import { measureHeaderRead, type HeaderRead } from './header-reads';
import { adjacency, sample, syntheticLineage, walk, writeLineageDb } from './lineage-fixture';
import type { Row } from './report';

/**
 * "Reading the metadata of a 100 GB safetensors or GGUF file touches only its
 * header. Ancestor and descendant queries over an index of 100,000 nodes
 * answer in under 50 ms."
 */
export interface LineageBenchInput {
  dir: string;
  /** Size of the sparse checkpoint files, bytes. */
  hugeBytes: number;
  /** Nodes in the lineage index. */
  nodes: number;
  /** Queries per figure. */
  queries: number;
  log(line: string): void;
}

const KIB = 1024;
const DEPTH = 10;

function headerRows(r: HeaderRead): Row[] {
  const gb = (r.fileBytes / 1e9).toFixed(1);
  const os = r.osBytesRead;
  return [
    {
      section: 'lineage',
      metric: `${r.format} metadata of a ${gb} GB sparse file: bytes read`,
      unit: 'KiB',
      pedigree: r.bytesRead / KIB,
      reference: r.headerBytes / KIB,
      referenceName: 'the header itself (every byte before the tensor data): the least any reader must read',
      target: { on: 'value', op: '<', value: 1024 },
      details: { ...r },
      notes: [
        `inspectFile read ${r.bytesRead.toLocaleString('en-US')} bytes of ${r.fileBytes.toLocaleString('en-US')} (${((r.bytesRead / r.fileBytes) * 100).toExponential(1)}%) in ${r.ms.toFixed(1)} ms; the header is ${r.headerBytes.toLocaleString('en-US')} bytes`,
        os === null ? 'read system calls not counted (no /proc/self/io)' : `read system calls of the process meanwhile (/proc/self/io rchar): ${os.toLocaleString('en-US')} bytes`,
        `the file occupies ${(r.diskBytes / KIB).toFixed(0)} KiB on disk; summary: ${JSON.stringify(r.summary)}`,
        ...(r.findings.length ? [`findings: ${r.findings.slice(0, 3).join('; ')}`] : []),
      ],
    },
    {
      section: 'lineage',
      metric: `  ${r.format}: the reader recognised it, no error findings, OS-counted reads < 1 MiB`,
      unit: 'bool',
      pedigree: r.format !== 'unknown' && r.findings.length === 0 && (os === null || os < 1024 * KIB) ? 1 : 0,
      reference: null,
      referenceName: null,
      target: { on: 'value', op: '==', value: 1 },
      notes: r.findings.length ? r.findings.slice(0, 3) : [],
    },
  ];
}

interface Timed {
  ms: number[];
  sizes: number[];
  refMs: number[];
}

function timeQueries(starts: number[], query: (id: number) => number, reference: (id: number) => number): Timed {
  // one untimed pass warms the statement cache and the pages
  for (const id of starts.slice(0, 5)) query(id);
  const t: Timed = { ms: [], sizes: [], refMs: [] };
  for (const id of starts) {
    const t0 = performance.now();
    const size = query(id);
    t.ms.push(performance.now() - t0);
    t.sizes.push(size);
    const t1 = performance.now();
    const refSize = reference(id);
    t.refMs.push(performance.now() - t1);
    if (refSize !== size) throw new Error(`node ${id}: the query found ${size} nodes, the in-memory walk ${refSize}`);
  }
  return t;
}

function queryRow(metric: string, t: Timed, what: string, extra: Record<string, unknown> = {}): Row {
  return {
    section: 'lineage',
    metric,
    unit: 'ms',
    pedigree: quantile(t.ms, 0.95),
    reference: quantile(t.refMs, 0.95),
    referenceName: 'the same walk over adjacency lists in memory (no SQL): the floor',
    target: { on: 'value', op: '<', value: 50 },
    details: { ms: t.ms, sizes: t.sizes, referenceMs: t.refMs, ...extra },
    notes: [`p95 of ${t.ms.length} ${what}; median ${median(t.ms).toFixed(2)} ms, max ${Math.max(...t.ms).toFixed(2)} ms; nodes returned: median ${median(t.sizes)}, max ${Math.max(...t.sizes)}`],
  };
}

export async function benchLineage(input: LineageBenchInput): Promise<Row[]> {
  const { dir, log } = input;
  const rows: Row[] = [];
  for (const format of ['safetensors', 'gguf'] as const) {
    const r = await measureHeaderRead(dir, format, input.hugeBytes);
    log(`lineage: ${format} ${(r.fileBytes / 1e9).toFixed(0)} GB sparse: ${r.bytesRead} bytes read (header ${r.headerBytes})`);
    rows.push(...headerRows(r));
  }

  log(`lineage: writing a ${input.nodes.toLocaleString('en-US')}-node lineage index`);
  const lineage = syntheticLineage(input.nodes);
  const dbPath = join(dir, 'lineage.db');
  const written = writeLineageDb(dbPath, join(dir, 'store'), lineage);
  const { up, down } = adjacency(lineage, written.ids);
  const idOf = (key: string) => written.ids.get(key)!;
  const deep = [...lineage.depth].filter(([, d]) => d >= DEPTH).map(([k]) => idOf(k));
  const all = [...written.ids.values()];
  // the widest fan-out: a shared corpus many projects train on
  const busiest = [...down].reduce((a, b) => (b[1].length > a[1].length ? b : a))[0];
  const deepStarts = sample(deep, input.queries, 11);
  const anyStarts = sample(all, input.queries, 13);

  const db = openWorkspaceDb(dbPath, { readonly: true });
  try {
    const ancestors = timeQueries(deepStarts, (id) => reachable(db, id, 'up', DEPTH).size, (id) => walk(up, id, DEPTH).size);
    const descendants = timeQueries(anyStarts, (id) => reachable(db, id, 'down', DEPTH).size, (id) => walk(down, id, DEPTH).size);
    const around = timeQueries(anyStarts, (id) => lineageAround(db, id, { up: 3, down: 3 }).nodes.length, (id) => new Set([...walk(up, id, 3).keys(), ...walk(down, id, 3).keys()]).size);
    const aroundDeep = timeQueries(deepStarts, (id) => lineageAround(db, id, { up: DEPTH, down: DEPTH }).nodes.length, (id) => new Set([...walk(up, id, DEPTH).keys(), ...walk(down, id, DEPTH).keys()]).size);
    const worst = timeQueries(Array.from({ length: 5 }, () => busiest), (id) => reachable(db, id, 'down', DEPTH).size, (id) => walk(down, id, DEPTH).size);
    log(`lineage: ancestors p95 ${quantile(ancestors.ms, 0.95).toFixed(2)} ms, descendants p95 ${quantile(descendants.ms, 0.95).toFixed(2)} ms, around p95 ${quantile(around.ms, 0.95).toFixed(2)} ms, widest fan-out ${median(worst.ms).toFixed(1)} ms`);
    const shape = `${input.nodes.toLocaleString('en-US')} nodes, ${lineage.edges.toLocaleString('en-US')} edges`;
    rows.push(
      queryRow(`ancestors, depth ${DEPTH}, index of ${shape} (p95)`, ancestors, `reachable(db, id, 'up', ${DEPTH}) from random nodes at depth >= ${DEPTH} (${deep.length.toLocaleString('en-US')} such nodes)`, { writeSeconds: written.seconds }),
      queryRow(`  descendants, depth ${DEPTH} (p95)`, descendants, `reachable(db, id, 'down', ${DEPTH}) from random nodes`),
      queryRow('  lineageAround up 3, down 3: the focus view (p95)', around, 'lineageAround(db, id, {up: 3, down: 3}) (nodes, edges and files) from random nodes'),
      queryRow(`  lineageAround up ${DEPTH}, down ${DEPTH} (p95)`, aroundDeep, `lineageAround(db, id, {up: ${DEPTH}, down: ${DEPTH}}) from random nodes at depth >= ${DEPTH}`),
      { ...queryRow(`  descendants of the most-used shared dataset, depth ${DEPTH} (max)`, worst, ''), notes: [`reachable(db, id, 'down', ${DEPTH}) from the node with the most outgoing edges (a corpus ${down.get(busiest)!.length} runs read directly): ${worst.sizes[0]} nodes within ${DEPTH} steps; slowest of 5 runs, median ${median(worst.ms).toFixed(2)} ms`] },
    );
  } finally {
    closeDb(db);
  }
  return rows;
}
