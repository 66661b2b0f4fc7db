import type { Evidence } from '../../model';
import type { MetricSummary } from './metrics';

/**
 * What either backend (folder store or SQLite) found, before it becomes
 * lineage. Both backends fill the same records, so one emitter turns them into
 * nodes and edges and the two cannot drift apart.
 */

/** Which store the records came from: keys of experiments and registry entries are scoped by it. */
export interface StoreScope {
  /** `mlruns` (folder store root, store-relative) or `mlflow.db` (database path). */
  id: string;
  backend: 'file' | 'sqlite';
  /** Store-relative folders where relocated artifact paths may live, best first. */
  artifactBases: string[];
}

export interface ExperimentRecord {
  id: string;
  name?: string;
  artifactLocation?: string;
  lifecycleStage?: string;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
  evidence: Evidence;
}

export interface DatasetRecord {
  name: string;
  digest: string;
  sourceType?: string;
  source?: string;
  schema?: string;
  profile?: string;
  evidence: Evidence;
}

export interface DatasetInputRecord {
  dataset: DatasetRecord;
  tags: Record<string, string>;
  evidence: Evidence;
}

export interface RunRecord {
  id: string;
  experimentId?: string;
  name?: string;
  status?: string;
  startTime?: number;
  endTime?: number;
  deletedTime?: number;
  userId?: string;
  lifecycleStage?: string;
  artifactUri?: string;
  /** Legacy (0.x) columns that later versions keep empty; `sourceVersion` was the git commit. */
  sourceName?: string;
  sourceVersion?: string;
  entryPointName?: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricSummary>;
  datasetInputs: DatasetInputRecord[];
  /** 3.x: logged models this run consumed / produced. */
  modelInputs: { modelId: string; evidence: Evidence }[];
  modelOutputs: { modelId: string; step?: number; evidence: Evidence }[];
  /** Where the run's artifacts are in this store, when found (folder store: `<run>/artifacts`). */
  artifactsDir?: string;
  /** Which file says what the run is, and where each tag came from. */
  evidence: Evidence;
  tagEvidence: (key: string) => Evidence;
}

export interface LoggedModelRecord {
  id: string;
  experimentId?: string;
  name?: string;
  artifactLocation?: string;
  artifactsDir?: string;
  sourceRunId?: string;
  status?: string;
  statusMessage?: string;
  modelType?: string;
  lifecycleStage?: string;
  creationTime?: number;
  lastUpdatedTime?: number;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricSummary>;
  evidence: Evidence;
}

export interface RegisteredModelRecord {
  name: string;
  description?: string;
  creationTime?: number;
  lastUpdatedTime?: number;
  tags: Record<string, string>;
  /** alias → version, from `aliases/<alias>` files, the meta.yaml or the aliases table. */
  aliases: Record<string, string>;
  evidence: Evidence;
}

export interface ModelVersionRecord {
  name: string;
  version: string;
  stage?: string;
  status?: string;
  statusMessage?: string;
  source?: string;
  storageLocation?: string;
  runId?: string;
  runLink?: string;
  modelId?: string;
  userId?: string;
  description?: string;
  creationTime?: number;
  lastUpdatedTime?: number;
  tags: Record<string, string>;
  aliases: string[];
  evidence: Evidence;
}

export interface StoreRecords {
  scope: StoreScope;
  experiments: ExperimentRecord[];
  runs: RunRecord[];
  loggedModels: LoggedModelRecord[];
  registeredModels: RegisteredModelRecord[];
  modelVersions: ModelVersionRecord[];
}

export function emptyRecords(scope: StoreScope): StoreRecords {
  return { scope, experiments: [], runs: [], loggedModels: [], registeredModels: [], modelVersions: [] };
}

/** A string-keyed map safe for keys like `__proto__` taken from files. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
