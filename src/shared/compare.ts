import { z } from 'zod';

/**
 * A comparison of two or more checkpoints or registry versions, as it crosses
 * the API and as `pedigree compare --json` prints it. Every per-column array
 * has one entry per column, in column order; deltas and statuses are against
 * the first column. Pure zod: the renderer draws it, the HTML export prints it.
 */

export const COMPARE_AXES = ['data', 'code', 'hyperparameters', 'compute'] as const;
export const CompareAxisName = z.enum(COMPARE_AXES);
export type CompareAxisName = z.infer<typeof CompareAxisName>;

/** same: every column agrees; changed: two columns that both know differ; unknown: a column does not know. */
export const DriftStatus = z.enum(['same', 'changed', 'unknown']);
export type DriftStatus = z.infer<typeof DriftStatus>;

/** A key across columns: in all and equal, in all and different, or only in some (against the first column). */
export const KeyStatus = z.enum(['same', 'changed', 'added', 'removed']);
export type KeyStatus = z.infer<typeof KeyStatus>;

const EvidenceRef = z.object({ file: z.string(), line: z.number().int().optional(), detail: z.string().optional() });

export const CompareColumn = z.object({
  label: z.string(),
  kind: z.enum(['checkpoint', 'registry-version']),
  /** What the user typed. */
  ref: z.string(),
  /** The checkpoint's lineage node (checkpoint subjects). */
  nodeId: z.number().int().nullable(),
  /** `model@v3` (registry-version subjects). */
  version: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), absPath: z.string().nullable(), size: z.number().nullable(), sha256: z.string().nullable() })),
  /** The checkpoint audit's status per axis, when the subject is a checkpoint in the graph. */
  audit: z.record(z.string(), z.enum(['complete', 'partial', 'missing'])).nullable(),
});
export type CompareColumn = z.infer<typeof CompareColumn>;

/** One thing an axis is judged on (a dataset digest, the commit, a pin, the GPU…), with its value in each column. */
export const AxisFact = z.object({
  what: z.string(),
  values: z.array(z.string().nullable()),
  status: DriftStatus,
  evidence: z.array(EvidenceRef.nullable()),
});
export type AxisFact = z.infer<typeof AxisFact>;

export const AxisComparison = z.object({
  axis: CompareAxisName,
  status: DriftStatus,
  /** One line: why the status is what it is. */
  reason: z.string(),
  facts: z.array(AxisFact),
  /** Things shown but not judged (datasets named without a digest, base models). */
  notes: z.array(z.string()),
});
export type AxisComparison = z.infer<typeof AxisComparison>;

export const KeyDiff = z.object({
  key: z.string(),
  status: KeyStatus,
  /** JSON-ish text per column; null where the key is absent. */
  values: z.array(z.string().nullable()),
});
export type KeyDiff = z.infer<typeof KeyDiff>;

export const MetricPoint = z.tuple([z.number(), z.number()]);
export const MetricRow = z.object({
  name: z.string(),
  /** Final value per column. */
  values: z.array(z.number().nullable()),
  /** values[i] − values[0]; null where either is unknown (and for the first column). */
  deltas: z.array(z.number().nullable()),
  /** `[step, value]` per column, when a history was recorded. */
  histories: z.array(z.array(MetricPoint).nullable()),
  /** Where each column's value came from. */
  sources: z.array(z.string().nullable()),
});
export type MetricRow = z.infer<typeof MetricRow>;

export const TensorStatus = z.enum(['same', 'changed', 'added', 'removed', 'shape-changed', 'dtype-changed', 'unknown']);
export type TensorStatus = z.infer<typeof TensorStatus>;

export const TensorRow = z.object({
  name: z.string(),
  layer: z.string(),
  /** Per column: null where the tensor is absent. */
  dtypes: z.array(z.string().nullable()),
  shapes: z.array(z.array(z.number().int()).nullable()),
  /** Against the first column: the worst over the other columns. */
  status: TensorStatus,
});
export type TensorRow = z.infer<typeof TensorRow>;

export const LayerSummary = z.object({
  layer: z.string(),
  tensors: z.number().int(),
  counts: z.record(TensorStatus, z.number().int()),
  /** changed + shape/dtype changed + added + removed, over tensors. */
  changedFraction: z.number(),
});
export type LayerSummary = z.infer<typeof LayerSummary>;

export const TensorComparison = z.object({
  /** False when some column has no safetensors file to read. */
  available: z.boolean(),
  /** Why not, or what was skipped (unreadable files, hash failures). */
  notes: z.array(z.string()),
  counts: z.record(TensorStatus, z.number().int()),
  tensors: z.array(TensorRow),
  layers: z.array(LayerSummary),
  /** Bytes hashed to decide which values changed (0 when whole files were equal). */
  bytesHashed: z.number(),
});
export type TensorComparison = z.infer<typeof TensorComparison>;

export const WordOp = z.object({ op: z.enum(['eq', 'ins', 'del']), text: z.string() });
export type WordOp = z.infer<typeof WordOp>;

export const CardSection = z.object({
  heading: z.string(),
  status: KeyStatus,
  /** Against the first column, per other column (the first column's entry is null). */
  diffs: z.array(z.array(WordOp).nullable()),
});
export type CardSection = z.infer<typeof CardSection>;

export const CardComparison = z.object({
  /** Per column: whether a card was found, and where. */
  cards: z.array(z.string().nullable()),
  metadata: z.array(KeyDiff),
  sections: z.array(CardSection),
  notes: z.array(z.string()),
});
export type CardComparison = z.infer<typeof CardComparison>;

export const Comparison = z.object({
  createdAt: z.string(),
  columns: z.array(CompareColumn).min(2),
  axes: z.array(AxisComparison),
  /** The axes that drifted, in axis order: the one-line answer. */
  drifted: z.array(CompareAxisName),
  config: z.array(KeyDiff),
  pins: z.array(KeyDiff),
  metrics: z.array(MetricRow),
  tensors: TensorComparison,
  card: CardComparison,
});
export type Comparison = z.infer<typeof Comparison>;

/** For `api.ts`: spread into `methods` when the UI gets the comparison view. */
export const compareMethods = {
  compareSubjects: {
    params: z.object({ refs: z.array(z.string().min(1).max(4096)).min(2).max(8) }).strict(),
    result: Comparison,
  },
  /** The same comparison as one self-contained HTML document, for the view's export button. */
  exportComparisonHtml: {
    params: z.object({ refs: z.array(z.string().min(1).max(4096)).min(2).max(8) }).strict(),
    result: z.object({ html: z.string() }),
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;
