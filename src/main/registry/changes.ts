import { ApiError } from '../../shared/errors';
import { parseAlias, parseStage, versionLabel, type AliasChange, type RegisteredModel, type StageChange } from '../../shared/registry';
import { inTransaction } from '../db/connection';
import { aliasOf, aliasesOfModel, deleteAlias, modelById, putAlias, setVersionStage, updateModelFields, versionById } from '../db/registry';
import { audit } from './audit';
import type { RegistryContext } from './context';
import { checkTags } from './register';
import { describeModel, describeVersion, requireModel, resolveVersion } from './records';

/**
 * The changes a registry allows after registration: aliases, stages and the
 * model's description and tags. Each is one transaction with one audit entry;
 * a change to what is already there is no change and writes nothing.
 */

/**
 * Points `@alias` at a version. An alias held by another version is moved
 * only when asked (`move`), so a typo cannot silently take @champion away.
 */
export function setAlias(ctx: RegistryContext, input: { name: string; version: string; alias: string; move?: boolean }): AliasChange {
  const parsed = parseAlias(input.alias);
  if (!parsed.ok) throw new ApiError('invalid-input', parsed.message);
  const alias = parsed.alias;
  return inTransaction(ctx.db, () => {
    const model = requireModel(ctx.db, input.name);
    const version = resolveVersion(ctx.db, model, input.version);
    const held = aliasOf(ctx.db, model.id, alias);
    const heldBy = held ? versionById(ctx.db, held.versionId)! : null;
    const describe = () => describeVersion(ctx.db, model, versionById(ctx.db, version.id)!, aliasesOfModel(ctx.db, model.id));
    if (heldBy && heldBy.id === version.id) return { version: describe(), alias, movedFrom: null, changed: false };
    if (heldBy && !input.move) {
      throw new ApiError('conflict', `@${alias} already points at ${model.name} ${versionLabel(heldBy.name)}; an alias names one version: move it with --move (registry alias ${model.name} ${input.version} ${alias} --move)`, { alias, heldBy: heldBy.name });
    }
    putAlias(ctx.db, { modelId: model.id, alias, versionId: version.id, setAt: ctx.now(), setBy: ctx.actor });
    audit(ctx, { action: 'alias.set', model: model.name, version: version.name, alias, before: heldBy ? { version: heldBy.name } : null, after: { version: version.name } });
    return { version: describe(), alias, movedFrom: heldBy?.name ?? null, changed: true };
  });
}

export function removeAlias(ctx: RegistryContext, input: { name: string; alias: string }): { removed: boolean; version: string | null } {
  const parsed = parseAlias(input.alias);
  if (!parsed.ok) throw new ApiError('invalid-input', parsed.message);
  return inTransaction(ctx.db, () => {
    const model = requireModel(ctx.db, input.name);
    const held = aliasOf(ctx.db, model.id, parsed.alias);
    if (!held) throw new ApiError('not-found', `${model.name} has no alias @${parsed.alias}`);
    const v = versionById(ctx.db, held.versionId)!;
    deleteAlias(ctx.db, model.id, parsed.alias);
    audit(ctx, { action: 'alias.remove', model: model.name, version: v.name, alias: parsed.alias, before: { version: v.name }, after: null });
    return { removed: true, version: v.name };
  });
}

export function setStage(ctx: RegistryContext, input: { name: string; version: string; stage: string }): StageChange {
  const parsed = parseStage(input.stage);
  if (!parsed.ok) throw new ApiError('invalid-input', parsed.message);
  return inTransaction(ctx.db, () => {
    const model = requireModel(ctx.db, input.name);
    const version = resolveVersion(ctx.db, model, input.version);
    const previous = version.stage;
    if (previous !== parsed.stage) {
      setVersionStage(ctx.db, version.id, parsed.stage);
      audit(ctx, { action: 'stage.set', model: model.name, version: version.name, before: { stage: previous }, after: { stage: parsed.stage } });
    }
    return { version: describeVersion(ctx.db, model, versionById(ctx.db, version.id)!, aliasesOfModel(ctx.db, model.id)), previous, changed: previous !== parsed.stage };
  });
}

export function updateModel(ctx: RegistryContext, input: { name: string; description?: string; tags?: Record<string, string> }): RegisteredModel {
  checkTags(input.tags);
  return inTransaction(ctx.db, () => {
    const model = requireModel(ctx.db, input.name);
    const next = { description: input.description ?? model.description, tags: input.tags ?? model.tags };
    if (next.description !== model.description || JSON.stringify(next.tags) !== JSON.stringify(model.tags)) {
      updateModelFields(ctx.db, model.id, next);
      audit(ctx, { action: 'model.update', model: model.name, before: { description: model.description, tags: model.tags }, after: next });
    }
    return describeModel(ctx.db, modelById(ctx.db, model.id)!);
  });
}
