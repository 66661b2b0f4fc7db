import { ApiError, describeIssues } from '../../shared/errors';
import {
  modelNameProblem,
  REGISTRY_EXPORT_FORMAT,
  REGISTRY_EXPORT_SCHEMA_VERSION,
  RegistryExportDocument,
  versionLabel,
  type AuditEntry,
  type ImportCounts,
  type RegistryImportResult,
} from '../../shared/registry';
import { inTransaction } from '../db/connection';
import {
  aliasesOfModel,
  appendAudit,
  auditByUid,
  deleteAlias,
  insertModel,
  insertVersion,
  listAudit,
  modelById,
  modelByName,
  modelByUid,
  putAlias,
  setVersionStage,
  updateModelFields,
  versionById,
  versionByName,
  versionByNumber,
  versionByUid,
  type ModelRecord,
  type VersionRecord,
} from '../db/registry';
import { audit } from './audit';
import { compareText, documentChecksum, sameJson } from './canonical';
import type { RegistryContext } from './context';
import { toAuditEntry } from './records';

/**
 * Reads an export document, refusing anything that is not exactly what an
 * export wrote: not JSON (a truncated file), another format, a newer schema,
 * a checksum that does not match (a changed byte), or records that do not
 * hold together.
 */
export function parseExportDocument(text: string): RegistryExportDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ApiError('invalid-input', `not a complete JSON document (truncated or damaged?): ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ApiError('invalid-input', 'not a Pedigree registry export: the document is not a JSON object');
  const obj = raw as Record<string, unknown>;
  if (obj.format !== REGISTRY_EXPORT_FORMAT) throw new ApiError('invalid-input', `not a Pedigree registry export: format is ${JSON.stringify(obj.format ?? null)}, expected "${REGISTRY_EXPORT_FORMAT}"`);
  const sv = obj.schemaVersion;
  if (typeof sv !== 'number' || !Number.isInteger(sv) || sv < 1) throw new ApiError('invalid-input', `the export's schemaVersion ${JSON.stringify(sv ?? null)} is not a schema version`);
  if (sv > REGISTRY_EXPORT_SCHEMA_VERSION) {
    throw new ApiError('invalid-input', `the export has schema version ${sv}, newer than this Pedigree reads (${REGISTRY_EXPORT_SCHEMA_VERSION}); import it with a newer Pedigree`);
  }
  if (typeof obj.checksum !== 'string') throw new ApiError('invalid-input', 'the export has no checksum');
  const computed = documentChecksum(obj);
  if (computed !== obj.checksum) throw new ApiError('invalid-input', `checksum mismatch: the document was changed after it was exported (it says ${obj.checksum}, its content hashes to ${computed})`);
  const parsed = RegistryExportDocument.safeParse(raw);
  if (!parsed.success) throw new ApiError('invalid-input', `the export is malformed: ${describeIssues(parsed.error)}`);
  checkConsistency(parsed.data);
  return parsed.data;
}

function checkConsistency(doc: RegistryExportDocument): void {
  const problems: string[] = [];
  const unique = (what: string, keys: string[]) => {
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k)) problems.push(`${what} ${k} appears twice`);
      seen.add(k);
    }
  };
  unique('model', doc.models.map((m) => m.uid));
  unique('model name', doc.models.map((m) => m.name.toLowerCase()));
  unique('version', doc.versions.map((v) => v.uid));
  unique('version number', doc.versions.map((v) => `${v.modelUid}#${v.number}`));
  unique('version name', doc.versions.map((v) => `${v.modelUid}#${v.name}`));
  unique('alias', doc.aliases.map((a) => `${a.modelUid}@${a.alias}`));
  unique('audit entry', doc.audit.map((e) => e.uid));
  for (const m of doc.models) {
    const p = modelNameProblem(m.name);
    if (p) problems.push(p);
  }
  const models = new Set(doc.models.map((m) => m.uid));
  const versionModel = new Map(doc.versions.map((v) => [v.uid, v.modelUid]));
  for (const v of doc.versions) if (!models.has(v.modelUid)) problems.push(`version ${v.uid} belongs to model ${v.modelUid}, which the document does not hold`);
  for (const a of doc.aliases) if (versionModel.get(a.versionUid) !== a.modelUid) problems.push(`alias @${a.alias} points at version ${a.versionUid}, which is not a version of its model`);
  if (problems.length) throw new ApiError('invalid-input', `the export does not hold together: ${problems.slice(0, 10).join('; ')}`);
}

