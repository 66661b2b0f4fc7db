import { REGISTRY_EXPORT_FORMAT, REGISTRY_EXPORT_SCHEMA_VERSION, type RegistryExportDocument } from '../../shared/registry';
import type { ReadableDb } from '../db/connection';
import { allAliases, allVersions, listAudit, listModels } from '../db/registry';
import { compareText, documentChecksum } from './canonical';
import { toAuditEntry } from './records';

/**
 * The whole registry with its audit log as one document that can travel to
 * another machine: models, versions (with everything they pinned), aliases,
 * the audit log, and a checksum over all of it. Records refer to each other
 * by their stable ids (uid), never by this database's row ids.
 */
export function exportRegistry(db: ReadableDb, by: { actor: string; at: string }): RegistryExportDocument {
  const models = listModels(db);
  const modelUid = new Map(models.map((m) => [m.id, m.uid]));
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const versions = allVersions(db).sort((a, b) => compareText(modelName.get(a.modelId)!, modelName.get(b.modelId)!) || a.number - b.number);
  const versionUid = new Map(versions.map((v) => [v.id, v.uid]));
  const body = {
    format: REGISTRY_EXPORT_FORMAT,
    schemaVersion: REGISTRY_EXPORT_SCHEMA_VERSION,
    exportedAt: by.at,
    exportedBy: by.actor,
    models: models.map((m) => ({ uid: m.uid, name: m.name, description: m.description, tags: m.tags, source: m.source, sourceStore: m.sourceStore, sourceName: m.sourceName, sourceRef: m.sourceRef, createdAt: m.createdAt, createdBy: m.createdBy })),
    versions: versions.map((v) => ({
      uid: v.uid,
      modelUid: modelUid.get(v.modelId)!,
      number: v.number,
      name: v.name,
      stage: v.stage,
      files: v.files,
      lineage: v.lineage,
      card: v.card,
      source: v.source,
      sourceRef: v.sourceRef,
      sourceState: v.sourceState,
      registeredAt: v.registeredAt,
      registeredBy: v.registeredBy,
    })),
    aliases: allAliases(db).map((a) => ({ modelUid: modelUid.get(a.modelId)!, alias: a.alias, versionUid: versionUid.get(a.versionId)!, setAt: a.setAt, setBy: a.setBy })),
    audit: listAudit(db, {}).map(toAuditEntry),
  } as const;
  return { ...body, checksum: documentChecksum(body) };
}
