import type { Evidence } from '../../model';
import { readMeta, readMetricFolder, readValueFolder } from './file-values';
import type { FragmentBuilder } from './fragment';
import { dict, type DatasetInputRecord, type ExperimentRecord, type LoggedModelRecord, type RunRecord, type StoreRecords } from './records';
import { isRecord, num, str } from './safe-text';
import { joinPath, yieldToLoop, type StoreFiles } from './store-files';
import { parseArtifactUri, relocate } from './uri';

/**
 * The tracking half of MLflow's folder store (`mlflow/store/tracking/file_store.py`):
 *
 *   <root>/<experiment>/meta.yaml             experiment (`0` is the default one)
 *   <root>/<experiment>/tags/<key>            experiment tags
 *   <root>/<experiment>/<run>/meta.yaml       run (status as an int, lifecycle_stage)
 *   <root>/<experiment>/<run>/{params,tags,metrics}/<key>
 *   <root>/<experiment>/<run>/inputs/<id>/meta.yaml   dataset or model input (2.4+)
 *   <root>/<experiment>/<run>/outputs/<model>/meta.yaml  logged-model output (3.x)
 *   <root>/<experiment>/datasets/<id>/meta.yaml        dataset (name, digest, source, profile)
 *   <root>/<experiment>/models/<m-id>/{meta.yaml,tags,metrics,artifacts}  logged model (3.x)
 *   <root>/.trash/<experiment>/...            deleted experiments, runs and all
 *
 * Deleted runs of live experiments stay in place with `lifecycle_stage: deleted`.
 */

/** Folders inside an experiment that are not runs (FileStore.RESERVED_EXPERIMENT_FOLDERS). */
const RESERVED_IN_EXPERIMENT = new Set(['tags', 'datasets', 'traces', 'models']);
const RUN_ID = /^[0-9a-f]{32}$/i;
/** RunStatus as stored in meta.yaml (mlflow/entities/run_status.py; KILLED since 1.x). */
const RUN_STATUS: Record<number, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

export async function readFileTracking(files: StoreFiles, out: FragmentBuilder, root: string, records: StoreRecords): Promise<void> {
  const experimentDirs: { dir: string; id: string; deleted: boolean }[] = [];
  for (const name of files.subdirs(root)) {
    if (name === '.trash' || name === 'models') continue;
    experimentDirs.push({ dir: joinPath(root, name), id: name, deleted: false });
  }
  for (const name of files.subdirs(joinPath(root, '.trash'))) experimentDirs.push({ dir: joinPath(root, '.trash', name), id: name, deleted: true });

  for (const exp of experimentDirs) {
    const metaPath = joinPath(exp.dir, 'meta.yaml');
    if (!files.has(metaPath)) {
      // Artifact-only folders (a SQLite store's `mlruns/`) have no meta.yaml and no runs with one.
      if (files.subdirs(exp.dir).some((r) => files.has(joinPath(exp.dir, r, 'meta.yaml')))) {
        out.finding(exp.dir, 'mlflow-experiment-meta-missing', 'warning', 'the experiment folder has runs but no meta.yaml; its runs were read without it');
      } else continue;
    }
    const experiment = await readExperiment(files, out, exp.dir, exp.id, exp.deleted);
    if (experiment) records.experiments.push(experiment);
    const experimentId = experiment?.id ?? exp.id;
    for (const name of files.subdirs(exp.dir)) {
      if (RESERVED_IN_EXPERIMENT.has(name)) continue;
      const runDir = joinPath(exp.dir, name);
      if (!files.has(joinPath(runDir, 'meta.yaml'))) {
        if (RUN_ID.test(name)) out.finding(runDir, 'mlflow-run-meta-missing', 'warning', 'the run folder has no meta.yaml; MLflow skips it, and so does this reader');
        continue;
      }
      const run = await readRun(files, out, runDir, name, experimentId, exp.dir, records.scope.artifactBases);
      if (run) records.runs.push(run);
      await yieldToLoop();
    }
    for (const name of files.subdirs(joinPath(exp.dir, 'models'))) {
      const model = await readLoggedModel(files, out, joinPath(exp.dir, 'models', name), name, experimentId, records.scope.artifactBases);
      if (model) records.loggedModels.push(model);
    }
  }
}

async function readExperiment(files: StoreFiles, out: FragmentBuilder, dir: string, folderId: string, inTrash: boolean): Promise<ExperimentRecord | undefined> {
  const path = joinPath(dir, 'meta.yaml');
  const meta = files.has(path) ? await readMeta(files, out, path, ['experiment_id', 'name']) : undefined;
  const id = str(meta?.experiment_id) ?? folderId;
  if (meta && id !== folderId) out.finding(path, 'mlflow-experiment-id-mismatch', 'warning', `the meta.yaml says experiment ${id} but the folder is ${folderId}; MLflow ignores such an experiment`);
  // MLflow 1.x deleted an experiment by moving it to .trash, its meta.yaml still saying active: where it is decides.
  const lifecycle = inTrash ? 'deleted' : str(meta?.lifecycle_stage);
  const rec: ExperimentRecord = {
    id,
    name: str(meta?.name),
    artifactLocation: str(meta?.artifact_location),
    lifecycleStage: lifecycle,
    creationTime: num(meta?.creation_time),
    lastUpdateTime: num(meta?.last_update_time),
    tags: await readValueFolder(files, out, joinPath(dir, 'tags')),
    evidence: { file: path, detail: `experiment ${id}` },
  };
  return rec;
}