/**
 * Merges an export into this registry, all or nothing. Records match by
 * their stable ids (a model also by name), so importing the same document
 * twice changes nothing. A version number that holds other content here, an
 * alias or stage or description that both sides changed differently since
 * they last shared their logs: each is a conflict, and any conflict refuses
 * the whole document, listing them all.
 *
 * For what both sides may change (stage, alias, description and tags) the
 * audit logs decide, like a fast-forward: when this registry has seen the
 * document's latest entry for it, ours is as new or newer and stays; when the
 * document has seen our latest entry, the document's value is newer and is
 * taken; otherwise both changed it, and a difference is a conflict.
 */
export function importRegistryDocument(ctx: RegistryContext, text: string): RegistryImportResult {
  const doc = parseExportDocument(text);
  return inTransaction(ctx.db, () => {
    const added: ImportCounts = { models: 0, versions: 0, stages: 0, aliases: 0, modelUpdates: 0, audit: 0 };
    const conflicts: string[] = [];
    const localLog = listAudit(ctx.db, {});
    const localUids = new Set(localLog.map((e) => e.uid));
    const docUids = new Set(doc.audit.map((e) => e.uid));
    const localItems = lastByItem(localLog);
    const docItems = lastByItem(doc.audit);
    const decide = (item: string, equal: boolean, docSays: boolean): 'keep' | 'take' | 'conflict' => {
      if (equal) return 'keep';
      const docLast = docItems.get(item);
      const localLast = localItems.get(item);
      if (docLast && localUids.has(docLast)) return 'keep';
      if (!localLast || docUids.has(localLast)) return 'take';
      if (!docLast && !docSays) return 'keep';
      return 'conflict';
    };

    for (const e of doc.audit) {
      const here = auditByUid(ctx.db, e.uid);
      if (here && !sameJson(toAuditEntry(here), e)) conflicts.push(`audit entry ${e.uid} (${e.action} ${e.model ?? ''}) differs between this registry and the document`);
    }

    const modelOf = new Map<string, ModelRecord>();
    for (const m of doc.models) {
      const byUid = modelByUid(ctx.db, m.uid);
      const local = byUid ?? modelByName(ctx.db, m.name);
      if (byUid && byUid.name.toLowerCase() !== m.name.toLowerCase()) {
        conflicts.push(`model ${m.uid} is "${byUid.name}" here but "${m.name}" in the document`);
        continue;
      }
      if (!local) {
        const id = insertModel(ctx.db, { ...m, sourceState: {} });
        modelOf.set(m.uid, modelById(ctx.db, id)!);
        added.models++;
        continue;
      }
      modelOf.set(m.uid, local);
      const item = modelItem(m.name);
      const equal = local.description === m.description && sameJson(local.tags, m.tags);
      const d = decide(item, equal, true);
      if (d === 'take') {
        updateModelFields(ctx.db, local.id, { description: m.description, tags: m.tags });
        added.modelUpdates++;
      } else if (d === 'conflict') conflicts.push(`${m.name}: description or tags changed here and in the document since they last met`);
    }

    const versionOf = new Map<string, VersionRecord>();
    for (const v of doc.versions) {
      const model = modelOf.get(v.modelUid);
      if (!model) continue; // its model conflicted
      const label = `${model.name} ${versionLabel(v.name)}`;
      const byUid = versionByUid(ctx.db, v.uid);
      const existing = byUid ?? versionByNumber(ctx.db, model.id, v.number) ?? versionByName(ctx.db, model.id, v.name);
      if (!existing) {
        const id = insertVersion(ctx.db, { ...v, modelId: model.id });
        versionOf.set(v.uid, versionById(ctx.db, id)!);
        added.versions++;
        continue;
      }
      if (existing.modelId !== model.id || existing.number !== v.number || existing.name !== v.name || !sameDigests(existing.files, v.files)) {
        conflicts.push(`${label}: pinned digests differ (here ${digestList(existing.files)}, in the document ${digestList(v.files)})`);
        continue;
      }
      versionOf.set(v.uid, existing);
      const d = decide(stageItem(model.name, v.name), existing.stage === v.stage, true);
      if (d === 'take') {
        setVersionStage(ctx.db, existing.id, v.stage);
        added.stages++;
      } else if (d === 'conflict') conflicts.push(`${label}: stage is ${existing.stage} here and ${v.stage} in the document, and both changed it`);
    }

    const docAliases = new Map<string, { modelId: number; alias: string; version: VersionRecord | null; setAt: string; setBy: string }>();
    for (const a of doc.aliases) {
      const model = modelOf.get(a.modelUid);
      const version = versionOf.get(a.versionUid);
      if (!model || !version) continue;
      docAliases.set(`${model.id}@${a.alias}`, { modelId: model.id, alias: a.alias, version, setAt: a.setAt, setBy: a.setBy });
    }
    for (const model of new Set(modelOf.values())) {
      const local = new Map(aliasesOfModel(ctx.db, model.id).map((a) => [`${model.id}@${a.alias}`, a]));
      for (const key of new Set([...local.keys(), ...docAliases.keys()])) {
        const theirs = docAliases.get(key);
        if (theirs && theirs.modelId !== model.id) continue;
        const ours = local.get(key);
        const alias = theirs?.alias ?? ours!.alias;
        const d = decide(aliasItem(model.name, alias), (theirs?.version?.id ?? null) === (ours?.versionId ?? null), theirs !== undefined);
        if (d === 'take') {
          if (theirs?.version) putAlias(ctx.db, { modelId: model.id, alias, versionId: theirs.version.id, setAt: theirs.setAt, setBy: theirs.setBy });
          else deleteAlias(ctx.db, model.id, alias);
          added.aliases++;
        } else if (d === 'conflict') {
          const here = ours ? versionLabel(versionById(ctx.db, ours.versionId)!.name) : 'nothing';
          const there = theirs?.version ? versionLabel(theirs.version.name) : 'nothing';
          conflicts.push(`${model.name} @${alias}: points at ${here} here and at ${there} in the document`);
        }
      }
    }

    if (conflicts.length > 0) {
      throw new ApiError('conflict', `the document conflicts with this registry; nothing was imported:\n${conflicts.map((c) => `  - ${c}`).join('\n')}`, { conflicts });
    }
    for (const e of doc.audit) {
      if (localUids.has(e.uid)) continue;
      appendAudit(ctx.db, { ...e, before: e.before ?? null, after: e.after ?? null });
      added.audit++;
    }
    const changed = Object.values(added).some((n) => n > 0);
    if (changed) audit(ctx, { action: 'registry.import', model: null, after: { checksum: doc.checksum, exportedBy: doc.exportedBy, exportedAt: doc.exportedAt, added } });
    return { changed, added, checksum: doc.checksum };
  });
}

