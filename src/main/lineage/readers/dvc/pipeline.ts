import type { ReaderContext } from '../../model';
import { dirOf, joinRel, readDocument, resolveInStore, type FragmentBuilder } from '../plain/fragment';
import { isRecord, type DocPath } from '../plain/safe-yaml';
import { cloneScope, expandForeach, expandMatrix, interpolate, mergeScope, MAX_GENERATED, plainValues, type Generated, type Scope } from './interpolate';

/**
 * `dvc.yaml`: stages (expanded from `foreach`/`matrix` as DVC names them,
 * `${}` substituted from `params.yaml` and `vars`), and the top-level
 * `artifacts` and `datasets` declarations.
 */

export interface StageDefinition {
  name: string;
  /** The `foreach`/`matrix` entry a generated stage comes from. */
  group?: string;
  def: Record<string, unknown>;
  /** Where the definition is in the file, for evidence lines. */
  docPath: DocPath;
  unresolved: string[];
}

export interface ArtifactDeclaration {
  name: string;
  path?: string;
  type?: string;
  desc?: string;
  labels?: string[];
  meta?: unknown;
  line?: number;
}

export interface Pipeline {
  rel: string;
  stages: StageDefinition[];
  /** Groups whose items could not be resolved: their stages are known only from dvc.lock. */
  opaqueGroups: { name: string; docPath: DocPath }[];
  artifacts: ArtifactDeclaration[];
  datasets: { name: string; props: Record<string, unknown>; line?: number }[];
  lineOf(path: DocPath): number | undefined;
}

export async function readPipeline(ctx: ReaderContext, b: FragmentBuilder, rel: string): Promise<Pipeline | undefined> {
  const doc = await readDocument(ctx, b, rel, 'dvc-yaml', { pyFloats: true });
  if (!doc) return undefined;
  const pipeline: Pipeline = { rel, stages: [], opaqueGroups: [], artifacts: [], datasets: [], lineOf: doc.lineOf };
  if (doc.value === null || doc.value === undefined) return pipeline;
  if (!isRecord(doc.value)) {
    b.finding(rel, 'dvc-yaml-invalid', 'error', `${rel}: the top level is not a mapping`);
    return pipeline;
  }
  const dir = dirOf(rel);
  const scope: Scope = {};
  /** Vars files read so far: a thousand foreach stages reading one file read it once. */
  const files = new Map<string, unknown>();
  const params = await readDocument(ctx, b, joinRel(dir, 'params.yaml'), 'dvc-params', { missingOk: true, pyFloats: true });
  if (params) mergeScope(scope, params.value);
  await loadVars(ctx, b, rel, dir, doc.value.vars, scope, files);

  const stages = doc.value.stages;
  if (stages !== undefined && stages !== null && !isRecord(stages)) b.finding(rel, 'dvc-yaml-invalid', 'error', `${rel}: "stages" is not a mapping`);
  for (const [group, raw] of Object.entries(isRecord(stages) ? stages : {})) {
    if (!isRecord(raw)) {
      b.finding(rel, 'dvc-stage-invalid', 'warning', `${rel}: stage ${group} is not a mapping; skipped`);
      continue;
    }
    const docPath = ['stages', group];
    const local: Scope = cloneScope(scope);
    // A stage's own vars are read from its wdir (dvc/parsing resolve_stage: context.load_from_vars(fs, vars, wdir)).
    if (raw.vars !== undefined) await loadVars(ctx, b, rel, stageDir(dir, raw.wdir), raw.vars, local, files);
    if (raw.foreach === undefined && raw.matrix === undefined) {
      const { value, unresolved } = interpolate(raw, local);
      pipeline.stages.push({ name: group, def: plainValues(value) as Record<string, unknown>, docPath, unresolved });
      continue;
    }
    const generated = expandGroup(group, raw, local);
    if (typeof generated === 'string') {
      b.finding(rel, 'dvc-stage-not-expanded', 'info', `${rel}: ${generated}; its stages are taken from dvc.lock`);
      pipeline.opaqueGroups.push({ name: group, docPath });
      continue;
    }
    const template = (raw.foreach !== undefined ? raw.do : Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'matrix' && k !== 'vars'))) as Record<string, unknown>;
    // `do: {vars: …}`: each generated stage reads them, after ${item} and ${key} are known (their paths may use them).
    const templateVars = raw.foreach !== undefined ? template.vars : undefined;
    const body = templateVars === undefined ? template : Object.fromEntries(Object.entries(template).filter(([k]) => k !== 'vars'));
    for (const g of generated) {
      // A deep copy: one stage's vars must not reach the next through shared nested objects.
      const itemScope: Scope = { ...cloneScope(local), ...g.scope };
      if (templateVars !== undefined) {
        const vars = interpolate(templateVars, itemScope).value;
        const wdir = interpolate(template.wdir, itemScope).value;
        await loadVars(ctx, b, rel, stageDir(dir, wdir), vars, itemScope, files);
      }
      const { value, unresolved } = interpolate(body, itemScope);
      pipeline.stages.push({ name: g.name, group, def: isRecord(value) ? (plainValues(value) as Record<string, unknown>) : {}, docPath: raw.foreach !== undefined ? [...docPath, 'do'] : docPath, unresolved });
    }
  }
  readDeclarations(doc.value, pipeline);
  return pipeline;
}

