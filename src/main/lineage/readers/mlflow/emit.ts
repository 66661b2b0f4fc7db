import type { Evidence, NodeFile } from '../../model';
import { modelKey, scanArtifacts, type ModelDirs } from './artifacts';
import type { FragmentBuilder } from './fragment';
import type { MetricSummary } from './metrics';
import type { DatasetInputRecord, LoggedModelRecord, RunRecord, StoreRecords } from './records';
import { clip, isRecord, jsonSafe, str } from './safe-text';
import type { StoreFiles } from './store-files';
import { parseArtifactUri, relocate } from './uri';

/**
 * Turns the records of one store (either backend) into lineage: experiments,
 * runs, code revisions, datasets, artifacts, logged models, environments,
 * registered models and their versions, joined by the edges MLflow declares.
 */

const MAX_PARAM_CHARS = 1024;
const MAX_TAG_CHARS = 2048;
/** Runs with thousands of metric keys keep histories for the first ones only. */
const MAX_METRICS_WITH_HISTORY = 200;
const MAX_DATASET_FILES = 200;
const GIT_SHA = /^[0-9a-f]{7,64}$/i;
/** Tags shown as their own props (or, for the model history, as models), not repeated in `tags`. */
const HIDDEN_TAGS = new Set(['mlflow.log-model.history']);

export const runKey = (id: string) => `mlflow:run:${id}`;
export const loggedModelKey = (id: string) => `mlflow:logged-model:${id}`;

export async function emitRecords(files: StoreFiles, out: FragmentBuilder, records: StoreRecords, models: ModelDirs): Promise<void> {
  const scope = records.scope;
  const experimentKey = (id: string) => `mlflow:experiment:${scope.id}:${id}`;

  for (const e of records.experiments) {
    out.node(experimentKey(e.id), 'experiment', e.name ?? `experiment ${e.id}`, compact({
      experimentId: e.id,
      name: e.name,
      lifecycleStage: e.lifecycleStage,
      artifactLocation: e.artifactLocation,
      creationTime: e.creationTime,
      lastUpdateTime: e.lastUpdateTime,
      isDefault: e.id === '0' || undefined,
      tags: clipValues(e.tags, MAX_TAG_CHARS),
      store: scope.id,
      backend: scope.backend,
    }), e.evidence);
  }

  const loggedModels = new Map(records.loggedModels.map((m) => [m.id, m]));
  for (const run of records.runs) {
    emitRun(files, out, run, scope.artifactBases);
    if (run.experimentId !== undefined) {
      const key = experimentKey(run.experimentId);
      if (!out.has(key)) out.node(key, 'experiment', `experiment ${run.experimentId}`, { experimentId: run.experimentId, store: scope.id, notInStore: true }, run.evidence);
      out.edge(runKey(run.id), key, 'member', { ...run.evidence, detail: `experiment_id ${run.experimentId}` });
    }
    for (const o of run.modelOutputs) {
      stubLoggedModel(out, loggedModels, o.modelId, o.evidence);
      out.edge(runKey(run.id), loggedModelKey(o.modelId), 'output', o.evidence);
    }
    for (const i of run.modelInputs) {
      stubLoggedModel(out, loggedModels, i.modelId, i.evidence);
      out.edge(loggedModelKey(i.modelId), runKey(run.id), 'input', i.evidence);
    }
    if (run.artifactsDir) await scanArtifacts(files, out, models, run.artifactsDir, { key: runKey(run.id), runId: run.id, loggedModel: false, evidence: run.evidence });
    emitModelHistory(out, run);
  }
  const runIds = new Set(records.runs.map((r) => r.id));
  for (const run of records.runs) {
    const parent = run.tags['mlflow.parentRunId'];
    if (!parent) continue;
    const ev = run.tagEvidence('mlflow.parentRunId');
    if (!runIds.has(parent)) stubRun(out, parent, ev);
    out.edge(runKey(run.id), runKey(parent), 'member', ev);
  }

  for (const m of records.loggedModels) {
    await emitLoggedModel(files, out, m, models, experimentKey);
  }
  emitRegistry(files, out, records, models, runIds);
}

