import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, schemaVersion } from './connection';
import { migrations } from './migrate';
import { appendAudit, insertModel, insertVersion, putAlias } from './registry';

const snapshot = { capturedAt: 't', nodes: [], edges: [] };

function fresh() {
  const db = openWorkspaceDb(':memory:');
  const modelId = insertModel(db, { uid: 'm1', name: 'Model', description: '', tags: {}, source: 'local', sourceStore: null, sourceName: null, sourceRef: null, sourceState: {}, createdAt: 't', createdBy: 'u' });
  const version = (n: number, m = modelId) =>
    insertVersion(db, { uid: `v${n}-${m}`, modelId: m, number: n, name: String(n), files: [{ store: '/s', path: 'a', size: 1, sha256: 'a'.repeat(64) }], lineage: snapshot, card: null, source: 'local', sourceRef: null, registeredAt: 't', registeredBy: 'u', stage: 'none', sourceState: {} });
  return { db, modelId, version };
}

describe('migration 003: the registry schema', () => {
  it('is the latest migration and creates STRICT tables', () => {
    const { db } = fresh();
    expect(schemaVersion(db)).toBe(migrations.length);
    const sql = (db.raw.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name LIKE 'registry_%'`).all() as { sql: string }[]).map((r) => r.sql);
    expect(sql).toHaveLength(4);
    for (const s of sql) expect(s).toMatch(/STRICT$/);
    closeDb(db);
  });

  it('upgrades a version-2 workspace, keeping what it held', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-m003-'));
    try {
      const path = join(dir, 'ws.db');
      const v2 = openWorkspaceDb(path, { migrations: migrations.slice(0, 2) });
      v2.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
      closeDb(v2);
      const db = openWorkspaceDb(path);
      expect(schemaVersion(db)).toBe(migrations.length);
      expect(db.raw.prepare(`SELECT path FROM stores`).all()).toEqual([{ path: '/s' }]);
      expect(db.raw.prepare(`SELECT COUNT(*) AS n FROM registry_models`).get()).toEqual({ n: 0 });
      closeDb(db);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to change what a version pinned, or to delete a version or model', () => {
    const { db, version } = fresh();
    const id = version(1);
    for (const col of ['files', 'lineage', 'card', 'name', 'registered_by']) {
      expect(() => db.raw.prepare(`UPDATE registry_versions SET ${col} = '[]' WHERE id = ?`).run(id)).toThrow(/immutable/);
    }
    expect(() => db.raw.prepare(`UPDATE registry_versions SET number = 7 WHERE id = ?`).run(id)).toThrow(/immutable/);
    expect(() => db.raw.prepare(`DELETE FROM registry_versions`).run()).toThrow(/never deleted/);
    expect(() => db.raw.prepare(`DELETE FROM registry_models`).run()).toThrow(/never deleted/);
    expect(() => db.raw.prepare(`UPDATE registry_models SET name = 'other'`).run()).toThrow(/identity/);
    // what may change does
    db.raw.prepare(`UPDATE registry_versions SET stage = 'production', source_state = '{"a":1}' WHERE id = ?`).run(id);
    expect(db.raw.prepare(`SELECT stage FROM registry_versions WHERE id = ?`).get(id)).toEqual({ stage: 'production' });
    closeDb(db);
  });

  it('keeps audit entries as written', () => {
    const { db } = fresh();
    appendAudit(db, { uid: 'e1', at: 't', actor: 'u', action: 'model.create', origin: 'local', model: 'Model', version: null, alias: null, before: null, after: { a: 1 } });
    expect(() => db.raw.prepare(`UPDATE registry_audit SET actor = 'mallory'`).run()).toThrow(/never edited/);
    expect(() => db.raw.prepare(`DELETE FROM registry_audit`).run()).toThrow(/never deleted/);
    expect(db.raw.prepare(`SELECT actor FROM registry_audit`).all()).toEqual([{ actor: 'u' }]);
    closeDb(db);
  });

  it('holds one version per alias per model, of that model, with a valid name', () => {
    const { db, modelId, version } = fresh();
    const v1 = version(1);
    const v2 = version(2);
    putAlias(db, { modelId, alias: 'champion', versionId: v1, setAt: 't', setBy: 'u' });
    putAlias(db, { modelId, alias: 'champion', versionId: v2, setAt: 't', setBy: 'u' });
    expect(db.raw.prepare(`SELECT version_id FROM registry_aliases`).all()).toEqual([{ version_id: v2 }]);
    for (const bad of ['Champion', 'latest', '1st', 'a b']) expect(() => putAlias(db, { modelId, alias: bad, versionId: v1, setAt: 't', setBy: 'u' })).toThrow(/CHECK/);
    const other = insertModel(db, { uid: 'm2', name: 'other', description: '', tags: {}, source: 'local', sourceStore: null, sourceName: null, sourceRef: null, sourceState: {}, createdAt: 't', createdBy: 'u' });
    expect(() => putAlias(db, { modelId: other, alias: 'x', versionId: v1, setAt: 't', setBy: 'u' })).toThrow(/its own model/);
    closeDb(db);
  });

  it('treats names that differ only in case as one model', () => {
    const { db } = fresh();
    expect(() => insertModel(db, { uid: 'm3', name: 'MODEL', description: '', tags: {}, source: 'local', sourceStore: null, sourceName: null, sourceRef: null, sourceState: {}, createdAt: 't', createdBy: 'u' })).toThrow(/UNIQUE/);
    closeDb(db);
  });
});
