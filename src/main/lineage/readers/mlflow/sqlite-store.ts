import type Database from 'better-sqlite3';
import type { Evidence } from '../../model';
import { loggedModelStatus } from './file-tracking';
import type { FragmentBuilder } from './fragment';
import { MetricAccumulator, type MetricSummary } from './metrics';
import { dict, type DatasetRecord, type ExperimentRecord, type LoggedModelRecord, type ModelVersionRecord, type RegisteredModelRecord, type RunRecord, type StoreRecords } from './records';
import { num, str } from './safe-text';
import { reportSqliteError } from './sqlite-open';
import { MlflowQueries, type Row } from './sqlite-queries';
import { KNOWN_REVISIONS, knownRevision, REQUIRED_TABLES, type Table } from './sqlite-schema';
import { baseName } from './store-files';

/**
 * MLflow's SQLAlchemy store as SQLite keeps it (`mlflow.db`): the tables of
 * `dbmodels/models.py`, read into the same records as the folder store.
 * Every query is guarded on its own, so a table that is missing, locked or
 * damaged costs only what it holds.
 */
export function readSqliteStore(db: Database.Database, out: FragmentBuilder, dbPath: string, records: StoreRecords): void {
  let q: MlflowQueries;
  try {
    q = new MlflowQueries(db);
  } catch (e) {
    reportSqliteError(out, dbPath, e, 'cannot read the schema');
    return;
  }
  const missing = REQUIRED_TABLES.filter((t) => !q.hasTable(t));
  if (missing.length > 0) {
    out.finding(dbPath, 'mlflow-db-not-mlflow', 'warning', `the database has no ${missing.join(', ')} table, so it is not an MLflow tracking store`);
    return;
  }
  checkSchema(q, out, dbPath);
  const ev = (table: string, detail: string): Evidence => ({ file: dbPath, detail: `${baseName(dbPath)}: table ${table}, ${detail}` });
  const guard = <T>(what: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      reportSqliteError(out, dbPath, e, `cannot read ${what}`);
      return undefined;
    }
  };

  const experimentTags = groupBy(guard('experiment_tags', () => [...q.experimentTags()]) ?? [], 'experiment_id', 'key', 'value');
  for (const r of guard('experiments', () => [...q.experiments()]) ?? []) {
    const id = String(r.experiment_id);
    const rec: ExperimentRecord = {
      id,
      name: str(r.name),
      artifactLocation: str(r.artifact_location),
      lifecycleStage: str(r.lifecycle_stage),
      creationTime: num(r.creation_time),
      lastUpdateTime: num(r.last_update_time),
      tags: experimentTags.get(id) ?? dict(),
      evidence: ev('experiments', `experiment_id ${id}`),
    };
    records.experiments.push(rec);
  }

  const params = groupBy(guard('params', () => [...q.params()]) ?? [], 'run_uuid', 'key', 'value');
  const tags = groupBy(guard('tags', () => [...q.tags()]) ?? [], 'run_uuid', 'key', 'value');
  const datasets = new Map<string, DatasetRecord>();
  for (const r of guard('datasets', () => [...q.datasets()]) ?? []) {
    const uuid = str(r.dataset_uuid);
    if (!uuid) continue;
    datasets.set(uuid, {
      name: str(r.name) ?? uuid,
      digest: str(r.digest) ?? '',
      sourceType: str(r.dataset_source_type),
      source: str(r.dataset_source),
      schema: str(r.dataset_schema),
      profile: str(r.dataset_profile),
      evidence: ev('datasets', `dataset_uuid ${uuid}`),
    });
  }
  const inputTags = groupBy(guard('input_tags', () => [...q.inputTags()]) ?? [], 'input_uuid', 'name', 'value');
  const inputs = guard('inputs', () => [...q.inputs()]) ?? [];

  const runs = new Map<string, RunRecord>();
  for (const r of guard('runs', () => [...q.runs()]) ?? []) {
    const id = str(r.run_uuid);
    if (!id) continue;
    const run: RunRecord = {
      id,
      experimentId: r.experiment_id === null || r.experiment_id === undefined ? undefined : String(r.experiment_id),
      name: str(r.name),
      status: str(r.status),
      startTime: num(r.start_time),
      endTime: num(r.end_time),
      deletedTime: num(r.deleted_time),
      userId: str(r.user_id),
      lifecycleStage: str(r.lifecycle_stage),
      artifactUri: str(r.artifact_uri),
      sourceName: str(r.source_name) || undefined,
      sourceVersion: str(r.source_version) || undefined,
      entryPointName: str(r.entry_point_name) || undefined,
      params: params.get(id) ?? dict(),
      tags: tags.get(id) ?? dict(),
      metrics: guard(`the metrics of run ${id}`, () => metricsOf(q.metricsOfRun(id), 'key', 'value', 'timestamp', 'step')) ?? dict(),
      datasetInputs: [],
      modelInputs: [],
      modelOutputs: [],
      evidence: ev('runs', `run_uuid ${id}`),
      tagEvidence: (key) => ev('tags', `run_uuid ${id}, key ${key}`),
    };
    runs.set(id, run);
    records.runs.push(run);
  }

  // inputs links datasets to runs (DATASET → RUN), and 3.x logged models both ways.
  for (const r of inputs) {
    const sourceType = str(r.source_type);
    const sourceId = str(r.source_id) ?? '';
    const destType = str(r.destination_type);
    const destId = str(r.destination_id) ?? '';
    const evidence = ev('inputs', `input_uuid ${str(r.input_uuid) ?? '?'} (${sourceType} ${sourceId} → ${destType} ${destId})`);
    if (sourceType === 'DATASET' && destType === 'RUN') {
      const run = runs.get(destId);
      const dataset = datasets.get(sourceId);
      if (!dataset) {
        out.finding(dbPath, 'mlflow-dataset-missing', 'warning', `table inputs names dataset ${sourceId}, which table datasets does not have`);
        continue;
      }
      run?.datasetInputs.push({ dataset, tags: inputTags.get(str(r.input_uuid) ?? '') ?? dict(), evidence });
    } else if (sourceType === 'RUN_INPUT' && destType === 'MODEL_INPUT') {
      runs.get(sourceId)?.modelInputs.push({ modelId: destId, evidence });
    } else if (sourceType === 'RUN_OUTPUT' && destType === 'MODEL_OUTPUT') {
      runs.get(sourceId)?.modelOutputs.push({ modelId: destId, step: num(r.step), evidence });
    }
  }

  if (q.hasTable('logged_models')) readLoggedModels(q, records, ev, guard);
  readRegistry(q, records, ev, guard);
}

