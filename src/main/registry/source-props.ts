import type { RegistrySource, RegistryStage } from '../../shared/registry';

/**
 * Reads registry facts out of lineage nodes whatever reader wrote them. The
 * MLflow and GTO readers are free to name props in camelCase or as their
 * source does (snake_case); every name accepted here is listed in
 * `CONTEXT.md`. Pure: no database.
 */

type Props = Record<string, unknown>;

function firstString(props: Props, names: string[]): string | undefined {
  for (const n of names) {
    const v = props[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

function stringArray(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) => (typeof x === 'string' && x.trim() ? [x.trim()] : x && typeof x === 'object' && typeof (x as Props).stage === 'string' ? [String((x as Props).stage)] : []));
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    // [{key, value}] as MLflow's REST API and SQLite rows give them
    for (const x of v) if (x && typeof x === 'object' && typeof (x as Props).key === 'string') out[String((x as Props).key)] = String((x as Props).value ?? '');
    return out;
  }
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['true', 'yes', '1', 'deprecated'].includes(v.trim().toLowerCase());
  if (typeof v === 'number') return v !== 0;
  return v !== null && typeof v === 'object'; // a deprecation record ({at, by, tag})
}

/** Which registry a node comes from: an explicit prop, else the reader or the key's prefix. */
export function registryOf(node: { key: string; readers: string[]; props: Props }): Exclude<RegistrySource, 'local'> | null {
  const explicit = firstString(node.props, ['registry', 'registrySource', 'registry_source']);
  if (explicit === 'mlflow' || explicit === 'gto') return explicit;
  const hints = [node.key.split(':')[0] ?? '', ...node.readers].map((s) => s.toLowerCase());
  if (hints.some((h) => h.startsWith('mlflow'))) return 'mlflow';
  if (hints.some((h) => h.startsWith('gto') || h === 'git')) return 'gto';
  return null;
}

export interface SourceModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** alias → version name, as the source holds them. */
  aliases: Record<string, string>;
  deprecated: boolean;
}

export function readSourceModel(node: { label: string; props: Props }): SourceModel {
  const p = node.props;
  return {
    name: firstString(p, ['name', 'registeredModel', 'registered_model', 'modelName', 'model_name', 'artifact']) ?? node.label,
    description: firstString(p, ['description']) ?? '',
    tags: { ...stringRecord(p.tags), ...labels(p.labels) },
    aliases: aliasMap(p.aliases),
    deprecated: truthy(p.deprecated ?? p.deprecation),
  };
}

/** GTO's `labels: [a, b]` (or a record) as one tag. */
function labels(v: unknown): Record<string, string> {
  if (Array.isArray(v)) {
    const names = v.filter((x): x is string => typeof x === 'string' && x !== '');
    return names.length ? { labels: names.join(',') } : {};
  }
  return stringRecord(v);
}

/** `{alias: version}`, `[{alias, version}]`, as registered models hold them. */
function aliasMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const x of v) if (x && typeof x === 'object' && typeof (x as Props).alias === 'string' && (x as Props).version !== undefined) out[String((x as Props).alias)] = String((x as Props).version);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  }
  return out;
}

export interface SourceVersion {
  /** The source's own name for the version: MLflow's number, GTO's tag version (`v1.2.0`). */
  version: string;
  /** The registered model it belongs to, when the node says so itself. */
  model: string | undefined;
  /** The stage(s) the source assigns now, as it names them. */
  stages: string[];
  stageHistory: unknown[];
  aliases: string[];
  deprecated: boolean;
  status: string | null;
  runId: string | null;
  source: string | null;
  commit: string | null;
  tag: string | null;
  user: string | null;
  description: string | null;
  tags: Record<string, string>;
  /** Milliseconds since the epoch, when the source says when it was created. */
  createdAt: number | null;
}

