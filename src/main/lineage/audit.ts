import type { ReadableDb } from '../db/connection';
import type { EdgeRow, NodeFileRow, NodeRow } from '../db/lineage';
import type { AxisAudit, AxisStatus, CheckpointAudit, Evidence } from '../../shared/lineage';
import { lineageAround } from './query';

/**
 * The reproducibility audit of one checkpoint: what its lineage says about the
 * four axes (data, code, hyperparameters, compute), each complete, partial or
 * missing, with the evidence for what was found and a list of what was not.
 * It reads node props by the names readers commonly give them, so a new
 * reader that follows them is audited without changes here (see CONTEXT.md).
 */

const MAX_DEPTH = 8;

/** Every leaf of a props object as `path = value`, a few levels deep. */
export function flatten(props: Record<string, unknown>, prefix = '', depth = 0, out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(props)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 4) flatten(v as Record<string, unknown>, key, depth + 1, out);
    else out.push([key, v]);
    if (out.length > 5000) break;
  }
  return out;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 120);
const ev = (n: NodeRow): Evidence | null => n.evidence[0] ?? null;

function statusOf(parts: boolean[]): AxisStatus {
  const n = parts.filter(Boolean).length;
  return n === 0 ? 'missing' : n === parts.length ? 'complete' : 'partial';
}

function digestOf(files: NodeFileRow[]): { value: string | null; state: 'present' | 'declared-only' | 'mismatch' } {
  const present = files.find((f) => f.fileId !== null);
  const declared = files.find((f) => f.digest);
  if (present && declared) {
    const actual = declared.algorithm === 'sha256' ? present.sha256 : declared.algorithm === 'md5' ? present.md5 : null;
    if (actual && actual !== declared.digest!.replace(/\.dir$/, '')) return { value: `${declared.algorithm}:${declared.digest}`, state: 'mismatch' };
  }
  if (present?.sha256) return { value: `sha256:${present.sha256}`, state: 'present' };
  if (declared) return { value: `${declared.algorithm}:${declared.digest}`, state: present ? 'present' : 'declared-only' };
  return { value: null, state: present ? 'present' : 'declared-only' };
}

function auditData(datasets: NodeRow[], files: Map<number, NodeFileRow[]>): AxisAudit {
  const found: AxisAudit['found'] = [];
  const missing: string[] = [];
  let complete = datasets.length > 0;
  for (const d of datasets) {
    const dg = digestOf(files.get(d.id) ?? []);
    if (!dg.value) {
      complete = false;
      missing.push(`no content digest for the dataset ${d.label}`);
      continue;
    }
    if (dg.state === 'mismatch') {
      complete = false;
      missing.push(`the dataset ${d.label} no longer has the digest its store declares`);
    } else if (dg.state === 'declared-only') missing.push(`the dataset ${d.label} is declared but not present here`);
    found.push({ what: `dataset ${d.label}`, value: `${dg.value}${dg.state === 'declared-only' ? ' (declared, not present)' : dg.state === 'mismatch' ? ' (mismatch)' : ''}`, evidence: ev(d), nodeId: d.id });
  }
  if (datasets.length === 0) missing.push('no input dataset in the lineage');
  return { axis: 'data', status: datasets.length === 0 ? 'missing' : complete ? 'complete' : 'partial', found, missing };
}

/**
 * Dependencies an environment node records: readers give exact pins as a
 * `pins` or `pinned` map (name → version), with `packageCount` for all
 * requirement lines or an `unpinned` list, or lists of requirement lines.
 */
function dependencies(props: Record<string, unknown>): { pinned: string[]; total: number; unpinned: string[] } {
  const pinned: string[] = [];
  const unpinned: string[] = [];
  // `pins` (plain folders) or `pinned` (MLflow environments): name → exact version
  for (const map of [props.pins, props.pinned]) {
    if (map && typeof map === 'object' && !Array.isArray(map)) for (const [name, version] of Object.entries(map as Record<string, unknown>)) pinned.push(`${name}==${String(version)}`);
  }
  if (Array.isArray(props.unpinned)) for (const u of props.unpinned) if (typeof u === 'string') unpinned.push(u);
  for (const [k, v] of flatten(props)) {
    if (!/(^|\.)(requirements|dependencies|packages|buildDependencies)$/i.test(k) || !Array.isArray(v)) continue;
    for (const line of v) if (typeof line === 'string' && line.trim()) (PIN.test(line.trim()) ? pinned : unpinned).push(line.trim());
  }
  const count = typeof props.packageCount === 'number' ? props.packageCount : 0;
  return { pinned, unpinned, total: Math.max(count, pinned.length + unpinned.length) };
}
const PIN = /^[A-Za-z0-9_.\-[\]]+\s*(===?|@)\s*\S+/;

