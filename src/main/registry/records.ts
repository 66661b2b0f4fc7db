import { ApiError } from '../../shared/errors';
import { versionLabel, type AuditEntry, type ModelVersion, type RegisteredModel, type RegisteredModelDetail } from '../../shared/registry';
import type { ReadableDb } from '../db/connection';
import {
  aliasOf,
  aliasesOfModel,
  listModels,
  modelByName,
  versionById,
  versionByName,
  versionByNumber,
  versionsOfModel,
  type AliasRecord,
  type AuditRecord,
  type ModelRecord,
  type VersionRecord,
} from '../db/registry';
import { versionIntegrity } from './integrity';
import { linksOf } from './snapshot';

/** The records the API and the CLI show, integrity computed now. */

export function requireModel(db: ReadableDb, name: string): ModelRecord {
  const m = modelByName(db, name);
  if (m) return m;
  const names = listModels(db).map((x) => x.name);
  const near = names.filter((n) => n.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(n.toLowerCase())).slice(0, 5);
  throw new ApiError('not-found', `no registered model "${name}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : names.length ? '; see: pedigree registry list' : '; the registry is empty'}`);
}

/**
 * A version as people name it: `3` or `v3` (the number), the source's own
 * name (`v1.2.0` from GTO), `@alias`, or `latest`. A source name is tried
 * before the number, so a GTO tag `v2` means that tag.
 */
export function resolveVersion(db: ReadableDb, model: ModelRecord, ref: string): VersionRecord {
  const byName = versionByName(db, model.id, ref);
  if (byName) return byName;
  if (ref === 'latest' || ref === '@latest') {
    const all = versionsOfModel(db, model.id);
    const last = all[all.length - 1];
    if (last) return last;
  } else if (ref.startsWith('@')) {
    const a = aliasOf(db, model.id, ref.slice(1));
    const v = a ? versionById(db, a.versionId) : null;
    if (v) return v;
    throw new ApiError('not-found', `${model.name} has no alias ${ref}`);
  }
  const m = /^[vV]?(\d{1,9})$/.exec(ref);
  const byNumber = m ? versionByNumber(db, model.id, Number(m[1])) : null;
  if (byNumber) return byNumber;
  const all = versionsOfModel(db, model.id);
  throw new ApiError('not-found', `${model.name} has no version "${ref}"${all.length ? `; its versions are ${all.map((v) => versionLabel(v.name)).join(', ')}` : '; it has no versions yet'}`);
}

export function describeVersion(db: ReadableDb, model: ModelRecord, v: VersionRecord, aliases: AliasRecord[]): ModelVersion {
  return {
    uid: v.uid,
    model: model.name,
    number: v.number,
    name: v.name,
    label: versionLabel(v.name),
    stage: v.stage,
    aliases: aliases.filter((a) => a.versionId === v.id).map((a) => a.alias),
    files: v.files,
    card: v.card,
    links: linksOf(v.lineage),
    source: v.source,
    sourceRef: v.sourceRef,
    sourceState: v.sourceState,
    registeredAt: v.registeredAt,
    registeredBy: v.registeredBy,
    integrity: versionIntegrity(db, v),
  };
}

export function modelDetail(db: ReadableDb, m: ModelRecord): RegisteredModelDetail {
  const aliases = aliasesOfModel(db, m.id);
  const records = versionsOfModel(db, m.id);
  const versions = records.map((v) => describeVersion(db, m, v, aliases));
  const byId = new Map(records.map((v) => [v.id, v]));
  const last = records[records.length - 1];
  const stages: Record<string, string[]> = {};
  for (const v of versions) if (v.stage !== 'none') (stages[v.stage] ??= []).push(v.label);
  const count = (s: string) => versions.filter((v) => v.integrity.status === s).length;
  return {
    uid: m.uid,
    name: m.name,
    description: m.description,
    tags: m.tags,
    source: m.source,
    sourceStore: m.sourceStore,
    sourceName: m.sourceName,
    createdAt: m.createdAt,
    createdBy: m.createdBy,
    versionCount: records.length,
    latest: last ? { number: last.number, name: last.name, label: versionLabel(last.name) } : null,
    aliases: aliases.map((a) => {
      const v = byId.get(a.versionId)!;
      return { alias: a.alias, version: v.name, number: v.number, setAt: a.setAt, setBy: a.setBy };
    }),
    stages,
    integrity: { intact: count('intact'), modified: count('modified'), missing: count('missing') },
    versions,
  };
}

export function describeModel(db: ReadableDb, m: ModelRecord): RegisteredModel {
  const { versions: _versions, ...summary } = modelDetail(db, m);
  return summary;
}

export function listRegisteredModels(db: ReadableDb): RegisteredModel[] {
  return listModels(db).map((m) => describeModel(db, m));
}

export function toAuditEntry(r: AuditRecord): AuditEntry {
  return { uid: r.uid, at: r.at, actor: r.actor, action: r.action, origin: r.origin, model: r.model, version: r.version, alias: r.alias, before: r.before ?? null, after: r.after ?? null };
}