export function readSourceVersion(node: { label: string; props: Props }): SourceVersion {
  const p = node.props;
  const stage = firstString(p, ['stage', 'currentStage', 'current_stage']);
  const stages = [...new Set([...(stage ? [stage] : []), ...stringArray(p.stages ?? p.currentStages ?? p.current_stages)])];
  const created = p.creationTime ?? p.creation_timestamp ?? p.creationTimestamp ?? p.createdAt ?? p.created_at ?? p.registeredAt ?? p.registered_at ?? p.timestamp;
  const createdAt = typeof created === 'number' ? created : typeof created === 'string' && !Number.isNaN(Date.parse(created)) ? Date.parse(created) : null;
  return {
    version: firstString(p, ['version', 'versionName', 'version_name']) ?? node.label,
    model: firstString(p, ['registeredModel', 'registered_model', 'model', 'modelName', 'model_name', 'artifact', 'name']),
    stages,
    stageHistory: Array.isArray(p.stageHistory ?? p.stage_history) ? ((p.stageHistory ?? p.stage_history) as unknown[]) : [],
    aliases: stringArray(p.aliases).filter((a) => a !== ''),
    // GTO: a deregistered version, like a deprecated one, is no longer offered
    deprecated: truthy(p.deprecated ?? p.deprecation) || truthy(p.deregistered),
    status: firstString(p, ['status']) ?? null,
    runId: firstString(p, ['runId', 'run_id']) ?? null,
    source: firstString(p, ['source', 'storageLocation', 'storage_location']) ?? null,
    commit: firstString(p, ['commit', 'commitHexsha', 'commit_hexsha', 'sha']) ?? null,
    tag: firstString(p, ['tag', 'gitTag', 'git_tag']) ?? null,
    user: firstString(p, ['userId', 'user_id', 'tagger', 'author', 'user']) ?? null,
    description: firstString(p, ['description']) ?? null,
    tags: stringRecord(p.tags),
    createdAt,
  };
}

const STAGE_NAMES: Record<string, RegistryStage> = {
  none: 'none',
  staging: 'staging',
  stage: 'staging',
  stg: 'staging',
  production: 'production',
  prod: 'production',
  prd: 'production',
  archived: 'archived',
  archive: 'archived',
};
const STAGE_RANK: Record<RegistryStage, number> = { none: 0, archived: 1, staging: 2, production: 3 };

/**
 * The registry stage for what the source says: MLflow's four stages map
 * one to one; GTO's free-form stage names map when they are a known spelling
 * (prod, staging…), the highest when a version holds several; a deprecated
 * version is archived. Stage names that mean nothing here are kept in the
 * version's source state and map to none.
 */
export function mapStage(v: Pick<SourceVersion, 'stages' | 'deprecated'>): { stage: RegistryStage; unmapped: string[] } {
  if (v.deprecated) return { stage: 'archived', unmapped: [] };
  let best: RegistryStage = 'none';
  const unmapped: string[] = [];
  for (const s of v.stages) {
    const mapped = STAGE_NAMES[s.toLowerCase()];
    if (!mapped) unmapped.push(s);
    else if (STAGE_RANK[mapped] > STAGE_RANK[best]) best = mapped;
  }
  return { stage: best, unmapped };
}

/** Orders a source's versions: numbers numerically, semantic versions by their parts, then by creation time. */
export function compareSourceVersions(a: Pick<SourceVersion, 'version' | 'createdAt'>, b: Pick<SourceVersion, 'version' | 'createdAt'>): number {
  const pa = versionParts(a.version);
  const pb = versionParts(b.version);
  if (pa && pb) {
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
  }
  if (a.createdAt !== null && b.createdAt !== null && a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.version.localeCompare(b.version, 'en', { numeric: true });
}

function versionParts(v: string): number[] | null {
  const m = /^[vV]?(\d+(?:\.\d+)*)$/.exec(v);
  return m ? m[1]!.split('.').map(Number) : null;
}

/** A source's model name made valid here: characters outside the allowed set become "-". */
export function localModelName(sourceName: string): string {
  return sourceName
    .replace(/[^A-Za-z0-9._/-]/g, '-')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+|\/+$/g, '')
    .slice(0, 200);
}
