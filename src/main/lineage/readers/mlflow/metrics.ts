/**
 * Metric histories as MLflow writes them. Folder-store lines are
 * `timestamp value [step]` (1.x/2.x), `timestamp value step dataset_name
 * dataset_digest` (2.x/3.x with a dataset), and under a 3.x logged model
 * `timestamp value step run_id [dataset_name dataset_digest]`. Histories can
 * hold millions of points; only a bounded, evenly spread sample is kept.
 */

export const MAX_HISTORY_POINTS = 1000;

export interface MetricPoint {
  timestamp: number;
  value: number;
  step: number;
  runId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export type ParsedLine = { ok: true; point: MetricPoint } | { ok: false; reason: string };

const INT = /^-?\d+$/;
// Python's float() spellings, plus what repr() writes: 0.5, 1e-05, nan, inf, -inf.
const FLOAT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)$/i;

function parseFloatPy(s: string): number | undefined {
  if (!FLOAT.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(s);
}

function parseInt64(s: string): number | undefined {
  return INT.test(s) ? Number(s) : undefined;
}

/** A run metric line: 2, 3 or 5 space-separated fields, as FileStore._get_metric_from_line accepts. */
export function parseRunMetricLine(line: string): ParsedLine {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) return { ok: false, reason: `${parts.length} fields, expected 2, 3 or 5` };
  const head = parseHead(parts);
  if (!head.ok) return head;
  if (parts.length === 5) Object.assign(head.point, { datasetName: parts[3], datasetDigest: parts[4] });
  return head;
}

/** A 3.x logged-model metric line: 4 or 6 fields, the fourth the run id. */
export function parseModelMetricLine(line: string): ParsedLine {
  const parts = line.trim().split(' ');
  if (parts.length !== 4 && parts.length !== 6) return { ok: false, reason: `${parts.length} fields, expected 4 or 6` };
  const head = parseHead(parts);
  if (!head.ok) return head;
  head.point.runId = parts[3];
  if (parts.length === 6) Object.assign(head.point, { datasetName: parts[4], datasetDigest: parts[5] });
  return head;
}

function parseHead(parts: string[]): ParsedLine {
  const timestamp = parseInt64(parts[0]!);
  const value = parseFloatPy(parts[1]!);
  const step = parts.length >= 3 ? parseInt64(parts[2]!) : 0;
  if (timestamp === undefined) return { ok: false, reason: `timestamp ${JSON.stringify(parts[0]!.slice(0, 40))} is not an integer` };
  if (value === undefined) return { ok: false, reason: `value ${JSON.stringify(parts[1]!.slice(0, 40))} is not a number` };
  if (step === undefined) return { ok: false, reason: `step ${JSON.stringify(parts[2]!.slice(0, 40))} is not an integer` };
  return { ok: true, point: { timestamp, value, step } };
}

export interface MetricSummary {
  /** The value MLflow reports as the metric's value: the largest (step, timestamp, value). */
  latest: { value: number | string; step: number; timestamp: number };
  count: number;
  /** `[step, value, timestamp]`, ordered by step then time; evenly sampled when longer than the cap. */
  history: [number, number | string, number][];
  sampled: boolean;
  /** Set on 3.x logged-model metrics: which runs logged them, and against which dataset. */
  runIds?: string[];
  /** The one dataset every point was logged against. */
  dataset?: { name: string; digest: string };
  /**
   * Points logged against several datasets (a logged model evaluated on val
   * and test): MLflow keeps one value per (dataset name, digest), the latest
   * of each (3.x file store `_get_model_metrics_from_file`).
   */
  datasets?: { name: string; digest: string; value: number | string; step: number; timestamp: number }[];
}

/**
 * Accepts points one at a time in bounded memory. Keeps every k-th point,
 * doubling k whenever the buffer fills, so the sample stays evenly spread
 * over however many points arrive; the latest point is tracked exactly.
 */
export class MetricAccumulator {
  private buffer: MetricPoint[] = [];
  private lastSampled = -1;
  private stride = 1;
  private seen = 0;
  private best: MetricPoint | undefined;
  private last: MetricPoint | undefined;
  private readonly runIds = new Set<string>();
  private readonly datasets = new Map<string, { name: string; digest: string; best: MetricPoint }>();

  constructor(private readonly cap = MAX_HISTORY_POINTS) {}

  add(p: MetricPoint): void {
    if (this.seen % this.stride === 0) {
      this.buffer.push(p);
      this.lastSampled = this.seen;
      if (this.buffer.length >= 2 * this.cap) {
        this.buffer = this.buffer.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
    this.seen++;
    this.last = p;
    if (!this.best || later(p, this.best)) this.best = p;
    if (p.runId && this.runIds.size < 100) this.runIds.add(p.runId);
    if (p.datasetName && p.datasetDigest) {
      const key = `${p.datasetName}\0${p.datasetDigest}`;
      const held = this.datasets.get(key);
      if (!held) {
        if (this.datasets.size < 100) this.datasets.set(key, { name: p.datasetName, digest: p.datasetDigest, best: p });
      } else if (later(p, held.best)) held.best = p;
    }
  }

  get count(): number {
    return this.seen;
  }

  summary(): MetricSummary | undefined {
    if (!this.best || !this.last) return undefined;
    let points = this.buffer;
    // The true last point ends the sample: it replaces a sample taken less than a stride before it.
    if (points[points.length - 1] !== this.last) {
      points = this.seen - 1 - this.lastSampled < this.stride && points.length > 1 ? [...points.slice(0, -1), this.last] : [...points, this.last];
    }
    const sampled = points.length < this.seen || points.length > this.cap;
    if (points.length > this.cap) points = spread(points, this.cap);
    points = [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    const out: MetricSummary = {
      latest: { value: jsonNumber(this.best.value), step: this.best.step, timestamp: this.best.timestamp },
      count: this.seen,
      history: points.map((p) => [p.step, jsonNumber(p.value), p.timestamp]),
      sampled,
    };
    if (this.runIds.size > 0) out.runIds = [...this.runIds];
    const datasets = [...this.datasets.values()];
    if (datasets.length === 1) out.dataset = { name: datasets[0]!.name, digest: datasets[0]!.digest };
    else if (datasets.length > 1) out.datasets = datasets.map((d) => ({ name: d.name, digest: d.digest, value: jsonNumber(d.best.value), step: d.best.step, timestamp: d.best.timestamp }));
    return out;
  }
}

/** Python's max() over (step, timestamp, value) tuples. */
function later(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** `n` points at even positions, always keeping the first and the last. */
function spread<T>(points: T[], n: number): T[] {
  if (n <= 1) return points.slice(-1);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(points[Math.round((i * (points.length - 1)) / (n - 1))]!);
  return out;
}

export function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