function auditCode(codes: NodeRow[], envs: NodeRow[], runs: NodeRow[]): AxisAudit {
  const found: AxisAudit['found'] = [];
  const missing: string[] = [];
  const commitOf = (n: NodeRow) => flatten(n.props).find(([k, v]) => /(^|\.)(commit|sha|git_?commit|mlflow\.source\.git\.commit)$/i.test(k) && typeof v === 'string' && /^[0-9a-f]{7,64}$/i.test(v))?.[1] as string | undefined;
  let commit: { value: string; node: NodeRow } | null = null;
  for (const n of [...codes, ...runs, ...envs]) {
    const c = commitOf(n) ?? (n.key.startsWith('git:commit:') ? n.key.slice('git:commit:'.length) : undefined);
    if (c) {
      commit = { value: c, node: n };
      break;
    }
  }
  let clean: boolean | null = null;
  if (commit) {
    found.push({ what: 'commit', value: commit.value, evidence: ev(commit.node), nodeId: commit.node.id });
    const dirty = flatten(commit.node.props).find(([k]) => /(^|\.)dirty$/i.test(k))?.[1];
    clean = dirty === undefined ? null : dirty === false || dirty === 'false';
    if (clean === false) missing.push('the working tree had uncommitted changes');
    else if (clean === true) found.push({ what: 'working tree', value: 'clean', evidence: ev(commit.node), nodeId: commit.node.id });
    else missing.push('whether the working tree was clean is not recorded');
  } else missing.push('no code revision (git commit) in the lineage');
  const lists = envs.map((e) => ({ e, d: dependencies(e.props) })).filter((x) => x.d.total > 0);
  const pinnedCount = lists.reduce((n, x) => n + x.d.pinned.length, 0);
  const total = lists.reduce((n, x) => n + x.d.total, 0);
  if (lists.length) {
    const first = lists[0]!;
    const names = lists.flatMap((x) => x.d.pinned);
    found.push({ what: 'dependencies', value: `${pinnedCount} of ${total} pinned${names.length && names.length <= 6 ? `: ${names.join(', ')}` : ''}`, evidence: ev(first.e), nodeId: first.e.id });
    if (pinnedCount < total) missing.push(`${total - pinnedCount} dependencies not pinned to an exact version${lists.some((x) => x.d.unpinned.length) ? ` (${lists.flatMap((x) => x.d.unpinned).slice(0, 4).join(', ')})` : ''}`);
  } else missing.push('no dependency list (requirements, lockfile, conda or pip freeze)');
  const deps = total > 0 && pinnedCount === total;
  return { axis: 'code', status: statusOf([commit !== null, clean === true, deps]), found, missing };
}

const SEED = /(^|[._])(seed|random_seed|manual_seed|global_seed|data_seed)$/i;
function auditHyperparameters(configs: NodeRow[], runs: NodeRow[], checkpoint: NodeRow): AxisAudit {
  const found: AxisAudit['found'] = [];
  const missing: string[] = [];
  const sources = [...configs, ...runs.filter((r) => flatten(r.props).some(([k]) => /^params\./.test(k)))];
  for (const s of sources.slice(0, 6)) {
    const leaves = flatten(s.props).filter(([k]) => !/^(tags|metrics)\./.test(k));
    found.push({ what: s.kind === 'run' ? `run ${s.label} params` : `config ${s.label}`, value: `${leaves.length} values`, evidence: ev(s), nodeId: s.id });
  }
  const seed = [...sources, checkpoint].flatMap((s) => flatten(s.props).filter(([k]) => SEED.test(k)).map(([k, v]) => ({ k, v, s })))[0];
  if (seed) found.push({ what: 'seed', value: `${seed.k} = ${show(seed.v)}`, evidence: ev(seed.s), nodeId: seed.s.id });
  if (sources.length === 0) missing.push('no training config or run parameters in the lineage');
  if (!seed) missing.push('no random seed recorded');
  return { axis: 'hyperparameters', status: statusOf([sources.length > 0, seed !== undefined]), found, missing };
}

