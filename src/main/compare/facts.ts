import { createHash } from 'node:crypto';
import type { Evidence } from '../../shared/lineage';
import { flatten } from '../lineage/audit';
import type { ColumnMetric } from './diff';
import type { Subject, ViewNode } from './subjects';

/**
 * What one subject's lineage says about each axis, read from node props by the
 * names the audit reads (`src/main/lineage/audit.ts`; its patterns are private,
 * so the few used here are repeated, and should move together).
 */

export interface Fact {
  value: string;
  evidence: Evidence | null;
}

export interface SubjectFacts {
  /** Content digest → the dataset it is. */
  datasets: Map<string, Fact & { label: string }>;
  /** Datasets named without a digest (a card's `datasets:`, a declared input that is not here). */
  undigested: string[];
  baseModels: (Fact & { label: string })[];
  commit: Fact | null;
  dirty: Fact | null;
  pins: Map<string, string>;
  pinsEvidence: Evidence | null;
  config: Map<string, unknown>;
  configEvidence: Evidence | null;
  seed: Fact | null;
  hardware: Fact | null;
  driver: Fact | null;
  cuda: Fact | null;
  precision: Fact | null;
  metrics: Map<string, ColumnMetric>;
}

const SEED = /(^|[._])(seed|random_seed|manual_seed|global_seed|data_seed)$/i;
const COMMIT = /(^|\.)(commit|sha|git_?commit|gitCommit|mlflow\.source\.git\.commit)$/i;
const HARDWARE = /(^|[._])(gpu|gpus|gpu_name|device_name|hardware|accelerator|cpu_model)$|gpu\.\d+\.name$/i;
const DRIVER = /(^|[._])(driver|driver_version|nvidia_driver)$/i;
const CUDA = /(^|[._])(cuda|cuda_version|cudnn|rocm)$/i;
// anchored: the audit's unanchored `amp$` would also take a `timestamp`
const PRECISION = /(^|[._])(precision|mixed_precision|bf16|fp16|tf32|torch_dtype|amp)$/i;
const PIN = /^([A-Za-z0-9_.\-[\]]+)\s*(?:===?|@)\s*(\S+)/;

const show = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(', ') : JSON.stringify(v)).slice(0, 200);

