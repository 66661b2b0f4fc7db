import { z } from 'zod';

/** Lineage records as they cross the API: nodes, edges with evidence, node files with integrity, the audit. */

export const NODE_KINDS = ['checkpoint', 'dataset', 'run', 'stage', 'code', 'config', 'environment', 'card', 'model-version', 'registered-model', 'experiment'] as const;
export const NodeKind = z.enum(NODE_KINDS);
export type NodeKind = z.infer<typeof NodeKind>;

export const EdgeStrength = z.enum(['declared', 'hash-matched', 'inferred']);
export type EdgeStrength = z.infer<typeof EdgeStrength>;

export const Evidence = z.object({ file: z.string(), line: z.number().int().optional(), detail: z.string().optional() });
export type Evidence = z.infer<typeof Evidence>;

export const LineageNodeDto = z.object({
  id: z.number().int(),
  storeId: z.number().int(),
  storeName: z.string(),
  key: z.string(),
  kind: NodeKind,
  label: z.string(),
  /** false: a store declares it, but no indexed file is it. */
  present: z.boolean(),
  /** A file of this node differs from the digest a store declares for it. */
  mismatch: z.boolean(),
  depth: z.number().int().optional(),
  side: z.enum(['focus', 'ancestor', 'descendant']).optional(),
  summary: z.string().nullable(),
  /** For checkpoints: the audit's overall status when their lineage was read. */
  audit: z.enum(['complete', 'partial', 'missing']).nullable(),
});
export type LineageNodeDto = z.infer<typeof LineageNodeDto>;

export const LineageEdgeDto = z.object({
  id: z.number().int(),
  from: z.number().int(),
  to: z.number().int(),
  relation: z.string(),
  strength: EdgeStrength,
  evidence: Evidence,
});
export type LineageEdgeDto = z.infer<typeof LineageEdgeDto>;

export const Integrity = z.enum(['intact', 'mismatch', 'not-hashed', 'missing', 'declared-only']);
export type Integrity = z.infer<typeof Integrity>;

export const NodeFileDto = z.object({
  path: z.string(),
  absPath: z.string().nullable(),
  fileId: z.number().int().nullable(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  md5: z.string().nullable(),
  declared: z.array(z.object({ algorithm: z.string(), digest: z.string() })),
  integrity: Integrity,
});
export type NodeFileDto = z.infer<typeof NodeFileDto>;

export const LineageGraph = z.object({
  nodes: z.array(LineageNodeDto),
  edges: z.array(LineageEdgeDto),
  /** More nodes matched than were sent. */
  truncated: z.boolean(),
  total: z.number().int(),
});
export type LineageGraph = z.infer<typeof LineageGraph>;

export const AxisName = z.enum(['data', 'code', 'hyperparameters', 'compute']);
export type AxisName = z.infer<typeof AxisName>;
export const AxisStatus = z.enum(['complete', 'partial', 'missing']);
export type AxisStatus = z.infer<typeof AxisStatus>;

export const AxisAudit = z.object({
  axis: AxisName,
  status: AxisStatus,
  /** What was found, one line each, with where it came from. */
  found: z.array(z.object({ what: z.string(), value: z.string(), evidence: Evidence.nullable(), nodeId: z.number().int().nullable() })),
  missing: z.array(z.string()),
});
export type AxisAudit = z.infer<typeof AxisAudit>;

export const CheckpointAudit = z.object({
  nodeId: z.number().int(),
  label: z.string(),
  axes: z.array(AxisAudit),
  /** complete when every axis is. */
  status: AxisStatus,
});
export type CheckpointAudit = z.infer<typeof CheckpointAudit>;

export const NodeDetails = z.object({
  node: LineageNodeDto,
  props: z.record(z.string(), z.unknown()),
  evidence: z.array(Evidence),
  readers: z.array(z.string()),
  files: z.array(NodeFileDto),
  incoming: z.array(LineageEdgeDto.extend({ other: z.object({ id: z.number().int(), label: z.string(), kind: NodeKind }) })),
  outgoing: z.array(LineageEdgeDto.extend({ other: z.object({ id: z.number().int(), label: z.string(), kind: NodeKind }) })),
  audit: CheckpointAudit.nullable(),
});
export type NodeDetails = z.infer<typeof NodeDetails>;
