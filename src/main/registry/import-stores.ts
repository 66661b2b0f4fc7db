import { modelNameProblem, parseAlias, versionLabel, type PinnedCard, type PinnedFile, type RegistrySource, type StoreRegistryImportResult } from '../../shared/registry';
import { inTransaction } from '../db/connection';
import { edgesOf, getNode, nodeFiles, nodesOfKind, type NodeRow } from '../db/lineage';
import {
  aliasOf,
  deleteAlias,
  indexedFileById,
  insertModel,
  insertVersion,
  maxVersionNumber,
  modelById,
  modelByName,
  modelFromSource,
  putAlias,
  setModelSourceState,
  setVersionSourceState,
  setVersionStage,
  updateModelFields,
  versionById,
  versionByName,
  versionByNumber,
  versionBySourceRef,
  versionsOfModel,
  type IndexedFile,
  type ModelRecord,
} from '../db/registry';
import { getStore } from '../db/stores';
import { audit } from './audit';
import { compareText, sameJson } from './canonical';
import { pinCard } from './card';
import type { RegistryContext } from './context';
import { captureLineage } from './snapshot';
import { compareSourceVersions, localModelName, mapStage, readSourceModel, readSourceVersion, registryOf, type SourceModel, type SourceVersion } from './source-props';

type Source = Exclude<RegistrySource, 'local'>;

interface Group {
  source: Source;
  storeId: number;
  /** The registered-model node's lineage key (a synthetic one when only versions name the model). */
  ref: string;
  sourceName: string;
  model: SourceModel | null;
  versions: { node: NodeRow; v: SourceVersion }[];
}

/**
 * Turns the registries that stores already hold into registered models: the
 * `registered-model` and `model-version` nodes any reader (MLflow folder or
 * SQLite backend, GTO tags) put in the lineage graph. Models keep the
 * source's names, versions its names and numbers; they are marked as read
 * from that source and store. Running it again adds only what is new and
 * applies only what changed at the source since the last run (a stage or
 * alias someone set here stays until the source changes it), each change in
 * the audit log with the source as its origin. Versions are never removed:
 * one the source no longer lists is marked so.
 */
export function importStoreRegistries(ctx: RegistryContext, opts: { storeId?: number } = {}): StoreRegistryImportResult {
  return inTransaction(ctx.db, () => {
    const result: StoreRegistryImportResult = { changed: false, models: [], skipped: [] };
    for (const g of collectGroups(ctx, opts.storeId, result)) importGroup(ctx, g, result);
    result.changed = result.models.some((m) => m.created || m.versionsAdded.length > 0 || m.updates.length > 0);
    return result;
  });
}

