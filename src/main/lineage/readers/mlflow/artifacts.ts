import { classifyByName } from '../../../scan/classify';
import type { Evidence } from '../../model';
import type { FragmentBuilder } from './fragment';
import { addConda, addPythonEnv, addRequirementsText, emptyEnvironment, ENV_FILES, summarizeMlmodel, type MlmodelSummary } from './mlmodel';
import { jsonSafe, parseYamlText, readText } from './safe-text';
import { baseName, joinPath, parentDir, type StoreFiles } from './store-files';

/**
 * What a run's (or a 3.x logged model's) artifacts folder holds that matters
 * for lineage: checkpoints and datasets (file nodes the lineage layer can join
 * by digest), MLflow model directories (an `MLmodel` file and its flavors),
 * and the environment MLflow captured beside each model.
 */

const MAX_MLMODEL_BYTES = 4 * 1024 * 1024;
const MAX_ENV_BYTES = 1024 * 1024;
/** Artifact files turned into nodes per owner; the rest are counted in a finding. */
const MAX_ARTIFACT_NODES = 2000;

export interface ArtifactOwner {
  /** Node key of the run or logged model the artifacts belong to. */
  key: string;
  /** The run that wrote them: the run itself, or a logged model's source run. */
  runId?: string;
  /** For a logged model, its own artifacts folder is the model directory. */
  loggedModel: boolean;
  evidence: Evidence;
}

export interface ModelDir {
  key: string;
  dir: string;
  summary?: MlmodelSummary;
}

/** Model directories found so far, by store path and by `<run id>/<artifact path>`. */
export class ModelDirs {
  readonly byDir = new Map<string, string>();
  readonly byRunPath = new Map<string, string>();

  add(dir: string, key: string, runId?: string, artifactPath?: string): void {
    this.byDir.set(dir, key);
    if (runId !== undefined && artifactPath !== undefined) this.byRunPath.set(`${runId}/${artifactPath}`, key);
  }

  /** The model directory that contains `path` (or is it). */
  containing(path: string): string | undefined {
    for (let p = path; p !== ''; p = parentDir(p)) {
      const hit = this.byDir.get(p);
      if (hit) return hit;
    }
    return undefined;
  }
}

export function modelKey(runId: string, artifactPath: string): string {
  return `mlflow:model:${runId}/${artifactPath}`;
}