// anchored at a key boundary: `amp` must not match `timestamp`, nor `gpu` `gpu_memory_utilization`
const HARDWARE = /(^|[._])(gpu|gpus|gpu_name|device_name|hardware|accelerator|cpu_model)$|(^|[._])gpus?\.\d+(\.name)?$/i;
const DRIVER = /(^|[._])(driver|driver_version|cuda|cuda_version|cudnn|rocm)$/i;
const PRECISION = /(^|[._])(precision|mixed_precision|bf16|fp16|tf32|torch_dtype|dtype|amp)$/i;
function auditCompute(envs: NodeRow[], runs: NodeRow[], configs: NodeRow[], checkpoint: NodeRow): AxisAudit {
  const found: AxisAudit['found'] = [];
  const missing: string[] = [];
  const look = (re: RegExp, what: string) => {
    for (const n of [...envs, ...runs, ...configs, checkpoint]) {
      const hit = flatten(n.props).find(([k, v]) => re.test(k) && v !== null && v !== undefined && v !== '' && v !== false);
      if (hit) {
        found.push({ what, value: `${hit[0]} = ${show(hit[1])}`, evidence: ev(n), nodeId: n.id });
        return true;
      }
    }
    missing.push(`no ${what} recorded`);
    return false;
  };
  const parts = [look(HARDWARE, 'hardware (GPU or CPU model)'), look(DRIVER, 'driver or CUDA version'), look(PRECISION, 'numeric precision')];
  return { axis: 'compute', status: statusOf(parts), found, missing };
}

export function auditCheckpoint(db: ReadableDb, nodeId: number): CheckpointAudit | null {
  const sub = lineageAround(db, nodeId, { up: MAX_DEPTH, down: 0 });
  const self = sub.nodes.find((n) => n.id === nodeId);
  if (!self) return null;
  // Walk upstream nearest first, but not into a base model's own lineage: a fine-tune's
  // data, code, config and compute are its own; the base model is named, not audited here.
  const byId = new Map(sub.nodes.map((n) => [n.id, n]));
  const into = new Map<number, EdgeRow[]>();
  for (const e of sub.edges) into.set(e.toId, [...(into.get(e.toId) ?? []), e]);
  const ancestors: NodeRow[] = [];
  const bases: NodeRow[] = [];
  const seen = new Set([nodeId]);
  let frontier = [nodeId];
  while (frontier.length) {
    const next: number[] = [];
    for (const id of frontier) {
      for (const e of into.get(id) ?? []) {
        if (seen.has(e.fromId)) continue;
        seen.add(e.fromId);
        const n = byId.get(e.fromId);
        if (!n) continue;
        if (e.relation === 'base-model') bases.push(n);
        else {
          ancestors.push(n);
          next.push(e.fromId);
        }
      }
    }
    frontier = next;
  }
  const of = (kind: NodeRow['kind']) => ancestors.filter((n) => n.kind === kind);
  const files = new Map<number, NodeFileRow[]>();
  for (const f of sub.files) files.set(f.nodeId, [...(files.get(f.nodeId) ?? []), f]);
  const data = auditData(of('dataset'), files);
  for (const b of bases) data.found.push({ what: 'base model', value: b.label, evidence: ev(b), nodeId: b.id });
  const axes = [data, auditCode(of('code'), of('environment'), of('run')), auditHyperparameters(of('config'), of('run'), self), auditCompute(of('environment'), of('run'), of('config'), self)];
  const status: AxisStatus = axes.every((a) => a.status === 'complete') ? 'complete' : axes.some((a) => a.status === 'missing') ? 'missing' : 'partial';
  return { nodeId, label: self.label, axes, status };
}
