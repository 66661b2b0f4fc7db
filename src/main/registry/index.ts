import type { z } from 'zod';
import type { AliasChange, AuditEntry, ModelVersion, RegisteredModel, RegisteredModelDetail, RegistryExportDocument, RegistryImportResult, StageChange, StoreRegistryImportResult, registryMethods } from '../../shared/registry';
import type { WritableDb } from '../db/connection';
import { listAudit } from '../db/registry';
import { removeAlias, setAlias, setStage, updateModel } from './changes';
import { registryContext, type RegistryContext, type RegistryOptions } from './context';
import { exportRegistry } from './export';
import { importRegistryDocument } from './import-document';
import { importStoreRegistries } from './import-stores';
import { listRegisteredModels, modelDetail, requireModel, toAuditEntry } from './records';
import { registerVersion, type RegisterInput } from './register';

/**
 * The registry over one workspace database: what the CLI calls and what the
 * API's registry methods map to one for one.
 */
export interface Registry {
  list(): RegisteredModel[];
  show(name: string): RegisteredModelDetail;
  register(input: RegisterInput): ModelVersion;
  setAlias(input: { name: string; version: string; alias: string; move?: boolean }): AliasChange;
  removeAlias(input: { name: string; alias: string }): { removed: boolean; version: string | null };
  setStage(input: { name: string; version: string; stage: string }): StageChange;
  updateModel(input: { name: string; description?: string; tags?: Record<string, string> }): RegisteredModel;
  /** Oldest first; `limit` keeps the newest entries. */
  log(input?: { name?: string; limit?: number }): AuditEntry[];
  exportDocument(): RegistryExportDocument;
  importDocument(text: string): RegistryImportResult;
  importFromStores(input?: { storeId?: number }): StoreRegistryImportResult;
}

export function createRegistry(db: WritableDb, options: RegistryOptions = {}): Registry {
  const ctx: RegistryContext = registryContext(db, options);
  return {
    list: () => listRegisteredModels(db),
    show: (name) => modelDetail(db, requireModel(db, name)),
    register: (input) => registerVersion(ctx, input),
    setAlias: (input) => setAlias(ctx, input),
    removeAlias: (input) => removeAlias(ctx, input),
    setStage: (input) => setStage(ctx, input),
    updateModel: (input) => updateModel(ctx, input),
    log: (input = {}) => {
      // the log of a model is shown under the model's own spelling, and refused for a model that never existed
      const name = input.name === undefined ? undefined : requireModelOrLogged(db, input.name);
      return listAudit(db, { model: name, limit: input.limit }).map(toAuditEntry);
    },
    exportDocument: () => exportRegistry(db, { actor: ctx.actor, at: ctx.now() }),
    importDocument: (text) => importRegistryDocument(ctx, text),
    importFromStores: (input = {}) => importStoreRegistries(ctx, input),
  };
}

function requireModelOrLogged(db: WritableDb, name: string): string {
  if (listAudit(db, { model: name, limit: 1 }).length > 0) return name;
  return requireModel(db, name).name;
}

type P<K extends keyof typeof registryMethods> = z.output<(typeof registryMethods)[K]['params']>;

/** The API handlers for the registry methods (see `registryMethods` in src/shared/registry.ts). */
export function registryHandlers(db: WritableDb, options: RegistryOptions = {}) {
  const r = createRegistry(db, options);
  return {
    listRegisteredModels: (_p: P<'listRegisteredModels'>) => r.list(),
    getRegisteredModel: (p: P<'getRegisteredModel'>) => r.show(p.name),
    registerModelVersion: (p: P<'registerModelVersion'>) => r.register(p),
    setRegistryAlias: (p: P<'setRegistryAlias'>) => r.setAlias(p),
    removeRegistryAlias: (p: P<'removeRegistryAlias'>) => r.removeAlias(p),
    setRegistryStage: (p: P<'setRegistryStage'>) => r.setStage(p),
    updateRegisteredModel: (p: P<'updateRegisteredModel'>) => r.updateModel(p),
    listRegistryAudit: (p: P<'listRegistryAudit'>) => r.log(p),
    exportRegistry: (_p: P<'exportRegistry'>) => r.exportDocument(),
    importRegistry: (p: P<'importRegistry'>) => r.importDocument(p.document),
    importStoreRegistries: (p: P<'importStoreRegistries'>) => r.importFromStores(p),
  };
}