export async function scanArtifacts(files: StoreFiles, out: FragmentBuilder, models: ModelDirs, dir: string, owner: ArtifactOwner): Promise<void> {
  const all = [...files.under(dir)];
  const modelDirs = all.filter((p) => baseName(p) === 'MLmodel').map(parentDir);
  const dataPaths = new Set<string>();
  const found: ModelDir[] = [];
  for (const modelDir of modelDirs) {
    const md = await readModelDir(files, out, models, modelDir, dir, owner);
    found.push(md);
    for (const d of md.summary?.dataPaths ?? []) dataPaths.add(joinPath(modelDir, d));
  }
  let made = 0;
  let skipped = 0;
  for (const path of all) {
    const kind = artifactKind(path, dataPaths);
    if (!kind) continue;
    if (made >= MAX_ARTIFACT_NODES) {
      skipped++;
      continue;
    }
    made++;
    const key = `file:${path}`;
    const artifactPath = path.slice(dir.length + 1);
    out.node(key, kind, artifactPath, { artifactPath }, owner.evidence, [files.nodeFile(path)]);
    if (owner.runId) out.edge(`mlflow:run:${owner.runId}`, key, 'output', { file: owner.evidence.file, detail: `artifact ${artifactPath}` });
    // A checkpoint inside a model directory is part of that model too: the node lists it for digest joins.
    const inModel = found.filter((m) => path.startsWith(`${m.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0];
    if (inModel) out.node(inModel.key, 'checkpoint', inModel.key, {}, [], [files.nodeFile(path)]);
  }
  if (skipped > 0) out.finding(dir, 'mlflow-artifacts-many', 'info', `${made + skipped} checkpoint and dataset artifacts; the first ${made} became nodes`);
}

/** Checkpoint or dataset by name, or a file an MLmodel flavor names as the model's data. */
function artifactKind(path: string, dataPaths: Set<string>): 'checkpoint' | 'dataset' | undefined {
  const { kind } = classifyByName(baseName(path));
  if (kind === 'checkpoint' || kind === 'dataset') return kind;
  for (let p = path; p !== ''; p = parentDir(p)) if (dataPaths.has(p)) return 'checkpoint';
  return undefined;
}

async function readModelDir(files: StoreFiles, out: FragmentBuilder, models: ModelDirs, modelDir: string, artifactsDir: string, owner: ArtifactOwner): Promise<ModelDir> {
  const mlmodelPath = joinPath(modelDir, 'MLmodel');
  const artifactPath = modelDir === artifactsDir ? '' : modelDir.slice(artifactsDir.length + 1);
  const read = await readText(files, out, mlmodelPath, MAX_MLMODEL_BYTES, { whole: true });
  const summary = read ? summarizeMlmodel(parseYamlText(read.text, out, mlmodelPath)) : undefined;
  if (read && !summary) out.finding(mlmodelPath, 'mlflow-mlmodel-invalid', 'warning', 'the MLmodel file is not a mapping of fields');
  const evidence: Evidence = { file: mlmodelPath, detail: 'MLmodel' };
  const props = summary ? mlmodelProps(summary) : {};
  let key: string;
  if (owner.loggedModel && modelDir === artifactsDir) {
    key = owner.key;
    out.node(key, 'checkpoint', key, props, evidence, [files.nodeFile(mlmodelPath)]);
    models.add(modelDir, key);
  } else {
    const runId = owner.runId ?? 'unknown';
    key = modelKey(runId, artifactPath);
    out.node(key, 'checkpoint', `${artifactPath || 'model'} (run ${runId.slice(0, 8)})`, { runId, artifactPath, ...props }, evidence, [files.nodeFile(mlmodelPath)]);
    out.edge(owner.key, key, 'output', { file: mlmodelPath, detail: `model ${artifactPath} logged by the run` });
    models.add(modelDir, key, runId, artifactPath);
  }
  await readEnvironment(files, out, modelDir, owner.runId ? [key, `mlflow:run:${owner.runId}`] : [key]);
  return { key, dir: modelDir, summary };
}

export function mlmodelProps(s: MlmodelSummary): Record<string, unknown> {
  const props = {
    flavors: s.flavors,
    flavorDetails: s.flavorDetails,
    mlflowVersion: s.mlflowVersion,
    modelUuid: s.modelUuid,
    mlmodelRunId: s.runId,
    mlmodelModelId: s.modelId,
    utcTimeCreated: s.utcTimeCreated,
    modelSizeBytes: s.modelSizeBytes,
    signature: s.signature,
    metadata: s.metadata,
  };
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined).map(([k, v]) => [k, jsonSafe(v)]));
}

/** requirements.txt, conda.yaml and python_env.yaml beside an MLmodel become one environment node. */
async function readEnvironment(files: StoreFiles, out: FragmentBuilder, modelDir: string, consumers: string[]): Promise<void> {
  const present = ENV_FILES.map((f) => joinPath(modelDir, f)).filter((p) => files.has(p));
  if (present.length === 0) return;
  const env = emptyEnvironment();
  for (const path of present) {
    const read = await readText(files, out, path, MAX_ENV_BYTES);
    if (!read) continue;
    const name = baseName(path);
    if (name.endsWith('.txt')) addRequirementsText(env, read.text);
    else if (name === 'conda.yaml') addConda(env, parseYamlText(read.text, out, path));
    else addPythonEnv(env, parseYamlText(read.text, out, path));
  }
  const key = `mlflow:environment:${modelDir}`;
  const evidence: Evidence = { file: present[0]!, detail: `environment of the model in ${modelDir}` };
  out.node(key, 'environment', `environment (${baseName(modelDir)})`, { ...env, files: present.map(baseName) }, evidence, present.map((p) => files.nodeFile(p)));
  for (const c of consumers) out.edge(key, c, 'environment', evidence);
}