function emitRun(files: StoreFiles, out: FragmentBuilder, run: RunRecord, bases: string[]): void {
  const t = run.tags;
  const commit = t['mlflow.source.git.commit'] ?? (run.sourceVersion && GIT_SHA.test(run.sourceVersion) ? run.sourceVersion : undefined);
  const repoURL = t['mlflow.source.git.repoURL'] ?? t['mlflow.gitRepoURL'];
  const runName = run.name || t['mlflow.runName'];
  const key = runKey(run.id);
  out.node(key, 'run', runName ?? run.id.slice(0, 8), compact({
    runId: run.id,
    experimentId: run.experimentId,
    runName,
    status: run.status,
    lifecycleStage: run.lifecycleStage,
    startTime: run.startTime,
    endTime: run.endTime,
    deletedTime: run.deletedTime,
    user: run.userId || t['mlflow.user'],
    sourceName: t['mlflow.source.name'] ?? run.sourceName,
    sourceType: t['mlflow.source.type'],
    entryPoint: t['mlflow.project.entryPoint'] ?? run.entryPointName,
    gitCommit: commit,
    repoURL,
    gitBranch: t['mlflow.source.git.branch'],
    parentRunId: t['mlflow.parentRunId'],
    artifactUri: run.artifactUri,
    artifactsDir: run.artifactsDir,
    params: clipValues(run.params, MAX_PARAM_CHARS),
    ...metricProps(run.metrics),
    tags: clipValues(Object.fromEntries(Object.entries(t).filter(([k]) => !HIDDEN_TAGS.has(k))), MAX_TAG_CHARS),
  }), run.evidence);

  if (commit && GIT_SHA.test(commit)) {
    const sha = commit.toLowerCase();
    const ev = t['mlflow.source.git.commit'] ? run.tagEvidence('mlflow.source.git.commit') : { ...run.evidence, detail: 'source_version' };
    out.node(`git:commit:${sha}`, 'code', sha.slice(0, 12), compact({ commit: sha, repoURL, branch: t['mlflow.source.git.branch'] }), ev);
    out.edge(`git:commit:${sha}`, key, 'code', { ...ev, detail: `${ev.detail ?? ''}${t['mlflow.source.name'] ? ` (source ${clip(t['mlflow.source.name'], 256)})` : ''}` });
  } else if (commit) {
    out.finding(run.tagEvidence('mlflow.source.git.commit').file, 'mlflow-git-commit-invalid', 'info', `the git commit tag ${JSON.stringify(clip(commit, 80))} is not a commit hash`);
  }

  for (const input of run.datasetInputs) emitDatasetInput(files, out, key, input, bases);
}

function emitDatasetInput(files: StoreFiles, out: FragmentBuilder, run: string, input: DatasetInputRecord, bases: string[]): void {
  const d = input.dataset;
  const key = d.digest ? `mlflow:dataset:${d.digest}:${d.name}` : `mlflow:dataset:${d.name}`;
  const source = parseJson(d.source);
  const context = input.tags['mlflow.data.context'];
  out.node(key, 'dataset', d.name, compact({
    name: d.name,
    digest: d.digest || undefined,
    sourceType: d.sourceType,
    source: source ?? (d.source ? clip(d.source, 2048) : undefined),
    schema: d.schema ? clip(d.schema, 4096) : undefined,
    profile: parseJson(d.profile) ?? (d.profile ? clip(d.profile, 2048) : undefined),
  }), d.evidence, datasetFiles(files, d.sourceType, source, bases));
  out.edge(key, run, 'input', { ...input.evidence, detail: `${input.evidence.detail ?? 'input'}${context ? ` (context ${context})` : ''}` });
}

/**
 * A dataset's source, when it names a file or folder that is in this store:
 * the `uri` of a local source, or a `path` that is absolute or a `file:` URI.
 * (A Hugging Face `path` such as `mnist` is a hub name, not a folder.)
 */
function datasetFiles(files: StoreFiles, sourceType: string | undefined, source: unknown, bases: string[]): NodeFile[] {
  if (!isRecord(source)) return [];
  for (const field of ['uri', 'path']) {
    const uri = str(source[field]);
    if (!uri) continue;
    const parsed = parseArtifactUri(uri);
    if (parsed.kind !== 'path' || !['local', 'file'].includes(parsed.scheme)) continue;
    const absolute = parsed.scheme === 'file' || /^(?:\/|[A-Za-z]:[\\/])/.test(uri.trim());
    if (!absolute && sourceType !== 'local') continue;
    const minSegments = parsed.segments.length >= 2 ? 2 : 1;
    const asFile = relocate(files, uri, ['', ...bases], { kind: 'file', minSegments });
    if (asFile) return [files.nodeFile(asFile.path)];
    const asDir = relocate(files, uri, ['', ...bases], { kind: 'dir', minSegments });
    if (asDir) return [...files.under(asDir.path)].slice(0, MAX_DATASET_FILES).map((p) => files.nodeFile(p));
  }
  return [];
}

