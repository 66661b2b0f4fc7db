import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { closeDb, NEW_WORKSPACE_PAGE_SIZE, openWorkspaceDb, schemaVersion, type WritableDb } from './connection';
import { dropFileIndexes, fileIndexDefinitions, missingFileIndexes, restoreFileIndexes } from './files';
import { presentFilesWithSha256 } from './registry';
import { migrations, MigrationError, runMigrations, type Migration } from './migrate';
import { saveFolderStamps, takeFolderStamps } from './stamps';

const dirs: string[] = [];
function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pedigree-migrate-'));
  dirs.push(dir);
  return join(dir, 'workspace.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tables(db: WritableDb): string[] {
  return (db.raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

describe('migrations', () => {
  it('bring a fresh database to the latest version with WAL and foreign keys on', () => {
    const db = openWorkspaceDb(tempDbPath());
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).toEqual(expect.arrayContaining(['stores', 'files', 'scans', 'findings', 'meta']));
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    closeDb(db);
  });

  it('make a new workspace with 16 KiB pages, and leave an older one its own', () => {
    const fresh = openWorkspaceDb(tempDbPath());
    expect(fresh.raw.pragma('page_size', { simple: true })).toBe(NEW_WORKSPACE_PAGE_SIZE);
    closeDb(fresh);
    // A workspace made with SQLite's default 4 KiB pages (as every one before this was), with a row in it. (SQLite would
    // change its page size only in a VACUUM; the new size is asked for only of a database with no pages.)
    const path = tempDbPath();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE early (x INTEGER); INSERT INTO early VALUES (7);`);
    old.close();
    const db = openWorkspaceDb(path);
    expect(db.raw.pragma('page_size', { simple: true })).toBe(4096);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(db.raw.prepare(`SELECT x FROM early`).pluck().get()).toBe(7);
    closeDb(db);
  });

  it('are a no-op when run again', () => {
    const path = tempDbPath();
    closeDb(openWorkspaceDb(path));
    const db = openWorkspaceDb(path);
    const before = db.raw.prepare(`SELECT sql FROM sqlite_schema ORDER BY name`).all();
    expect(runMigrations(db, migrations)).toEqual({ from: migrations.length, to: migrations.length });
    expect(db.raw.prepare(`SELECT sql FROM sqlite_schema ORDER BY name`).all()).toEqual(before);
    closeDb(db);
  });

  it('leave the database unchanged when a migration fails', () => {
    const path = tempDbPath();
    const db = openWorkspaceDb(path);
    db.raw.prepare(`INSERT INTO meta (key, value) VALUES ('k', 'v')`).run();
    const schemaBefore = db.raw.prepare(`SELECT name, sql FROM sqlite_schema ORDER BY name`).all();
    const good: Migration = { version: migrations.length + 1, name: 'adds a table', up: (d) => d.raw.exec(`CREATE TABLE extra (x INTEGER) STRICT; INSERT INTO meta VALUES ('added', '1');`) };
    const bad: Migration = { version: migrations.length + 2, name: 'breaks', up: (d) => d.raw.exec(`CREATE TABLE broken (x INTEGER REFERENCES nowhere(;`) };
    expect(() => runMigrations(db, [...migrations, good, bad])).toThrow(MigrationError);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(db.raw.prepare(`SELECT name, sql FROM sqlite_schema ORDER BY name`).all()).toEqual(schemaBefore);
    expect(db.raw.prepare(`SELECT key FROM meta ORDER BY key`).all()).toEqual([{ key: 'k' }]);
    closeDb(db);
  });

  it('refuse a database written by a newer schema and leave it alone', () => {
    const path = tempDbPath();
    const db = openWorkspaceDb(path);
    db.raw.pragma(`user_version = ${migrations.length + 5}`);
    closeDb(db);
    const bytes = readFileSync(path);
    expect(() => openWorkspaceDb(path)).toThrow(/newer than this Pedigree understands/);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('002 keeps the findings a version-1 workspace had, marking them as the scan\'s', () => {
    const path = tempDbPath();
    const v1 = openWorkspaceDb(path, { migrations: migrations.slice(0, 1) });
    v1.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    v1.raw.prepare(`INSERT INTO findings (store_id, path, code, severity, message, created_at) VALUES (1, 'a', 'c', 'info', 'm', 'now')`).run();
    closeDb(v1);
    const db = openWorkspaceDb(path);
    expect(db.raw.prepare(`SELECT path, source FROM findings`).all()).toEqual([{ path: 'a', source: 'scan' }]);
    expect(tables(db)).toEqual(expect.arrayContaining(['lineage_nodes', 'lineage_edges', 'lineage_node_files']));
    closeDb(db);
  });

  it('leave the file indexes exactly as the bulk loader drops and rebuilds them', () => {
    const db = openWorkspaceDb(tempDbPath());
    const norm = (sql: string) => sql.replace(/\s+/g, ' ').trim();
    const schema = (db.raw.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'files' AND sql IS NOT NULL ORDER BY name`).all() as { name: string; sql: string }[]).map((r) => [r.name, norm(r.sql)]);
    expect(schema).toEqual(Object.entries(fileIndexDefinitions).map(([name, sql]) => [name, norm(sql)]).sort((a, b) => a[0]!.localeCompare(b[0]!)));
    dropFileIndexes(db);
    expect(db.raw.prepare(`SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'files' AND sql IS NOT NULL`).get()).toEqual({ n: 0 });
    expect(restoreFileIndexes(db)).toBe(schema.length);
    expect(restoreFileIndexes(db)).toBe(0);
    closeDb(db);
  });

  it('006 records no root for stores indexed before it, and drops the unused name index', () => {
    const path = tempDbPath();
    const v5 = openWorkspaceDb(path, { migrations: migrations.slice(0, 5) });
    v5.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    v5.raw.prepare(`INSERT INTO scans (store_id, started_at, status) VALUES (1, 'now', 'running')`).run();
    closeDb(v5);
    const db = openWorkspaceDb(path);
    expect(db.raw.prepare(`SELECT root_id, root_is_mount FROM stores`).get()).toEqual({ root_id: null, root_is_mount: null });
    expect(db.raw.prepare(`SELECT owner_pid, owner_host FROM scans`).get()).toEqual({ owner_pid: null, owner_host: null });
    expect(db.raw.prepare(`SELECT name FROM sqlite_schema WHERE name = 'files_name'`).get()).toBeUndefined();
    closeDb(db);
  });

  it('007 gives stores indexed before it no folder stamps (their next scan compares every file), and drops them with their store', () => {
    const path = tempDbPath();
    const v6 = openWorkspaceDb(path, { migrations: migrations.slice(0, 6) });
    v6.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    closeDb(v6);
    const db = openWorkspaceDb(path);
    expect(takeFolderStamps(db, 1)).toEqual({ byDir: new Map(), coverAll: false });
    saveFolderStamps(db, 1, [{ dir: Buffer.from('models'), stamp: new Uint8Array(16).fill(7), files: 3 }], true);
    expect(db.raw.prepare(`SELECT files FROM folder_stamps WHERE store_id = 1`).pluck().all()).toEqual([3]);
    expect(takeFolderStamps(db, 1)).toEqual({ byDir: new Map([['models', new Uint8Array(16).fill(7)]]), coverAll: true });
    expect(takeFolderStamps(db, 1).byDir.size).toBe(0); // taken: gone until a scan completes
    saveFolderStamps(db, 1, [{ dir: Buffer.from('models'), stamp: new Uint8Array(16), files: 3 }], false);
    expect(() => saveFolderStamps(db, 1, [{ dir: Buffer.from('x'), stamp: new Uint8Array(8), files: 1 }], false)).toThrow(/CHECK/);
    db.raw.prepare(`DELETE FROM stores`).run();
    expect(db.raw.prepare(`SELECT COUNT(*) AS n FROM folder_stamps`).get()).toEqual({ n: 0 });
    closeDb(db);
  });

  it('008 indexes the digests of a version-7 workspace by their 8-byte key', () => {
    const path = tempDbPath();
    const v7 = openWorkspaceDb(path, { migrations: migrations.slice(0, 7) });
    v7.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    const digest = 'ab'.repeat(32);
    v7.raw
      .prepare(`INSERT INTO files (store_id, rel_path, display_path, name, size, mtime_ns, ctime_ns, inode, device, kind, sha256, first_seen, last_seen) VALUES (1, CAST('m.bin' AS BLOB), 'm.bin', 'm.bin', 1, 1, 1, '1', '1', 'checkpoint', ?, 'now', 'now')`)
      .run(digest);
    expect(v7.raw.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'files_sha256'`).pluck().get()).toMatch(/ON files\(sha256\)/);
    closeDb(v7);
    // A workspace with files: the old index is dropped, and the new one is left to the index builder that opening a workspace starts.
    const db = openWorkspaceDb(path);
    expect(missingFileIndexes(db)).toEqual(['files_sha256']);
    expect(presentFilesWithSha256(db, digest).map((f) => f.path)).toEqual(['m.bin']); // by reading the rows, meanwhile
    expect(restoreFileIndexes(db)).toBe(1);
    expect(db.raw.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'files_sha256'`).pluck().get()).toBe(fileIndexDefinitions.files_sha256);
    expect(presentFilesWithSha256(db, digest).map((f) => f.path)).toEqual(['m.bin']);
    // An older Pedigree, open on the workspace through the migration, rebuilds the index to its own definition after its
    // first index: it is found stale, and built again as defined here.
    db.raw.exec(`DROP INDEX files_sha256; CREATE INDEX files_sha256 ON files(sha256) WHERE sha256 IS NOT NULL`);
    expect(missingFileIndexes(db)).toEqual(['files_sha256']);
    expect(restoreFileIndexes(db)).toBe(1);
    expect(db.raw.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'files_sha256'`).pluck().get()).toBe(fileIndexDefinitions.files_sha256);
    expect(missingFileIndexes(db)).toEqual([]);
    expect(restoreFileIndexes(db)).toBe(0);
    closeDb(db);
  });

  it('reject a list with gaps', () => {
    const db = openWorkspaceDb(':memory:');
    expect(() => runMigrations(db, [{ version: 2, name: 'x', up: () => {} }])).toThrow(/without gaps/);
    closeDb(db);
  });
});