const modelItem = (model: string) => `model\u0000${model.toLowerCase()}`;
const stageItem = (model: string, version: string) => `stage\u0000${model.toLowerCase()}\u0000${version}`;
const aliasItem = (model: string, alias: string) => `alias\u0000${model.toLowerCase()}\u0000${alias}`;

/** Which mutable thing an audit entry changed. */
function itemOf(e: Pick<AuditEntry, 'action' | 'model' | 'version' | 'alias'>): string | null {
  if (!e.model) return null;
  switch (e.action) {
    case 'model.create':
    case 'model.update':
      return modelItem(e.model);
    case 'version.register':
    case 'stage.set':
      return e.version === null ? null : stageItem(e.model, e.version);
    case 'alias.set':
    case 'alias.remove':
      return e.alias === null ? null : aliasItem(e.model, e.alias);
    default:
      return null;
  }
}

/** The newest entry for each item: by time, and for equal times by order in the log (the sort is stable). */
function lastByItem(entries: Pick<AuditEntry, 'uid' | 'at' | 'action' | 'model' | 'version' | 'alias'>[]): Map<string, string> {
  const sorted = [...entries].sort((a, b) => compareText(a.at, b.at));
  const last = new Map<string, string>();
  for (const e of sorted) {
    const item = itemOf(e);
    if (item) last.set(item, e.uid);
  }
  return last;
}

function sameDigests(a: { path: string; sha256: string }[], b: { path: string; sha256: string }[]): boolean {
  const key = (x: { sha256: string }[]) => x.map((f) => f.sha256).sort().join(',');
  return key(a) === key(b);
}

function digestList(files: { sha256: string }[]): string {
  return files.length === 0 ? 'no files' : files.map((f) => f.sha256.slice(0, 12)).join(', ');
}
