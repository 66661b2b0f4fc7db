import { ApiError } from '../../shared/errors';
import { modelNameProblem, versionLabel, type ModelVersion, type PinnedFile } from '../../shared/registry';
import { inTransaction } from '../db/connection';
import { aliasesOfModel, insertModel, insertVersion, maxVersionNumber, modelById, modelByName, updateModelFields, versionById } from '../db/registry';
import { audit } from './audit';
import { pinCard } from './card';
import type { RegistryContext } from './context';
import { resolveRegisterPaths } from './paths';
import { describeVersion } from './records';
import { captureLineage, nodesOfFiles } from './snapshot';

export interface RegisterInput {
  name: string;
  /** Files or folders inside indexed stores. */
  paths: string[];
  description?: string;
  tags?: Record<string, string>;
  /** Relative paths are taken from here (the CLI's working folder). */
  cwd?: string;
}

export function checkModelName(name: string): void {
  const problem = modelNameProblem(name);
  if (problem) throw new ApiError('invalid-input', problem);
}

export function checkTags(tags: Record<string, string> | undefined): void {
  for (const k of Object.keys(tags ?? {})) {
    if (k.trim() === '' || k.length > 200) throw new ApiError('invalid-input', `invalid tag key "${k.slice(0, 40)}": a key is 1 to 200 characters`);
  }
}

/**
 * Registers the next version of a model (creating the model at version 1):
 * pins each file's store, path, size and sha256 as the index holds them, the
 * lineage upstream of them, and the model card beside them. Everything is
 * checked before anything is written, and written in one transaction, so a
 * refused registration leaves the registry as it was.
 */
export function registerVersion(ctx: RegistryContext, input: RegisterInput): ModelVersion {
  checkModelName(input.name);
  checkTags(input.tags);
  if (input.paths.length === 0) throw new ApiError('invalid-input', 'name at least one file or folder to register');
  refuseImported(ctx, input.name);
  const files = resolveRegisterPaths(ctx.db, input.paths, input.cwd);
  const pinned: PinnedFile[] = files.map((f) => ({ store: f.storePath, path: f.path, size: f.size, sha256: f.sha256! }));
  const card = pinCard(ctx.db, files);
  const at = ctx.now();
  const lineage = captureLineage(ctx.db, nodesOfFiles(ctx.db, files.map((f) => f.id)), at);
  return inTransaction(ctx.db, () => {
    refuseImported(ctx, input.name);
    let model = modelByName(ctx.db, input.name);
    if (!model) {
      const id = insertModel(ctx.db, { uid: ctx.newId(), name: input.name, description: input.description ?? '', tags: input.tags ?? {}, source: 'local', sourceStore: null, sourceName: null, sourceRef: null, sourceState: {}, createdAt: at, createdBy: ctx.actor });
      model = modelById(ctx.db, id)!;
      audit(ctx, { action: 'model.create', model: model.name, after: { description: model.description, tags: model.tags } });
    } else if ((input.description !== undefined && input.description !== model.description) || (input.tags !== undefined && JSON.stringify(input.tags) !== JSON.stringify(model.tags))) {
      const next = { description: input.description ?? model.description, tags: input.tags ?? model.tags };
      updateModelFields(ctx.db, model.id, next);
      audit(ctx, { action: 'model.update', model: model.name, before: { description: model.description, tags: model.tags }, after: next });
    }
    const number = maxVersionNumber(ctx.db, model.id) + 1;
    const id = insertVersion(ctx.db, { uid: ctx.newId(), modelId: model.id, number, name: String(number), files: pinned, lineage, card, source: 'local', sourceRef: null, registeredAt: at, registeredBy: ctx.actor, stage: 'none', sourceState: {} });
    audit(ctx, {
      action: 'version.register',
      model: model.name,
      version: String(number),
      after: { version: versionLabel(String(number)), stage: 'none', files: pinned.map((f) => ({ path: f.path, sha256: f.sha256 })), card: card ? { path: card.path, sha256: card.sha256 } : null, lineageNodes: lineage.nodes.length },
    });
    return describeVersion(ctx.db, model, versionById(ctx.db, id)!, aliasesOfModel(ctx.db, model.id));
  });
}

/** A model read from MLflow or GTO takes its versions from there: numbering them here as well would collide on the next import. */
function refuseImported(ctx: RegistryContext, name: string): void {
  const m = modelByName(ctx.db, name);
  if (m && m.source !== 'local') {
    const from = m.source === 'mlflow' ? 'the MLflow registry' : 'the GTO tags';
    throw new ApiError('conflict', `"${m.name}" is read from ${from} in ${m.sourceStore}: register its versions there and run \`pedigree registry import-stores\`, or register under another name`);
  }
}