/** 2.x runs list their models in the `mlflow.log-model.history` tag (JSON), artifacts or not. */
function emitModelHistory(out: FragmentBuilder, run: RunRecord): void {
  const raw = run.tags['mlflow.log-model.history'];
  if (!raw) return;
  const ev = run.tagEvidence('mlflow.log-model.history');
  const list = parseJson(raw);
  if (!Array.isArray(list)) {
    out.finding(ev.file, 'mlflow-tag-invalid-json', 'warning', 'the mlflow.log-model.history tag is not a JSON list');
    return;
  }
  for (const entry of list.slice(0, 100)) {
    if (!isRecord(entry)) continue;
    const artifactPath = str(entry.artifact_path);
    if (!artifactPath) continue;
    const key = modelKey(run.id, artifactPath);
    // The MLmodel file, when its folder was copied along, says more than the tag: it wins.
    const flavors = isRecord(entry.flavors) ? Object.keys(entry.flavors) : undefined;
    const props = out.has(key) ? {} : compact({ runId: run.id, artifactPath, flavors, modelUuid: str(entry.model_uuid), utcTimeCreated: str(entry.utc_time_created) });
    out.node(key, 'checkpoint', `${artifactPath} (run ${run.id.slice(0, 8)})`, props, ev);
    out.edge(runKey(run.id), key, 'output', { ...ev, detail: `tag mlflow.log-model.history: ${artifactPath}` });
  }
}

async function emitLoggedModel(files: StoreFiles, out: FragmentBuilder, m: LoggedModelRecord, models: ModelDirs, experimentKey: (id: string) => string): Promise<void> {
  const key = loggedModelKey(m.id);
  out.node(key, 'checkpoint', m.name ?? m.id, compact({
    modelId: m.id,
    name: m.name,
    experimentId: m.experimentId,
    sourceRunId: m.sourceRunId,
    status: m.status,
    statusMessage: m.statusMessage,
    modelType: m.modelType,
    lifecycleStage: m.lifecycleStage,
    creationTime: m.creationTime,
    lastUpdatedTime: m.lastUpdatedTime,
    artifactLocation: m.artifactLocation,
    artifactsDir: m.artifactsDir,
    params: clipValues(m.params, MAX_PARAM_CHARS),
    ...metricProps(m.metrics),
    tags: clipValues(m.tags, MAX_TAG_CHARS),
  }), m.evidence);
  if (m.experimentId !== undefined && out.has(experimentKey(m.experimentId))) out.edge(key, experimentKey(m.experimentId), 'member', { ...m.evidence, detail: `experiment_id ${m.experimentId}` });
  if (m.sourceRunId) {
    if (!out.has(runKey(m.sourceRunId))) stubRun(out, m.sourceRunId, m.evidence);
    out.edge(runKey(m.sourceRunId), key, 'output', { ...m.evidence, detail: `source_run_id ${m.sourceRunId}` });
  }
  if (m.artifactsDir) {
    models.add(m.artifactsDir, key);
    await scanArtifacts(files, out, models, m.artifactsDir, { key, runId: m.sourceRunId, loggedModel: true, evidence: m.evidence });
  }
}

function emitRegistry(files: StoreFiles, out: FragmentBuilder, records: StoreRecords, models: ModelDirs, runIds: Set<string>): void {
  const scope = records.scope;
  const rmKey = (name: string) => `mlflow:registered-model:${scope.id}:${name}`;
  // Since 2.21 MLflow keeps prompts as registered models tagged mlflow.prompt.is_prompt, and leaves them out of model searches.
  const isPromptTag = (tags: Record<string, string> | undefined) => tags?.['mlflow.prompt.is_prompt'] === 'true';
  const prompts = new Set([...records.registeredModels.filter((rm) => isPromptTag(rm.tags)).map((rm) => rm.name), ...records.modelVersions.filter((mv) => isPromptTag(mv.tags)).map((mv) => mv.name)]);
  if (prompts.size > 0) {
    const first = records.registeredModels.find((rm) => prompts.has(rm.name))?.evidence ?? records.modelVersions.find((mv) => prompts.has(mv.name))!.evidence;
    const names = [...prompts].sort();
    out.finding(first.file, 'mlflow-prompts-skipped', 'info', `${names.length} prompt${names.length === 1 ? '' : 's'} of MLflow's prompt registry (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}) kept as registered models; not shown as models`);
  }
  for (const rm of records.registeredModels) {
    if (prompts.has(rm.name)) continue;
    out.node(rmKey(rm.name), 'registered-model', rm.name, compact({
      name: rm.name,
      description: rm.description ? clip(rm.description, 4096) : undefined,
      creationTime: rm.creationTime,
      lastUpdatedTime: rm.lastUpdatedTime,
      aliases: rm.aliases,
      tags: clipValues(rm.tags, MAX_TAG_CHARS),
      store: scope.id,
    }), rm.evidence);
  }
  for (const mv of records.modelVersions) {
    if (prompts.has(mv.name)) continue;
    const key = `mlflow:model-version:${scope.id}:${mv.name}:v${mv.version}`;
    out.node(key, 'model-version', `${mv.name} v${mv.version}`, compact({
      name: mv.name,
      version: /^\d+$/.test(mv.version) ? Number(mv.version) : mv.version,
      stage: mv.stage,
      status: mv.status,
      statusMessage: mv.statusMessage,
      aliases: mv.aliases,
      source: mv.source,
      storageLocation: mv.storageLocation,
      runId: mv.runId,
      runLink: mv.runLink,
      modelId: mv.modelId,
      userId: mv.userId,
      description: mv.description ? clip(mv.description, 4096) : undefined,
      creationTime: mv.creationTime,
      lastUpdatedTime: mv.lastUpdatedTime,
      tags: clipValues(mv.tags, MAX_TAG_CHARS),
    }), mv.evidence);
    if (!out.has(rmKey(mv.name))) out.node(rmKey(mv.name), 'registered-model', mv.name, { name: mv.name, store: scope.id, notInStore: true }, mv.evidence);
    out.edge(key, rmKey(mv.name), 'registered', { ...mv.evidence, detail: `${mv.evidence.detail ?? ''}: registered model ${mv.name}` });
    if (mv.runId) {
      if (!runIds.has(mv.runId) && !out.has(runKey(mv.runId))) stubRun(out, mv.runId, mv.evidence);
      out.edge(runKey(mv.runId), key, 'version-of', { ...mv.evidence, detail: `run_id ${mv.runId}` });
    }
    const model = resolveModelSource(files, out, models, mv.modelId, [mv.source, mv.storageLocation], mv.runId, scope.artifactBases);
    if (model) out.edge(model.key, key, 'version-of', { ...mv.evidence, detail: model.detail });
    else if (mv.source) out.finding(mv.evidence.file, 'mlflow-model-version-source-unresolved', 'info', `the source of ${mv.name} v${mv.version} (${clip(mv.source, 200)}) is not a model in this store`);
  }
}

