import type { AuditAction, AuditOrigin, LineageSnapshot, PinnedCard, PinnedFile, RegistrySource, RegistryStage } from '../../shared/registry';
import type { ReadableDb, WritableDb } from './connection';
import { sha256Is } from './files';

/**
 * The registry's SQL: registered models, versions, aliases and the audit log
 * (migration 003), and the few lookups of the index the registry needs.
 * JSON columns are parsed here; callers see records.
 */

export interface ModelRecord {
  id: number;
  uid: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  source: RegistrySource;
  sourceStore: string | null;
  sourceName: string | null;
  sourceRef: string | null;
  sourceState: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
}

export interface VersionRecord {
  id: number;
  uid: string;
  modelId: number;
  number: number;
  name: string;
  files: PinnedFile[];
  lineage: LineageSnapshot;
  card: PinnedCard | null;
  source: RegistrySource;
  sourceRef: string | null;
  registeredAt: string;
  registeredBy: string;
  stage: RegistryStage;
  sourceState: Record<string, unknown>;
}

export interface AliasRecord {
  modelId: number;
  alias: string;
  versionId: number;
  setAt: string;
  setBy: string;
}

export interface AuditRecord {
  id: number;
  uid: string;
  at: string;
  actor: string;
  action: AuditAction;
  origin: AuditOrigin;
  model: string | null;
  version: string | null;
  alias: string | null;
  before: unknown;
  after: unknown;
}