function checkSchema(q: MlflowQueries, out: FragmentBuilder, dbPath: string): void {
  let revisions: string[] = [];
  try {
    revisions = q.alembicRevisions();
  } catch (e) {
    reportSqliteError(out, dbPath, e, 'cannot read alembic_version');
  }
  const latest = KNOWN_REVISIONS[KNOWN_REVISIONS.length - 1]!;
  if (revisions.length === 0) {
    out.finding(dbPath, 'mlflow-db-no-alembic-version', 'warning', 'the database has no alembic_version stamp, so its schema version is unknown; it was read by the tables it has');
  }
  for (const rev of revisions) {
    if (!knownRevision(rev)) {
      // MLflow adds revisions with most releases: a newer database is read by the tables and columns it shares, which is no fault of the store.
      out.finding(dbPath, 'mlflow-db-schema-unknown', 'info', `schema revision ${rev} is not one this reader knows (it knows up to ${latest.revision}, ${latest.note}); it is probably from a newer MLflow, and was read by the tables and columns it still shares`);
    }
  }
  for (const table of ['experiments', 'runs', 'metrics', 'params', 'tags', 'model_versions'] as Table[]) {
    const gone = q.missingColumns(table);
    // Columns added by later migrations are expected to be absent from old schemas.
    const unexpected = gone.filter((c) => !['deleted_time', 'creation_time', 'last_update_time', 'storage_location', 'model_id', 'run_link', 'step', 'is_nan'].includes(c));
    if (unexpected.length > 0) out.finding(dbPath, 'mlflow-db-columns-missing', 'warning', `table ${table} has no ${unexpected.join(', ')} column`);
  }
}

type Ev = (table: string, detail: string) => Evidence;
type Guard = <T>(what: string, fn: () => T) => T | undefined;

function readLoggedModels(q: MlflowQueries, records: StoreRecords, ev: Ev, guard: Guard): void {
  const params = groupBy(guard('logged_model_params', () => [...q.loggedModelParams()]) ?? [], 'model_id', 'param_key', 'param_value');
  const tags = groupBy(guard('logged_model_tags', () => [...q.loggedModelTags()]) ?? [], 'model_id', 'tag_key', 'tag_value');
  for (const r of guard('logged_models', () => [...q.loggedModels()]) ?? []) {
    const id = str(r.model_id);
    if (!id) continue;
    const rec: LoggedModelRecord = {
      id,
      experimentId: r.experiment_id === null || r.experiment_id === undefined ? undefined : String(r.experiment_id),
      name: str(r.name),
      artifactLocation: str(r.artifact_location),
      sourceRunId: str(r.source_run_id) || undefined,
      status: loggedModelStatus(r.status),
      statusMessage: str(r.status_message) || undefined,
      modelType: str(r.model_type) || undefined,
      lifecycleStage: str(r.lifecycle_stage),
      creationTime: num(r.creation_timestamp_ms),
      lastUpdatedTime: num(r.last_updated_timestamp_ms),
      params: params.get(id) ?? dict(),
      tags: tags.get(id) ?? dict(),
      metrics: guard(`the metrics of logged model ${id}`, () => metricsOf(q.metricsOfLoggedModel(id), 'metric_name', 'metric_value', 'metric_timestamp_ms', 'metric_step', 'run_id')) ?? dict(),
      evidence: ev('logged_models', `model_id ${id}`),
    };
    records.loggedModels.push(rec);
  }
}

