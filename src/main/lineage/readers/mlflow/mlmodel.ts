import { clip, isRecord, jsonSafe, str } from './safe-text';

/**
 * An MLflow model directory: an `MLmodel` YAML file naming its flavors, and
 * beside it the environment MLflow captured (`requirements.txt`, `conda.yaml`,
 * `python_env.yaml`). Only facts are kept: flavor names and versions, pinned
 * packages; nothing here is loaded or run.
 */

export const ENV_FILES = ['requirements.txt', 'conda.yaml', 'python_env.yaml', 'constraints.txt'] as const;

const MAX_PACKAGES = 500;
/** Flavor fields worth keeping: versions and where the weights are. */
const FLAVOR_FIELD = /(_version|^loader_module$|^model_data$|^data$|^pickled_model$|^python_model$|^serialization_format$|^model_binary$|^saved_model_dir$|^code$|^task$|^framework$|^instance_type$|^source_model_name$|^pipeline_model_type$)/;
/** Flavor fields naming where the weights are: `saved_model_dir` is TensorFlow's SavedModel folder. */
const DATA_FIELDS = ['model_data', 'data', 'pickled_model', 'python_model', 'model_binary', 'saved_model_dir'];

export interface MlmodelSummary {
  flavors: string[];
  flavorDetails: Record<string, Record<string, unknown>>;
  mlflowVersion?: string;
  modelUuid?: string;
  modelId?: string;
  runId?: string;
  artifactPath?: string;
  name?: string;
  utcTimeCreated?: string;
  modelSizeBytes?: number;
  hasSignature: boolean;
  signature?: { inputs?: string; outputs?: string; params?: string };
  metadata?: unknown;
  /** Files the flavors name as holding the model (relative to the model directory). */
  dataPaths: string[];
}

