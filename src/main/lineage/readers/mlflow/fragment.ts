import type { Severity } from '../../../../shared/domain';
import type { EdgeRelation, EdgeStrength, Evidence, LineageEdge, LineageFragment, LineageNode, NodeFile, NodeKind } from '../../model';

/**
 * Collects nodes, edges and findings for one read. Both backends (folder and
 * SQLite) can describe the same run, and a run is met several times while
 * reading (its meta, its tags, a registry version naming it), so nodes merge
 * by key: props are shallow-merged, files and evidence deduplicated.
 */
export class FragmentBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();
  private readonly findings: LineageFragment['findings'] = [];
  private readonly findingKeys = new Set<string>();

  constructor(private readonly reader: string) {}

  node(key: string, kind: NodeKind, label: string, props: Record<string, unknown>, evidence: Evidence | Evidence[], files: NodeFile[] = []): LineageNode {
    const ev = Array.isArray(evidence) ? evidence : [evidence];
    const existing = this.nodes.get(key);
    if (!existing) {
      const created: LineageNode = { key, kind, label, props: { ...props }, files: [], evidence: [] };
      this.nodes.set(key, created);
      this.addFiles(created, files);
      this.addEvidence(created, ev);
      return created;
    }
    for (const [k, v] of Object.entries(props)) if (v !== undefined) Object.defineProperty(existing.props, k, { value: v, enumerable: true, writable: true, configurable: true });
    if (existing.label === existing.key || existing.label === '') existing.label = label;
    this.addFiles(existing, files);
    this.addEvidence(existing, ev);
    return existing;
  }

  has(key: string): boolean {
    return this.nodes.has(key);
  }

  get(key: string): LineageNode | undefined {
    return this.nodes.get(key);
  }

  edge(from: string, to: string, relation: EdgeRelation, evidence: Evidence, strength: EdgeStrength = 'declared'): void {
    if (from === to) return;
    const id = `${from}\u0000${to}\u0000${relation}`;
    const existing = this.edges.get(id);
    // A declared edge outranks an inferred one for the same pair.
    if (existing && (existing.strength === 'declared' || strength !== 'declared')) return;
    this.edges.set(id, { from, to, relation, strength, evidence });
  }

  finding(path: string, code: string, severity: Severity, message: string): void {
    const id = `${path}\u0000${code}\u0000${message}`;
    if (this.findingKeys.has(id)) return;
    this.findingKeys.add(id);
    this.findings.push({ path, code, severity, message });
  }

  /** Edges whose ends were never described become findings, not dangling references. */
  build(): LineageFragment {
    const edges: LineageEdge[] = [];
    for (const e of this.edges.values()) if (this.nodes.has(e.from) && this.nodes.has(e.to)) edges.push(e);
    // Files are read concurrently; sorting by path (stably) keeps the report the same from run to run.
    const findings = [...this.findings].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { reader: this.reader, nodes: [...this.nodes.values()], edges, findings };
  }

  private addFiles(node: LineageNode, files: NodeFile[]): void {
    for (const f of files) {
      const same = node.files.find((g) => g.path === f.path);
      if (!same) node.files.push(f);
      else if (same.declaredOnly && !f.declaredOnly) Object.assign(same, f, { declaredOnly: undefined });
    }
  }

  private addEvidence(node: LineageNode, evidence: Evidence[]): void {
    for (const e of evidence) {
      if (!node.evidence.some((g) => g.file === e.file && g.detail === e.detail && g.line === e.line)) node.evidence.push(e);
    }
  }
}