function readRegistry(q: MlflowQueries, records: StoreRecords, ev: Ev, guard: Guard): void {
  if (!q.hasTable('registered_models')) return;
  const rmTags = groupBy(guard('registered_model_tags', () => [...q.registeredModelTags()]) ?? [], 'name', 'key', 'value');
  const aliases = groupBy(guard('registered_model_aliases', () => [...q.registeredModelAliases()]) ?? [], 'name', 'alias', 'version');
  for (const r of guard('registered_models', () => [...q.registeredModels()]) ?? []) {
    const name = str(r.name);
    if (!name) continue;
    const rec: RegisteredModelRecord = {
      name,
      description: str(r.description) || undefined,
      creationTime: num(r.creation_time),
      lastUpdatedTime: num(r.last_updated_time),
      tags: rmTags.get(name) ?? dict(),
      aliases: aliases.get(name) ?? dict(),
      evidence: ev('registered_models', `name ${name}`),
    };
    records.registeredModels.push(rec);
  }
  const mvTags = new Map<string, Record<string, string>>();
  for (const r of guard('model_version_tags', () => [...q.modelVersionTags()]) ?? []) {
    const k = `${str(r.name)}\u0000${str(r.version)}`;
    let m = mvTags.get(k);
    if (!m) mvTags.set(k, (m = dict()));
    const key = str(r.key);
    if (key !== undefined) m[key] = str(r.value) ?? '';
  }
  for (const r of guard('model_versions', () => [...q.modelVersions()]) ?? []) {
    const name = str(r.name);
    const version = str(r.version);
    if (!name || !version) continue;
    const stage = str(r.current_stage);
    if (stage === 'Deleted_Internal') continue;
    const modelAliases = aliases.get(name) ?? {};
    const rec: ModelVersionRecord = {
      name,
      version,
      stage,
      status: str(r.status),
      statusMessage: str(r.status_message) || undefined,
      source: str(r.source),
      storageLocation: str(r.storage_location) || undefined,
      runId: str(r.run_id) || undefined,
      runLink: str(r.run_link) || undefined,
      modelId: str(r.model_id) || undefined,
      userId: str(r.user_id) || undefined,
      description: str(r.description) || undefined,
      creationTime: num(r.creation_time),
      lastUpdatedTime: num(r.last_updated_time),
      tags: mvTags.get(`${name}\u0000${version}`) ?? dict(),
      aliases: Object.keys(modelAliases).filter((a) => modelAliases[a] === version),
      evidence: ev('model_versions', `name ${name}, version ${version}`),
    };
    records.modelVersions.push(rec);
  }
}

function metricsOf(rows: Iterable<Row>, keyCol: string, valueCol: string, tsCol: string, stepCol: string, runCol?: string): Record<string, MetricSummary> {
  const acc = new Map<string, MetricAccumulator>();
  for (const r of rows) {
    const key = str(r[keyCol]);
    if (key === undefined) continue;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = new MetricAccumulator()));
    // NaN is stored as is_nan = 1 (the value column cannot hold it); a NULL value is also not a number.
    const raw = r[valueCol];
    const value = r.is_nan === 1 || r.is_nan === true || typeof raw !== 'number' ? NaN : raw;
    a.add({ value, timestamp: num(r[tsCol]) ?? 0, step: num(r[stepCol]) ?? 0, runId: runCol ? str(r[runCol]) : undefined, datasetName: str(r.dataset_name), datasetDigest: str(r.dataset_digest) });
  }
  const out = dict<MetricSummary>();
  for (const [k, a] of acc) {
    const s = a.summary();
    if (s) out[k] = s;
  }
  return out;
}

/** Rows of a key/value table, grouped by owner: owner → key → value. */
function groupBy(rows: Row[], ownerCol: string, keyCol: string, valueCol: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const owner = r[ownerCol] === null || r[ownerCol] === undefined ? undefined : String(r[ownerCol]);
    const key = str(r[keyCol]);
    if (owner === undefined || key === undefined) continue;
    let m = out.get(owner);
    if (!m) out.set(owner, (m = dict()));
    m[key] = r[valueCol] === null || r[valueCol] === undefined ? '' : String(r[valueCol]);
  }
  return out;
}