/** A node's content digest: its one file's, or one digest over all of its files. */
export function nodeDigest(n: ViewNode): string | null {
  const one = (f: ViewNode['files'][number]) => (f.sha256 ? `sha256:${f.sha256}` : f.declared[0] ? `${f.declared[0].algorithm}:${f.declared[0].value.replace(/\.dir$/, '')}` : null);
  if (n.files.length === 0) return null;
  if (n.files.length === 1) return one(n.files[0]!);
  const parts = n.files.map((f) => [f.path, one(f)] as const);
  if (parts.some(([, d]) => d === null)) return null;
  const lines = parts.map(([p, d]) => `${d} ${p}`).sort();
  return `files-sha256:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
}

function firstHit(nodes: ViewNode[], re: RegExp): Fact | null {
  for (const n of nodes) {
    const hit = flatten(n.props).find(([k, v]) => re.test(k) && v !== null && v !== undefined && v !== '' && v !== false);
    if (hit) return { value: show(hit[1]), evidence: n.evidence };
  }
  return null;
}

function pinsOf(envs: ViewNode[]): { pins: Map<string, string>; evidence: Evidence | null } {
  const pins = new Map<string, string>();
  let evidence: Evidence | null = null;
  for (const e of envs) {
    const before = pins.size;
    const p = e.props.pins;
    if (p && typeof p === 'object' && !Array.isArray(p)) for (const [name, v] of Object.entries(p as Record<string, unknown>)) if (!pins.has(name.toLowerCase())) pins.set(name.toLowerCase(), String(v));
    for (const [k, v] of flatten(e.props)) {
      if (!/(^|\.)(requirements|dependencies|packages)$/i.test(k) || !Array.isArray(v)) continue;
      for (const line of v) {
        const m = typeof line === 'string' ? PIN.exec(line.trim()) : null;
        if (m && !pins.has(m[1]!.toLowerCase())) pins.set(m[1]!.toLowerCase(), m[2]!);
      }
    }
    if (pins.size > before) evidence ??= e.evidence;
  }
  return { pins: new Map([...pins].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), evidence };
}

/** Config values as flat keys: a config node's `config` map (readers flatten it), else its props; run params under `params.`. */
function configOf(configs: ViewNode[], runs: ViewNode[]): { config: Map<string, unknown>; evidence: Evidence | null } {
  const config = new Map<string, unknown>();
  let evidence: Evidence | null = null;
  for (const c of configs) {
    const src = c.props.config && typeof c.props.config === 'object' && !Array.isArray(c.props.config) ? (c.props.config as Record<string, unknown>) : c.props;
    for (const [k, v] of flatten(src)) if (!config.has(k)) config.set(k, v);
    evidence ??= c.evidence;
  }
  for (const r of runs) {
    const params = r.props.params;
    if (!params || typeof params !== 'object') continue;
    for (const [k, v] of flatten(params as Record<string, unknown>)) if (!config.has(`params.${k}`)) config.set(`params.${k}`, v);
    evidence ??= r.evidence;
  }
  return { config, evidence };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Metrics the lineage records: a run's latest values and histories (MLflow), a card's eval results. */
function lineageMetrics(runs: ViewNode[], cards: ViewNode[]): Map<string, ColumnMetric> {
  const out = new Map<string, ColumnMetric>();
  for (const r of runs) {
    const latest = r.props.metrics;
    const hist = r.props.metricHistory as Record<string, { points?: unknown }> | undefined;
    if (!latest || typeof latest !== 'object') continue;
    for (const [k, v] of Object.entries(latest as Record<string, unknown>)) {
      if (out.has(k)) continue;
      const points = Array.isArray(hist?.[k]?.points) ? (hist![k]!.points as unknown[]) : [];
      const history = points.flatMap((p) => (Array.isArray(p) && num(p[0]) !== null && num(p[1]) !== null ? [[num(p[0])!, num(p[1])!] as [number, number]] : []));
      out.set(k, { value: num(v), history: history.length ? history : null, source: `run ${r.label}` });
    }
  }
  for (const c of cards) {
    const results = Array.isArray(c.props.evalResults) ? (c.props.evalResults as Record<string, unknown>[]) : [];
    for (const res of results) {
      for (const m of Array.isArray(res.metrics) ? (res.metrics as Record<string, unknown>[]) : []) {
        const name = `card/${String(m.type ?? m.name ?? 'metric')}`;
        if (!out.has(name)) out.set(name, { value: num(m.value), history: null, source: `card ${c.label}` });
      }
    }
  }
  return out;
}

export function subjectFacts(s: Subject, extraMetrics: Map<string, ColumnMetric>): SubjectFacts {
  const of = (kind: string) => s.ancestors.filter((n) => n.kind === kind);
  const datasets = new Map<string, Fact & { label: string }>();
  const undigested: string[] = [];
  for (const d of of('dataset')) {
    const digest = nodeDigest(d);
    if (digest) {
      if (!datasets.has(digest)) datasets.set(digest, { value: digest, label: d.label, evidence: d.evidence });
    } else undigested.push(d.label);
  }
  const codeNodes = [...of('code'), ...of('run'), ...of('environment')];
  let commit: Fact | null = null;
  let dirty: Fact | null = null;
  for (const n of codeNodes) {
    const hit = flatten(n.props).find(([k, v]) => COMMIT.test(k) && typeof v === 'string' && /^[0-9a-f]{7,64}$/i.test(v));
    const c = (hit?.[1] as string | undefined) ?? (n.key.startsWith('git:commit:') ? n.key.slice('git:commit:'.length) : undefined);
    if (c) {
      commit = { value: c.toLowerCase(), evidence: n.evidence };
      const d = flatten(n.props).find(([k]) => /(^|\.)dirty$/i.test(k))?.[1];
      if (d !== undefined) dirty = { value: d === true || d === 'true' ? 'dirty' : 'clean', evidence: n.evidence };
      break;
    }
  }
  const { pins, evidence: pinsEvidence } = pinsOf(of('environment'));
  const { config, evidence: configEvidence } = configOf(of('config'), of('run'));
  const computeNodes = [...of('environment'), ...of('run'), ...of('config'), ...s.selves];
  const metrics = lineageMetrics(of('run'), of('card'));
  // a metrics file beside the checkpoint fills in what the lineage lacks, and a history beats a single number
  for (const [k, v] of extraMetrics) if (!metrics.get(k)?.history) metrics.set(k, v);
  return {
    datasets,
    undigested,
    baseModels: s.bases.map((b) => ({ label: b.label, value: nodeDigest(b) ?? b.label, evidence: b.evidence })),
    commit,
    dirty,
    pins,
    pinsEvidence,
    config,
    configEvidence,
    seed: firstHit([...of('config'), ...of('run'), ...s.selves], SEED),
    hardware: firstHit(computeNodes, HARDWARE),
    driver: firstHit(computeNodes, DRIVER),
    cuda: firstHit(computeNodes, CUDA),
    precision: firstHit(computeNodes, PRECISION),
    metrics,
  };
}