export function summarizeMlmodel(doc: unknown): MlmodelSummary | undefined {
  if (!isRecord(doc)) return undefined;
  const flavorsRaw = isRecord(doc.flavors) ? doc.flavors : {};
  const flavorDetails: Record<string, Record<string, unknown>> = {};
  const dataPaths = new Set<string>();
  for (const [flavor, conf] of Object.entries(flavorsRaw)) {
    const details: Record<string, unknown> = {};
    if (isRecord(conf)) {
      for (const [k, v] of Object.entries(conf)) {
        if (k === 'artifacts' && isRecord(v)) {
          // A custom pyfunc model's artifacts: `{name: {path, uri}}`, `path` in the model folder, `uri` where it was logged from.
          const artifacts: Record<string, string> = {};
          for (const [name, a] of Object.entries(v).slice(0, 100)) {
            if (!isRecord(a)) continue;
            const path = str(a.path);
            if (path) dataPaths.add(path.replace(/^\.\/+/, '').replace(/\/+$/, ''));
            const from = str(a.uri) ?? path;
            if (from) artifacts[clip(name, 128)] = clip(from, 512);
          }
          if (Object.keys(artifacts).length > 0) details.artifacts = artifacts;
          continue;
        }
        if (!FLAVOR_FIELD.test(k)) continue;
        const s = str(v);
        if (s !== undefined) details[k] = clip(s, 256);
        if (DATA_FIELDS.includes(k) && s) dataPaths.add(s.replace(/^\.\/+/, '').replace(/\/+$/, ''));
      }
    }
    flavorDetails[flavor] = details;
  }
  const sig = isRecord(doc.signature) ? doc.signature : undefined;
  const out: MlmodelSummary = {
    flavors: Object.keys(flavorsRaw),
    flavorDetails,
    hasSignature: sig !== undefined,
    dataPaths: [...dataPaths],
  };
  const set = <K extends keyof MlmodelSummary>(k: K, v: MlmodelSummary[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('mlflowVersion', str(doc.mlflow_version));
  set('modelUuid', str(doc.model_uuid));
  set('modelId', str(doc.model_id));
  set('runId', str(doc.run_id));
  set('artifactPath', str(doc.artifact_path));
  set('name', str(doc.name));
  set('utcTimeCreated', str(doc.utc_time_created) ?? (doc.utc_time_created instanceof Date ? doc.utc_time_created.toISOString() : undefined));
  set('modelSizeBytes', typeof doc.model_size_bytes === 'number' ? doc.model_size_bytes : undefined);
  if (sig) {
    const part = (k: string) => (typeof sig[k] === 'string' ? clip(sig[k], 2048) : undefined);
    out.signature = Object.fromEntries(Object.entries({ inputs: part('inputs'), outputs: part('outputs'), params: part('params') }).filter(([, v]) => v !== undefined));
  }
  if (doc.metadata !== undefined) out.metadata = jsonSafe(doc.metadata);
  return out;
}

export interface Requirement {
  name: string;
  spec: string;
}

export interface EnvironmentSummary {
  python?: string;
  /** name → exact version, for `name==version` requirements. */
  pinned: Record<string, string>;
  /** Requirements without one exact version. */
  unpinned: string[];
  channels?: string[];
  buildDependencies?: string[];
  /** `-r`/`-c` includes, as written. */
  includes: string[];
}

export function emptyEnvironment(): EnvironmentSummary {
  return { pinned: {}, unpinned: [], includes: [] };
}

/** Adds one pip requirement line (`name[extra]==1.2; marker`) to the summary. */
export function addRequirement(env: EnvironmentSummary, raw: string): void {
  const line = raw.replace(/(^|\s)#.*$/, '').trim();
  if (line === '') return;
  const include = /^(?:-r|--requirement|-c|--constraint)\s*(\S+)/.exec(line)?.[1];
  if (include !== undefined) {
    if (env.includes.length < MAX_PACKAGES) env.includes.push(clip(include, 256));
    return;
  }
  if (line.startsWith('-')) return;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$/.exec(line);
  if (!m) return;
  const name = m[1]!.toLowerCase();
  const spec = (m[3] ?? '').split(';')[0]!.trim();
  const exact = /^===?\s*([^,;*\s]+)$/.exec(spec)?.[1];
  if (exact !== undefined) {
    if (Object.keys(env.pinned).length < MAX_PACKAGES) Object.defineProperty(env.pinned, name, { value: exact, enumerable: true, writable: true, configurable: true });
  } else if (env.unpinned.length < MAX_PACKAGES) env.unpinned.push(clip(spec === '' ? name : `${name}${spec}`, 256));
}

export function addRequirementsText(env: EnvironmentSummary, text: string): void {
  for (const line of text.split(/\r?\n/)) addRequirement(env, line);
}

/** conda.yaml: `python=3.10.12`, conda packages `name=version`, and a nested `pip:` list. */
export function addConda(env: EnvironmentSummary, doc: unknown): void {
  if (!isRecord(doc)) return;
  if (Array.isArray(doc.channels)) env.channels = doc.channels.filter((c): c is string => typeof c === 'string').slice(0, 50);
  if (!Array.isArray(doc.dependencies)) return;
  for (const dep of doc.dependencies) {
    if (typeof dep === 'string') {
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==?)\s*([^=<>!,\s]+))?/.exec(dep.trim());
      if (!m) continue;
      if (m[1]!.toLowerCase() === 'python' && m[3]) env.python ??= m[3];
      else if (m[1]!.toLowerCase() !== 'pip' && m[3]) addRequirement(env, `${m[1]}==${m[3]}`);
      else if (m[1]!.toLowerCase() !== 'pip') addRequirement(env, dep);
    } else if (isRecord(dep) && Array.isArray(dep.pip)) {
      for (const p of dep.pip) if (typeof p === 'string') addRequirement(env, p);
    }
  }
}

/** python_env.yaml: `python`, `build_dependencies`, `dependencies` (pip lines, often `-r requirements.txt`). */
export function addPythonEnv(env: EnvironmentSummary, doc: unknown): void {
  if (!isRecord(doc)) return;
  const python = str(doc.python);
  if (python) env.python = python;
  if (Array.isArray(doc.build_dependencies)) env.buildDependencies = doc.build_dependencies.filter((d): d is string => typeof d === 'string').slice(0, 50);
  if (Array.isArray(doc.dependencies)) for (const d of doc.dependencies) if (typeof d === 'string') addRequirement(env, d);
}