async function readRun(files: StoreFiles, out: FragmentBuilder, runDir: string, folderId: string, experimentId: string, experimentDir: string, bases: string[]): Promise<RunRecord | undefined> {
  const metaPath = joinPath(runDir, 'meta.yaml');
  const meta = await readMeta(files, out, metaPath, []);
  if (!meta) return undefined;
  // MLflow 3 writes run_id only; MLflow 1 run_uuid only; 2 both.
  const missing = [...(str(meta.run_uuid) || str(meta.run_id) ? [] : ['run_id (or run_uuid)']), ...(str(meta.experiment_id) ? [] : ['experiment_id'])];
  if (missing.length > 0) out.finding(metaPath, 'mlflow-meta-missing-field', 'warning', `the meta.yaml has no ${missing.join(', ')}`);
  const id = str(meta.run_uuid) ?? str(meta.run_id) ?? folderId;
  if (id !== folderId) out.finding(metaPath, 'mlflow-run-id-mismatch', 'warning', `the meta.yaml says run ${id} but the folder is ${folderId}`);
  const metaExperiment = str(meta.experiment_id);
  if (metaExperiment !== undefined && metaExperiment !== experimentId) {
    out.finding(metaPath, 'mlflow-run-experiment-mismatch', 'warning', `the run says experiment ${metaExperiment} but sits in experiment ${experimentId}; MLflow ignores such a run`);
  }
  const status = typeof meta.status === 'number' ? RUN_STATUS[meta.status] ?? String(meta.status) : str(meta.status);
  const run: RunRecord = {
    id,
    experimentId,
    name: str(meta.run_name),
    status: status ?? 'RUNNING',
    startTime: num(meta.start_time),
    endTime: num(meta.end_time),
    deletedTime: num(meta.deleted_time),
    userId: str(meta.user_id),
    lifecycleStage: str(meta.lifecycle_stage) ?? 'active',
    artifactUri: str(meta.artifact_uri),
    sourceName: nonEmpty(str(meta.source_name)),
    sourceVersion: nonEmpty(str(meta.source_version)),
    entryPointName: nonEmpty(str(meta.entry_point_name)),
    params: await readValueFolder(files, out, joinPath(runDir, 'params')),
    tags: await readValueFolder(files, out, joinPath(runDir, 'tags')),
    metrics: await readMetricFolder(files, out, joinPath(runDir, 'metrics'), false),
    datasetInputs: [],
    modelInputs: [],
    modelOutputs: [],
    evidence: { file: metaPath, detail: `run ${id}` },
    tagEvidence: (key) => ({ file: joinPath(runDir, 'tags', key), detail: `tag ${key}` }),
  };
  // Pre-1.0 meta.yaml kept tags inline as a list of {key, value}.
  if (Array.isArray(meta.tags)) for (const t of meta.tags) if (isRecord(t) && typeof t.key === 'string' && typeof t.value === 'string' && !(t.key in run.tags)) run.tags[t.key] = t.value;
  await readInputs(files, out, runDir, experimentDir, run);
  await readOutputs(files, out, runDir, run);
  run.artifactsDir = findArtifacts(files, out, metaPath, run.artifactUri, id, joinPath(runDir, 'artifacts'), bases);
  return run;
}

async function readInputs(files: StoreFiles, out: FragmentBuilder, runDir: string, experimentDir: string, run: RunRecord): Promise<void> {
  const inputsDir = joinPath(runDir, 'inputs');
  for (const name of files.subdirs(inputsDir)) {
    const path = joinPath(inputsDir, name, 'meta.yaml');
    if (!files.has(path)) continue;
    const meta = await readMeta(files, out, path, ['source_type', 'source_id']);
    if (!meta) continue;
    const sourceType = str(meta.source_type);
    const sourceId = str(meta.source_id);
    if (!sourceId) continue;
    // destination_id is written as the source id by FileStore._FileStoreInput; the folder says which run.
    const evidence: Evidence = { file: path, detail: `input ${sourceType ?? '?'} ${sourceId}` };
    if (sourceType === 'MODEL') {
      run.modelInputs.push({ modelId: sourceId, evidence });
      continue;
    }
    if (sourceType !== 'DATASET') continue;
    const datasetPath = joinPath(experimentDir, 'datasets', sourceId, 'meta.yaml');
    if (!files.has(datasetPath)) {
      out.finding(path, 'mlflow-dataset-missing', 'warning', `the input names dataset ${sourceId}, which is not in ${joinPath(experimentDir, 'datasets')}`);
      continue;
    }
    const ds = await readMeta(files, out, datasetPath, ['name', 'digest']);
    if (!ds) continue;
    const input: DatasetInputRecord = {
      dataset: {
        name: str(ds.name) ?? sourceId,
        digest: str(ds.digest) ?? '',
        sourceType: str(ds.source_type),
        source: str(ds.source),
        schema: str(ds.schema),
        profile: str(ds.profile),
        evidence: { file: datasetPath, detail: `dataset ${sourceId}` },
      },
      tags: stringMap(meta.tags),
      evidence,
    };
    run.datasetInputs.push(input);
  }
}