function collectGroups(ctx: RegistryContext, storeId: number | undefined, result: StoreRegistryImportResult): Group[] {
  const groups = new Map<string, Group>();
  const byNode = new Map<number, Group>();
  const group = (source: Source, storeId: number, ref: string, sourceName: string) => {
    const key = `${source}\u0000${storeId}\u0000${ref}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { source, storeId, ref, sourceName, model: null, versions: [] }));
    return g;
  };
  for (const n of nodesOfKind(ctx.db, 'registered-model', storeId)) {
    const source = registryOf(n);
    if (!source) continue;
    const m = readSourceModel(n);
    const g = group(source, n.storeId, n.key, m.name);
    g.model = m;
    byNode.set(n.id, g);
  }
  for (const n of nodesOfKind(ctx.db, 'model-version', storeId)) {
    const source = registryOf(n);
    if (!source) continue;
    const v = readSourceVersion(n);
    const registered = edgesOf(ctx.db, n.id).find((e) => e.fromId === n.id && e.relation === 'registered' && byNode.has(e.toId));
    let g = registered ? byNode.get(registered.toId) : undefined;
    if (!g && v.model) g = [...groups.values()].find((x) => x.source === source && x.storeId === n.storeId && x.sourceName === v.model) ?? group(source, n.storeId, `${source}:registered-model:${v.model}`, v.model);
    if (!g) {
      result.skipped.push({ what: `${source} version ${v.version} (${n.key})`, reason: 'the lineage does not say which registered model it belongs to' });
      continue;
    }
    g.versions.push({ node: n, v });
  }
  return [...groups.values()].sort((a, b) => compareText(a.sourceName, b.sourceName) || a.storeId - b.storeId || compareText(a.ref, b.ref));
}

function importGroup(ctx: RegistryContext, g: Group, result: StoreRegistryImportResult): void {
  const storePath = getStore(ctx.db, g.storeId)?.path ?? `(store ${g.storeId})`;
  const what = `${g.source === 'mlflow' ? 'MLflow' : 'GTO'} model "${g.sourceName}" in ${storePath}`;
  const sm: SourceModel = g.model ?? { name: g.sourceName, description: '', tags: {}, aliases: {}, deprecated: false };
  let model = modelFromSource(ctx.db, g.source, storePath, g.ref);
  const report = { name: model?.name ?? localModelName(g.sourceName), source: g.source as RegistrySource, store: storePath, created: false, versionsAdded: [] as string[], updates: [] as string[] };
  if (!model) {
    const name = report.name;
    const problem = modelNameProblem(name);
    if (problem) {
      result.skipped.push({ what, reason: problem });
      return;
    }
    const taken = modelByName(ctx.db, name);
    if (taken) {
      result.skipped.push({ what, reason: `the name "${name}" is taken by ${taken.source === 'local' ? 'a model registered here' : `a model read from ${taken.sourceStore}`}` });
      return;
    }
    const id = insertModel(ctx.db, { uid: ctx.newId(), name, description: sm.description, tags: sm.tags, source: g.source, sourceStore: storePath, sourceName: g.sourceName, sourceRef: g.ref, sourceState: {}, createdAt: ctx.now(), createdBy: ctx.actor });
    model = modelById(ctx.db, id)!;
    audit(ctx, { action: 'model.create', origin: g.source, model: name, after: { description: sm.description, tags: sm.tags, store: storePath, sourceName: g.sourceName } });
    report.created = true;
  } else {
    const prev = model.sourceState;
    const changedAtSource = !sameJson(prev.description ?? '', sm.description) || !sameJson(prev.tags ?? {}, sm.tags);
    if (changedAtSource && (model.description !== sm.description || !sameJson(model.tags, sm.tags))) {
      updateModelFields(ctx.db, model.id, { description: sm.description, tags: sm.tags });
      audit(ctx, { action: 'model.update', origin: g.source, model: model.name, before: { description: model.description, tags: model.tags }, after: { description: sm.description, tags: sm.tags } });
      report.updates.push('description and tags');
    }
  }

  const seen = new Set<string>();
  for (const { node, v } of [...g.versions].sort((a, b) => compareSourceVersions(a.v, b.v))) {
    seen.add(node.key);
    // a GTO artifact that is deprecated as a whole deprecates each of its versions
    importVersion(ctx, model, g.source, node, { ...v, deprecated: v.deprecated || sm.deprecated }, report, result);
  }
  for (const old of versionsOfModel(ctx.db, model.id)) {
    if (old.sourceRef === null || seen.has(old.sourceRef) || old.sourceState.inSource === false) continue;
    setVersionSourceState(ctx.db, old.id, { ...old.sourceState, inSource: false });
    audit(ctx, { action: 'version.source-update', origin: g.source, model: model.name, version: old.name, before: { inSource: true }, after: { inSource: false } });
    report.updates.push(`${versionLabel(old.name)} is no longer in the source`);
  }

  const aliases: Record<string, string> = { ...sm.aliases };
  for (const { v } of g.versions) for (const a of v.aliases) aliases[a] ??= v.version;
  applySourceAliases(ctx, model, g.source, (model.sourceState.aliases ?? {}) as Record<string, string>, aliases, report, result);
  setModelSourceState(ctx.db, model.id, { description: sm.description, tags: sm.tags, aliases, deprecated: sm.deprecated });
  result.models.push(report);
}

function importVersion(ctx: RegistryContext, model: ModelRecord, source: Source, node: NodeRow, v: SourceVersion, report: StoreRegistryImportResult['models'][number], result: StoreRegistryImportResult): void {
  const { stage, unmapped } = mapStage(v);
  const state = { stages: v.stages, unmappedStages: unmapped, mappedStage: stage, stageHistory: v.stageHistory, aliases: v.aliases, deprecated: v.deprecated, status: v.status, runId: v.runId, source: v.source, commit: v.commit, tag: v.tag, user: v.user, description: v.description, tags: v.tags, createdAt: v.createdAt, inSource: true };
  const existing = versionBySourceRef(ctx.db, model.id, node.key) ?? versionByName(ctx.db, model.id, v.version);
  if (!existing) {
    const n = source === 'mlflow' && /^\d{1,9}$/.test(v.version) ? Number(v.version) : NaN;
    const number = Number.isInteger(n) && n >= 1 && !versionByNumber(ctx.db, model.id, n) ? n : maxVersionNumber(ctx.db, model.id) + 1;
    const files = filesOfVersion(ctx, node);
    const pinned: PinnedFile[] = files.map((f) => ({ store: f.storePath, path: f.path, size: f.size, sha256: f.sha256! }));
    let card: PinnedCard | null = null;
    try {
      card = pinCard(ctx.db, files);
    } catch (e) {
      result.skipped.push({ what: `the model card of ${model.name} ${versionLabel(v.version)}`, reason: (e as Error).message });
    }
    const at = ctx.now();
    const lineage = captureLineage(ctx.db, [node.id], at);
    insertVersion(ctx.db, { uid: ctx.newId(), modelId: model.id, number, name: v.version, files: pinned, lineage, card, source, sourceRef: node.key, registeredAt: at, registeredBy: ctx.actor, stage, sourceState: state });
    audit(ctx, {
      action: 'version.register',
      origin: source,
      model: model.name,
      version: v.version,
      after: { version: versionLabel(v.version), number, stage, files: pinned.map((f) => ({ path: f.path, sha256: f.sha256 })), sourceRef: node.key, sourceUser: v.user, runId: v.runId, commit: v.commit },
    });
    if (pinned.length === 0) result.skipped.push({ what: `the files of ${model.name} ${versionLabel(v.version)}`, reason: 'the lineage links no indexed, hashed file to this version: it is registered with no pinned files' });
    report.versionsAdded.push(versionLabel(v.version));
    return;
  }
  const prev = existing.sourceState;
  if (prev.mappedStage !== stage && existing.stage !== stage) {
    setVersionStage(ctx.db, existing.id, stage);
    audit(ctx, { action: 'stage.set', origin: source, model: model.name, version: existing.name, before: { stage: existing.stage }, after: { stage, sourceStages: v.stages, deprecated: v.deprecated } });
    report.updates.push(`${versionLabel(existing.name)} stage ${existing.stage} → ${stage}`);
  }
  if (!sameJson(prev, state)) {
    setVersionSourceState(ctx.db, existing.id, state);
    const changed = Object.keys(state).filter((k) => !sameJson(prev[k], state[k as keyof typeof state]));
    audit(ctx, { action: 'version.source-update', origin: source, model: model.name, version: existing.name, before: Object.fromEntries(changed.map((k) => [k, prev[k] ?? null])), after: Object.fromEntries(changed.map((k) => [k, state[k as keyof typeof state]])) });
    if (!(changed.length === 1 && changed[0] === 'mappedStage')) report.updates.push(`${versionLabel(existing.name)} ${changed.join(', ')} changed at the source`);
  }
}

/**
 * The files a source's version stands for: the indexed, hashed files of its
 * own node and of what it is a version of (a checkpoint, a logged model),
 * never a run's (a run's files are its records, not the model).
 */
function filesOfVersion(ctx: RegistryContext, node: NodeRow): IndexedFile[] {
  const ids = [node.id];
  for (const e of edgesOf(ctx.db, node.id)) if (e.toId === node.id && e.relation === 'version-of') ids.push(e.fromId);
  const out = new Map<number, IndexedFile>();
  for (const f of nodeFiles(ctx.db, ids)) {
    if (f.fileId === null || f.declaredOnly) continue;
    if (f.nodeId !== node.id && !isModelNode(ctx, f.nodeId)) continue;
    const row = indexedFileById(ctx.db, f.fileId);
    if (row && row.state === 'present' && row.sha256 !== null) out.set(row.id, row);
  }
  return [...out.values()].sort((a, b) => compareText(a.storePath, b.storePath) || compareText(a.path, b.path));
}

function isModelNode(ctx: RegistryContext, id: number): boolean {
  const kind = getNode(ctx.db, id)?.kind;
  return kind !== undefined && kind !== 'run' && kind !== 'experiment' && kind !== 'stage';
}

/** Applies the aliases that changed at the source since the last import; ones set here are left alone otherwise. */
function applySourceAliases(ctx: RegistryContext, model: ModelRecord, source: Source, before: Record<string, string>, now: Record<string, string>, report: StoreRegistryImportResult['models'][number], result: StoreRegistryImportResult): void {
  for (const raw of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    if (before[raw] === now[raw]) continue;
    const parsed = parseAlias(raw.toLowerCase());
    if (!parsed.ok) {
      result.skipped.push({ what: `alias "${raw}" of ${model.name}`, reason: parsed.message });
      continue;
    }
    const alias = parsed.alias;
    const held = aliasOf(ctx.db, model.id, alias);
    const heldBy = held ? versionById(ctx.db, held.versionId) : null;
    const target = now[raw];
    if (target === undefined) {
      if (heldBy && heldBy.name === before[raw]) {
        deleteAlias(ctx.db, model.id, alias);
        audit(ctx, { action: 'alias.remove', origin: source, model: model.name, version: heldBy.name, alias, before: { version: heldBy.name }, after: null });
        report.updates.push(`@${alias} removed`);
      }
      continue;
    }
    const version = versionByName(ctx.db, model.id, target);
    if (!version) {
      result.skipped.push({ what: `alias @${alias} of ${model.name}`, reason: `it points at version ${target}, which was not imported` });
      continue;
    }
    if (heldBy?.id === version.id) continue;
    putAlias(ctx.db, { modelId: model.id, alias, versionId: version.id, setAt: ctx.now(), setBy: ctx.actor });
    audit(ctx, { action: 'alias.set', origin: source, model: model.name, version: version.name, alias, before: heldBy ? { version: heldBy.name } : null, after: { version: version.name } });
    report.updates.push(`@${alias} → ${versionLabel(version.name)}`);
  }
}