interface RawModel {
  id: number;
  uid: string;
  name: string;
  description: string;
  tags: string;
  source: RegistrySource;
  source_store: string | null;
  source_name: string | null;
  source_ref: string | null;
  source_state: string;
  created_at: string;
  created_by: string;
}
const toModel = (r: RawModel): ModelRecord => ({
  id: r.id,
  uid: r.uid,
  name: r.name,
  description: r.description,
  tags: JSON.parse(r.tags) as Record<string, string>,
  source: r.source,
  sourceStore: r.source_store,
  sourceName: r.source_name,
  sourceRef: r.source_ref,
  sourceState: JSON.parse(r.source_state) as Record<string, unknown>,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

interface RawVersion {
  id: number;
  uid: string;
  model_id: number;
  number: number;
  name: string;
  files: string;
  lineage: string;
  card: string | null;
  source: RegistrySource;
  source_ref: string | null;
  registered_at: string;
  registered_by: string;
  stage: RegistryStage;
  source_state: string;
}
const toVersion = (r: RawVersion): VersionRecord => ({
  id: r.id,
  uid: r.uid,
  modelId: r.model_id,
  number: r.number,
  name: r.name,
  files: JSON.parse(r.files) as PinnedFile[],
  lineage: JSON.parse(r.lineage) as LineageSnapshot,
  card: r.card === null ? null : (JSON.parse(r.card) as PinnedCard),
  source: r.source,
  sourceRef: r.source_ref,
  registeredAt: r.registered_at,
  registeredBy: r.registered_by,
  stage: r.stage,
  sourceState: JSON.parse(r.source_state) as Record<string, unknown>,
});

interface RawAlias {
  model_id: number;
  alias: string;
  version_id: number;
  set_at: string;
  set_by: string;
}
const toAlias = (r: RawAlias): AliasRecord => ({ modelId: r.model_id, alias: r.alias, versionId: r.version_id, setAt: r.set_at, setBy: r.set_by });

interface RawAudit {
  id: number;
  uid: string;
  at: string;
  actor: string;
  action: AuditAction;
  origin: AuditOrigin;
  model: string | null;
  version: string | null;
  alias: string | null;
  before: string | null;
  after: string | null;
}
const toAudit = (r: RawAudit): AuditRecord => ({
  id: r.id,
  uid: r.uid,
  at: r.at,
  actor: r.actor,
  action: r.action,
  origin: r.origin,
  model: r.model,
  version: r.version,
  alias: r.alias,
  before: r.before === null ? null : JSON.parse(r.before),
  after: r.after === null ? null : JSON.parse(r.after),
});

// ---------------------------------------------------------------- models

export function insertModel(db: WritableDb, m: Omit<ModelRecord, 'id'>): number {
  return Number(
    db
      .statement(
        `INSERT INTO registry_models (uid, name, description, tags, source, source_store, source_name, source_ref, source_state, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(m.uid, m.name, m.description, JSON.stringify(m.tags), m.source, m.sourceStore, m.sourceName, m.sourceRef, JSON.stringify(m.sourceState), m.createdAt, m.createdBy).lastInsertRowid,
  );
}

/** By name, ignoring case: `Foo` and `foo` are one model. */
export function modelByName(db: ReadableDb, name: string): ModelRecord | null {
  const r = db.statement(`SELECT * FROM registry_models WHERE name = ?`).get(name) as RawModel | undefined;
  return r ? toModel(r) : null;
}

export function modelByUid(db: ReadableDb, uid: string): ModelRecord | null {
  const r = db.statement(`SELECT * FROM registry_models WHERE uid = ?`).get(uid) as RawModel | undefined;
  return r ? toModel(r) : null;
}

export function modelById(db: ReadableDb, id: number): ModelRecord | null {
  const r = db.statement(`SELECT * FROM registry_models WHERE id = ?`).get(id) as RawModel | undefined;
  return r ? toModel(r) : null;
}

/** The model an earlier import made from this registered-model node (its lineage key) of a store, if any. */
export function modelFromSource(db: ReadableDb, source: RegistrySource, store: string, sourceRef: string): ModelRecord | null {
  const r = db.statement(`SELECT * FROM registry_models WHERE source = ? AND source_store = ? AND source_ref = ?`).get(source, store, sourceRef) as RawModel | undefined;
  return r ? toModel(r) : null;
}

export function listModels(db: ReadableDb): ModelRecord[] {
  return (db.statement(`SELECT * FROM registry_models ORDER BY name`).all() as RawModel[]).map(toModel);
}

export function updateModelFields(db: WritableDb, id: number, f: { description: string; tags: Record<string, string> }): void {
  db.statement(`UPDATE registry_models SET description = ?, tags = ? WHERE id = ?`).run(f.description, JSON.stringify(f.tags), id);
}

export function setModelSourceState(db: WritableDb, id: number, state: Record<string, unknown>): void {
  db.statement(`UPDATE registry_models SET source_state = ? WHERE id = ?`).run(JSON.stringify(state), id);
}

// ---------------------------------------------------------------- versions

export function insertVersion(db: WritableDb, v: Omit<VersionRecord, 'id'>): number {
  return Number(
    db
      .statement(
        `INSERT INTO registry_versions (uid, model_id, number, name, files, lineage, card, source, source_ref, registered_at, registered_by, stage, source_state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        v.uid,
        v.modelId,
        v.number,
        v.name,
        JSON.stringify(v.files),
        JSON.stringify(v.lineage),
        v.card === null ? null : JSON.stringify(v.card),
        v.source,
        v.sourceRef,
        v.registeredAt,
        v.registeredBy,
        v.stage,
        JSON.stringify(v.sourceState),
      ).lastInsertRowid,
  );
}

export function versionsOfModel(db: ReadableDb, modelId: number): VersionRecord[] {
  return (db.statement(`SELECT * FROM registry_versions WHERE model_id = ? ORDER BY number`).all(modelId) as RawVersion[]).map(toVersion);
}

export function allVersions(db: ReadableDb): VersionRecord[] {
  return (db.statement(`SELECT * FROM registry_versions ORDER BY model_id, number`).all() as RawVersion[]).map(toVersion);
}

export function versionByUid(db: ReadableDb, uid: string): VersionRecord | null {
  const r = db.statement(`SELECT * FROM registry_versions WHERE uid = ?`).get(uid) as RawVersion | undefined;
  return r ? toVersion(r) : null;
}

export function versionById(db: ReadableDb, id: number): VersionRecord | null {
  const r = db.statement(`SELECT * FROM registry_versions WHERE id = ?`).get(id) as RawVersion | undefined;
  return r ? toVersion(r) : null;
}

export function versionByNumber(db: ReadableDb, modelId: number, number: number): VersionRecord | null {
  const r = db.statement(`SELECT * FROM registry_versions WHERE model_id = ? AND number = ?`).get(modelId, number) as RawVersion | undefined;
  return r ? toVersion(r) : null;
}

export function versionByName(db: ReadableDb, modelId: number, name: string): VersionRecord | null {
  const r = db.statement(`SELECT * FROM registry_versions WHERE model_id = ? AND name = ?`).get(modelId, name) as RawVersion | undefined;
  return r ? toVersion(r) : null;
}

export function versionBySourceRef(db: ReadableDb, modelId: number, sourceRef: string): VersionRecord | null {
  const r = db.statement(`SELECT * FROM registry_versions WHERE model_id = ? AND source_ref = ?`).get(modelId, sourceRef) as RawVersion | undefined;
  return r ? toVersion(r) : null;
}

export function maxVersionNumber(db: ReadableDb, modelId: number): number {
  return (db.statement(`SELECT COALESCE(MAX(number), 0) AS n FROM registry_versions WHERE model_id = ?`).get(modelId) as { n: number }).n;
}

export function setVersionStage(db: WritableDb, id: number, stage: RegistryStage): void {
  db.statement(`UPDATE registry_versions SET stage = ? WHERE id = ?`).run(stage, id);
}

export function setVersionSourceState(db: WritableDb, id: number, state: Record<string, unknown>): void {
  db.statement(`UPDATE registry_versions SET source_state = ? WHERE id = ?`).run(JSON.stringify(state), id);
}

// ---------------------------------------------------------------- aliases

export function aliasesOfModel(db: ReadableDb, modelId: number): AliasRecord[] {
  return (db.statement(`SELECT * FROM registry_aliases WHERE model_id = ? ORDER BY alias`).all(modelId) as RawAlias[]).map(toAlias);
}

export function allAliases(db: ReadableDb): AliasRecord[] {
  return (db.statement(`SELECT * FROM registry_aliases ORDER BY model_id, alias`).all() as RawAlias[]).map(toAlias);
}

export function aliasOf(db: ReadableDb, modelId: number, alias: string): AliasRecord | null {
  const r = db.statement(`SELECT * FROM registry_aliases WHERE model_id = ? AND alias = ?`).get(modelId, alias) as RawAlias | undefined;
  return r ? toAlias(r) : null;
}

/** Points the alias at a version, moving it if it pointed elsewhere: one row per alias per model. */
export function putAlias(db: WritableDb, a: AliasRecord): void {
  db.statement(
    `INSERT INTO registry_aliases (model_id, alias, version_id, set_at, set_by) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, set_at = excluded.set_at, set_by = excluded.set_by`,
  ).run(a.modelId, a.alias, a.versionId, a.setAt, a.setBy);
}

export function deleteAlias(db: WritableDb, modelId: number, alias: string): boolean {
  return db.statement(`DELETE FROM registry_aliases WHERE model_id = ? AND alias = ?`).run(modelId, alias).changes > 0;
}

// ---------------------------------------------------------------- audit log

export function appendAudit(db: WritableDb, e: Omit<AuditRecord, 'id'>): void {
  db.statement(`INSERT INTO registry_audit (uid, at, actor, action, origin, model, version, alias, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    e.uid,
    e.at,
    e.actor,
    e.action,
    e.origin,
    e.model,
    e.version,
    e.alias,
    e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
    e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
  );
}

/** Oldest first; with `model`, that model's entries only (any case). `limit` keeps the newest. */
export function listAudit(db: ReadableDb, q: { model?: string; limit?: number }): AuditRecord[] {
  const limit = q.limit ?? -1;
  const rows = (
    q.model === undefined
      ? db.statement(`SELECT * FROM (SELECT * FROM registry_audit ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`).all(limit)
      : db.statement(`SELECT * FROM (SELECT * FROM registry_audit WHERE model = ? ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`).all(q.model, limit)
  ) as RawAudit[];
  return rows.map(toAudit);
}

export function auditByUid(db: ReadableDb, uid: string): AuditRecord | null {
  const r = db.statement(`SELECT * FROM registry_audit WHERE uid = ?`).get(uid) as RawAudit | undefined;
  return r ? toAudit(r) : null;
}

export function auditCount(db: ReadableDb): number {
  return (db.statement(`SELECT COUNT(*) AS n FROM registry_audit`).get() as { n: number }).n;
}

// ---------------------------------------------------------------- the index, as the registry sees it

export interface IndexedFile {
  id: number;
  storeId: number;
  storePath: string;
  path: string;
  size: number;
  mtimeNs: bigint;
  sha256: string | null;
  state: 'present' | 'missing';
  lastSeen: string;
}

interface RawIndexed {
  id: bigint;
  store_id: bigint;
  store_path: string;
  display_path: string;
  size: bigint;
  mtime_ns: bigint;
  sha256: string | null;
  state: 'present' | 'missing';
  last_seen: string;
}
const toIndexed = (r: RawIndexed): IndexedFile => ({
  id: Number(r.id),
  storeId: Number(r.store_id),
  storePath: r.store_path,
  path: r.display_path,
  size: Number(r.size),
  mtimeNs: r.mtime_ns,
  sha256: r.sha256,
  state: r.state,
  lastSeen: r.last_seen,
});

const INDEXED = `SELECT f.id, f.store_id, s.path AS store_path, f.display_path, f.size, f.mtime_ns, f.sha256, f.state, f.last_seen FROM files f JOIN stores s ON s.id = f.store_id`;

/** The index's row for a path in a store, missing or present. */
export function indexedFileAt(db: ReadableDb, storeId: number, path: string): IndexedFile | null {
  const r = db.statement(`${INDEXED} WHERE f.store_id = ? AND f.display_path = ?`).safeIntegers(true).get(storeId, path) as RawIndexed | undefined;
  return r ? toIndexed(r) : null;
}

/** Every indexed file below a folder of a store ('' for the whole store), present or missing, in path order. */
export function indexedFilesUnder(db: ReadableDb, storeId: number, folder: string): IndexedFile[] {
  if (folder === '') return (db.statement(`${INDEXED} WHERE f.store_id = ? ORDER BY f.display_path`).safeIntegers(true).all(storeId) as RawIndexed[]).map(toIndexed);
  const like = `${folder.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
  return (db.statement(`${INDEXED} WHERE f.store_id = ? AND f.display_path LIKE ? ESCAPE '\\' ORDER BY f.display_path`).safeIntegers(true).all(storeId, like) as RawIndexed[]).map(toIndexed);
}

export function indexedFileById(db: ReadableDb, id: number): IndexedFile | null {
  const r = db.statement(`${INDEXED} WHERE f.id = ?`).safeIntegers(true).get(id) as RawIndexed | undefined;
  return r ? toIndexed(r) : null;
}

/** What the index holds now at a pinned location (store folder + path). */
export function indexedFileAtStorePath(db: ReadableDb, storePath: string, path: string): IndexedFile | null {
  const r = db.statement(`${INDEXED} WHERE s.path = ? AND f.display_path = ?`).safeIntegers(true).get(storePath, path) as RawIndexed | undefined;
  return r ? toIndexed(r) : null;
}

/** Present indexed files with this content, anywhere. */
export function presentFilesWithSha256(db: ReadableDb, sha256: string): IndexedFile[] {
  return (db.statement(`${INDEXED} WHERE ${sha256Is('f.sha256', '@sha256')} AND f.state = 'present' ORDER BY s.path, f.display_path`).safeIntegers(true).all({ sha256 }) as RawIndexed[]).map(toIndexed);
}

/** The model card beside a file: README.md (any case) in the same folder, present in the index. */
export function cardInFolder(db: ReadableDb, storeId: number, folder: string): IndexedFile | null {
  const path = folder === '' ? 'README.md' : `${folder}/README.md`;
  const r = db.statement(`${INDEXED} WHERE f.store_id = ? AND f.display_path = ? COLLATE NOCASE AND f.state = 'present' ORDER BY f.display_path = ? DESC LIMIT 1`).safeIntegers(true).get(storeId, path, path) as RawIndexed | undefined;
  return r ? toIndexed(r) : null;
}