function expandGroup(group: string, raw: Record<string, unknown>, scope: Scope): Generated[] | string {
  const isForeach = raw.foreach !== undefined;
  if (isForeach && !isRecord(raw.do)) return `foreach stage ${group} has no "do" mapping`;
  const { value, unresolved } = interpolate(isForeach ? raw.foreach : raw.matrix, scope);
  if (unresolved.length > 0) return `the items of stage ${group} come from \${${unresolved[0]}}, which is not in params.yaml or vars`;
  const generated = isForeach ? expandForeach(group, value) : expandMatrix(group, value);
  if (typeof generated !== 'string' && generated.length > MAX_GENERATED) return `stage ${group} generates ${generated.length} stages (limit ${MAX_GENERATED})`;
  return generated;
}

/** The folder a stage runs in: its `wdir` below the dvc.yaml's folder, when that is a plain path. */
function stageDir(dir: string, wdir: unknown): string {
  if (typeof wdir !== 'string' || wdir.includes('${')) return dir;
  return resolveInStore(dir, wdir) ?? dir;
}

/** `vars`: params files (optionally `file:key1,key2`) and inline mappings, merged into the scope. */
async function loadVars(ctx: ReaderContext, b: FragmentBuilder, rel: string, dir: string, vars: unknown, scope: Scope, files: Map<string, unknown>): Promise<void> {
  if (vars === undefined || vars === null) return;
  for (const item of Array.isArray(vars) ? vars : [vars]) {
    if (isRecord(item)) {
      mergeScope(scope, item);
      continue;
    }
    if (typeof item !== 'string') continue;
    const [file, keys] = item.split(':', 2) as [string, string | undefined];
    const path = resolveInStore(dir, file);
    if (path === null || !/\.(ya?ml|json)$/i.test(file)) {
      b.finding(rel, 'dvc-vars-unread', 'info', `${rel}: vars file ${file} is not a YAML or JSON file in the store; its values were not used`);
      continue;
    }
    if (!files.has(path)) files.set(path, (await readDocument(ctx, b, path, 'dvc-params', { json: /\.json$/i.test(file), pyFloats: true }))?.value);
    const value = files.get(path);
    if (!isRecord(value)) continue;
    const wanted = keys?.split(',').map((k) => k.trim()).filter(Boolean);
    mergeScope(scope, wanted ? Object.fromEntries(wanted.filter((k) => Object.hasOwn(value, k)).map((k) => [k, value[k]])) : value);
  }
}

function readDeclarations(top: Record<string, unknown>, pipeline: Pipeline): void {
  if (isRecord(top.artifacts)) {
    for (const [name, a] of Object.entries(top.artifacts)) {
      const art: ArtifactDeclaration = { name, line: pipeline.lineOf(['artifacts', name]) };
      if (isRecord(a)) {
        if (typeof a.path === 'string') art.path = a.path;
        if (typeof a.type === 'string') art.type = a.type;
        if (typeof a.desc === 'string') art.desc = a.desc;
        if (Array.isArray(a.labels)) art.labels = a.labels.filter((x): x is string => typeof x === 'string').slice(0, 50);
        if (a.meta !== undefined) art.meta = a.meta;
      }
      pipeline.artifacts.push(art);
    }
  }
  // DVC 3.4x: `datasets: [{name, url, type: dvc|dvcx|url, path?, rev?}]`, used by deps written `ds://<name>`.
  if (Array.isArray(top.datasets)) {
    top.datasets.forEach((d, i) => {
      if (!isRecord(d) || typeof d.name !== 'string') return;
      const props: Record<string, unknown> = {};
      for (const k of ['url', 'type', 'path', 'rev']) if (typeof d[k] === 'string') props[k] = d[k];
      pipeline.datasets.push({ name: d.name, props, line: pipeline.lineOf(['datasets', i]) });
    });
  }
}