async function readOutputs(files: StoreFiles, out: FragmentBuilder, runDir: string, run: RunRecord): Promise<void> {
  const outputsDir = joinPath(runDir, 'outputs');
  for (const name of files.subdirs(outputsDir)) {
    const path = joinPath(outputsDir, name, 'meta.yaml');
    if (!files.has(path)) continue;
    const meta = await readMeta(files, out, path, ['source_id']);
    // The folder is the model id; source_id repeats it (destination_id too, by the same quirk as inputs).
    const modelId = str(meta?.source_id) ?? name;
    run.modelOutputs.push({ modelId, step: num(meta?.step), evidence: { file: path, detail: `output model ${modelId}` } });
  }
}

async function readLoggedModel(files: StoreFiles, out: FragmentBuilder, dir: string, folderId: string, experimentId: string, bases: string[]): Promise<LoggedModelRecord | undefined> {
  const path = joinPath(dir, 'meta.yaml');
  if (!files.has(path)) {
    if (files.dirExists(joinPath(dir, 'artifacts'))) out.finding(dir, 'mlflow-model-meta-missing', 'warning', 'the logged-model folder has artifacts but no meta.yaml');
    return undefined;
  }
  const meta = await readMeta(files, out, path, ['model_id', 'experiment_id']);
  if (!meta) return undefined;
  const id = str(meta.model_id) ?? folderId;
  const rec: LoggedModelRecord = {
    id,
    experimentId: str(meta.experiment_id) ?? experimentId,
    name: str(meta.name),
    artifactLocation: str(meta.artifact_location),
    sourceRunId: nonEmpty(str(meta.source_run_id)),
    status: loggedModelStatus(meta.status),
    statusMessage: nonEmpty(str(meta.status_message)),
    modelType: nonEmpty(str(meta.model_type)),
    lifecycleStage: str(meta.lifecycle_stage) ?? 'active',
    creationTime: num(meta.creation_timestamp),
    lastUpdatedTime: num(meta.last_updated_timestamp),
    // MLflow 3 writes a logged model's params one file per key in params/ (never in meta.yaml).
    params: { ...stringMap(meta.params), ...(await readValueFolder(files, out, joinPath(dir, 'params'))) },
    tags: await readValueFolder(files, out, joinPath(dir, 'tags')),
    metrics: await readMetricFolder(files, out, joinPath(dir, 'metrics'), true),
    evidence: { file: path, detail: `logged model ${id}` },
  };
  rec.artifactsDir = findArtifacts(files, out, path, rec.artifactLocation, id, joinPath(dir, 'artifacts'), bases);
  return rec;
}

/**
 * Where an artifact URI points in this store: relocated from the writing
 * machine when possible, else the folder MLflow's default layout puts it in.
 */
export function findArtifacts(files: StoreFiles, out: FragmentBuilder, metaPath: string, uri: string | undefined, anchor: string, fallback: string | undefined, bases: string[]): string | undefined {
  if (uri) {
    const hit = relocate(files, uri, bases, { anchor });
    if (hit) return hit.path;
  }
  if (fallback && files.dirExists(fallback)) return fallback;
  // An empty local artifacts folder is common (nothing logged); a remote one is simply elsewhere.
  const parsed = uri ? parseArtifactUri(uri) : undefined;
  if (parsed?.kind === 'path' && !['local', 'file', 'mlflow-artifacts'].includes(parsed.scheme)) {
    out.finding(metaPath, 'mlflow-artifacts-remote', 'info', `the artifacts are at ${uri}, outside this store`);
  }
  return undefined;
}

/** LoggedModelStatus is written with str(): `READY`, or `LoggedModelStatus.READY` on older Pythons; SQL keeps the proto int. */
export function loggedModelStatus(v: unknown): string | undefined {
  if (typeof v === 'number') return ['UNSPECIFIED', 'PENDING', 'READY', 'FAILED'][v] ?? String(v);
  const s = str(v);
  return s?.replace(/^LoggedModelStatus\./, '');
}

function stringMap(v: unknown): Record<string, string> {
  const m = dict<string>();
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) m[k] = typeof x === 'string' ? x : String(x);
  return m;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
