import type { LineageEdge, LineageFragment, LineageNode, NodeKind, ReaderFinding } from './model';

/**
 * Merges the fragments of every reader of one store into one graph: the same
 * key from two readers is one node (props and files united, the more specific
 * kind kept), duplicate edges collapse to the strongest, and an edge that
 * names a node no reader described gets a "declared, not present" node of its
 * own, so nothing a store declares is silently dropped.
 */
export interface MergedLineage {
  nodes: (LineageNode & { readers: string[]; present: boolean })[];
  edges: LineageEdge[];
  findings: ReaderFinding[];
}

/** When two readers disagree on a node's kind, the more specific one wins. */
const KIND_RANK: Record<NodeKind, number> = {
  'model-version': 9,
  'registered-model': 9,
  checkpoint: 8,
  dataset: 7,
  run: 7,
  stage: 7,
  experiment: 6,
  card: 5,
  environment: 4,
  config: 3,
  code: 2,
};
const STRENGTH_RANK = { declared: 3, 'hash-matched': 2, inferred: 1 } as const;

export function mergeFragments(fragments: LineageFragment[]): MergedLineage {
  const nodes = new Map<string, LineageNode & { readers: string[]; present: boolean }>();
  const findings: ReaderFinding[] = [];
  for (const f of fragments) {
    findings.push(...f.findings);
    for (const n of f.nodes) {
      const prev = nodes.get(n.key);
      // A reader may describe what a store only names (a card's base model, a DVC import): `props.present: false`.
      const declaredOnly = n.props.present === false && n.files.length === 0;
      if (!prev) {
        nodes.set(n.key, { ...n, props: { ...n.props }, files: [...n.files], evidence: [...n.evidence], readers: [f.reader], present: !declaredOnly });
        continue;
      }
      if (!declaredOnly) prev.present = true;
      if (KIND_RANK[n.kind] > KIND_RANK[prev.kind]) prev.kind = n.kind;
      if (prev.label === prev.key || prev.label.length === 0) prev.label = n.label;
      for (const [k, v] of Object.entries(n.props)) if (!(k in prev.props)) prev.props[k] = v;
      for (const file of n.files) {
        const same = prev.files.find((x) => x.path === file.path);
        if (!same) prev.files.push(file);
        else {
          same.size ??= file.size;
          same.digests = [...(same.digests ?? []), ...(file.digests ?? []).filter((d) => !(same.digests ?? []).some((s) => s.algorithm === d.algorithm && s.value === d.value))];
          same.declaredOnly = (same.declaredOnly ?? false) && (file.declaredOnly ?? false);
        }
      }
      prev.evidence.push(...n.evidence);
      if (!prev.readers.includes(f.reader)) prev.readers.push(f.reader);
    }
  }
  const edges = new Map<string, LineageEdge>();
  for (const f of fragments) {
    for (const e of f.edges) {
      if (e.from === e.to) continue;
      for (const key of [e.from, e.to]) {
        if (!nodes.has(key)) nodes.set(key, placeholder(key, e, f.reader));
      }
      const id = `${e.from}\u0000${e.to}\u0000${e.relation}`;
      const prev = edges.get(id);
      if (!prev || STRENGTH_RANK[e.strength] > STRENGTH_RANK[prev.strength]) edges.set(id, e);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], findings };
}

/** A node only an edge names: what a store declares but no reader found. */
function placeholder(key: string, e: LineageEdge, reader: string): LineageNode & { readers: string[]; present: boolean } {
  const [, kindPart = '', ...rest] = key.split(':');
  const id = rest.join(':') || key;
  const kind: NodeKind = key.startsWith('file:') ? guessFileKind(key.slice(5)) : ((Object.keys(KIND_RANK) as NodeKind[]).includes(kindPart as NodeKind) ? (kindPart as NodeKind) : 'dataset');
  const path = key.startsWith('file:') ? key.slice(5) : null;
  return {
    key,
    kind,
    label: path ? (path.split('/').pop() ?? path) : id,
    props: {},
    files: path ? [{ path, declaredOnly: true }] : [],
    evidence: [e.evidence],
    readers: [reader],
    present: false,
  };
}

function guessFileKind(path: string): NodeKind {
  if (/\.(safetensors|gguf|pt|pth|bin|ckpt|onnx|h5|keras|msgpack|pkl)$/i.test(path)) return 'checkpoint';
  if (/\.(ya?ml|json|toml|cfg|ini)$/i.test(path)) return 'config';
  if (/(^|\/)(requirements[^/]*\.txt|conda\.ya?ml|environment\.ya?ml|poetry\.lock|uv\.lock)$/i.test(path)) return 'environment';
  if (/\.(py|sh|ipynb)$/i.test(path)) return 'code';
  if (/(^|\/)readme\.md$/i.test(path)) return 'card';
  return 'dataset';
}