/** Which model node a registry source names: a 3.x logged model, a run's model directory, or a relocated path. */
function resolveModelSource(files: StoreFiles, out: FragmentBuilder, models: ModelDirs, modelId: string | undefined, sources: (string | undefined)[], runId: string | undefined, bases: string[]): { key: string; detail: string } | undefined {
  if (modelId && out.has(loggedModelKey(modelId))) return { key: loggedModelKey(modelId), detail: `model_id ${modelId}` };
  for (const source of sources) {
    if (!source) continue;
    const parsed = parseArtifactUri(source);
    if (parsed.kind === 'models' && parsed.modelId) {
      if (out.has(loggedModelKey(parsed.modelId))) return { key: loggedModelKey(parsed.modelId), detail: `source ${source}` };
    } else if (parsed.kind === 'runs') {
      const key = models.byRunPath.get(`${parsed.runId}/${parsed.path}`) ?? modelKey(parsed.runId, parsed.path);
      if (out.has(key)) return { key, detail: `source ${source}` };
    } else if (parsed.kind === 'path') {
      const anchor = runId && parsed.segments.includes(runId) ? runId : undefined;
      const hit = relocate(files, source, bases, { anchor, minSegments: 3 });
      const key = hit ? models.containing(hit.path) : undefined;
      if (key) return { key, detail: `source ${source} (${hit!.how})` };
    }
  }
  return undefined;
}

function stubRun(out: FragmentBuilder, id: string, evidence: Evidence): void {
  if (!out.has(runKey(id))) out.node(runKey(id), 'run', id.slice(0, 8), { runId: id, notInStore: true }, evidence);
}

function stubLoggedModel(out: FragmentBuilder, known: Map<string, LoggedModelRecord>, id: string, evidence: Evidence): void {
  if (!known.has(id) && !out.has(loggedModelKey(id))) out.node(loggedModelKey(id), 'checkpoint', id, { modelId: id, notInStore: true }, evidence);
}

function metricProps(metrics: Record<string, MetricSummary>): Record<string, unknown> {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return {};
  const latest = Object.fromEntries(entries.map(([k, m]) => [k, m.latest.value]));
  const history = Object.fromEntries(
    entries.slice(0, MAX_METRICS_WITH_HISTORY).map(([k, m]) => [k, compact({ count: m.count, sampled: m.sampled, latestStep: m.latest.step, points: m.history, runIds: m.runIds, dataset: m.dataset })]),
  );
  return { metrics: latest, metricHistory: history };
}

function clipValues(values: Record<string, string>, max: number): Record<string, string> | undefined {
  const entries = Object.entries(values);
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, clip(v, max)]));
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return jsonSafe(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Drops undefined fields and makes the rest JSON-safe. */
function compact(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined).map(([k, v]) => [k, jsonSafe(v)]));
}
