import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, type WritableDb } from './connection';
import { fileBySha256, insertSeenFile, missingFilesByDigest, markFileMissing, searchFileRows, sha256PrefixParams, type FileQuery, type SeenFile } from './files';
import { filesWithDigest, nodesWithDigest, searchNodes } from './lineage';
import { presentFilesWithSha256 } from './registry';
import { insertStore } from './stores';

/**
 * files_sha256 indexes a digest's first 8 bytes (migration 008). Each lookup
 * by digest must find its files through that index (a 100,000-file workspace
 * would otherwise be read row by row) and must still tell apart two digests
 * that share those 8 bytes.
 */
const twinA = `0123456789abcdef${'a'.repeat(48)}`;
const twinB = `0123456789abcdef${'b'.repeat(48)}`; // the same key as twinA, another digest
const other = `fedcba9876543210${'c'.repeat(48)}`;

let dir: string;
let db: WritableDb;
const now = '2026-12-07T00:00:00.000Z';
const seen = (path: string): SeenFile => ({ relPath: Buffer.from(path), displayPath: path, name: path, size: 10, mtimeNs: 1n, ctimeNs: 1n, inode: String(path.length), device: '1', kind: 'checkpoint', format: 'safetensors' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pedigree-files-'));
  db = openWorkspaceDb(join(dir, 'workspace.db'));
  const store = insertStore(db, { path: '/s', name: 's', followSymlinks: false, now });
  const ids = [
    insertSeenFile(db, store.id, seen('a.safetensors'), now, { sha256: twinA, md5: null, racy: false }),
    insertSeenFile(db, store.id, seen('b.safetensors'), now, { sha256: twinB, md5: null, racy: false }),
    insertSeenFile(db, store.id, seen('gone.safetensors'), now, { sha256: twinA, md5: null, racy: false }),
    insertSeenFile(db, store.id, seen('c.safetensors'), now, { sha256: other, md5: null, racy: false }),
  ];
  markFileMissing(db, ids[2]!, now);
  const node = db.raw.prepare(`INSERT INTO lineage_nodes (store_id, key, kind, label, readers) VALUES (?, 'b', 'checkpoint', 'b', '[]')`).run(store.id).lastInsertRowid;
  db.raw.prepare(`INSERT INTO lineage_node_files (node_id, path, file_id) VALUES (?, 'b.safetensors', ?)`).run(node, ids[1]);
});
afterAll(() => {
  closeDb(db);
  rmSync(dir, { recursive: true, force: true });
});

const plan = (sql: string, params: Record<string, unknown>): string => (db.raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');

describe('lookups by SHA-256 through the 8-byte key', () => {
  it('find exactly the files with the digest, not those that share its key', () => {
    expect(fileBySha256(db, twinA).map((f) => f.displayPath)).toEqual(['a.safetensors']);
    expect(fileBySha256(db, twinB).map((f) => f.displayPath)).toEqual(['b.safetensors']);
    expect(filesWithDigest(db, 'sha256', twinB).map((f) => f.path)).toEqual(['b.safetensors']);
    expect(presentFilesWithSha256(db, twinA).map((f) => f.path)).toEqual(['a.safetensors']);
    expect(missingFilesByDigest(db, 1, twinA)).toHaveLength(1);
    expect(missingFilesByDigest(db, 1, twinB)).toHaveLength(0);
    expect(nodesWithDigest(db, twinB).map((n) => n.key)).toEqual(['b']);
    expect(nodesWithDigest(db, twinA)).toEqual([]);
    expect(fileBySha256(db, 'not a digest')).toEqual([]);
  });

  it('search digest prefixes of any length, odd ones and whole digests included, in either case', () => {
    const keys = (text: string) => searchNodes(db, { text, limit: 10 }).rows.map((n) => n.key);
    expect(keys('0123456')).toEqual(['b']);
    expect(keys('0123456789ABCDEFB')).toEqual(['b']);
    expect(keys('0123456789abcdefa')).toEqual([]);
    expect(keys(twinB)).toEqual(['b']);
    expect(keys('fedcba')).toEqual([]);
    expect(sha256PrefixParams('abc')).toEqual({ lo: 'abc', hi: 'abcg', keyLo: Buffer.from('abc0000000000000', 'hex'), keyHi: Buffer.from('abcfffffffffffff', 'hex') });
  });

  it('use files_sha256 in every query that looks a digest up', () => {
    // The statements as the functions run them, recorded on their way to SQLite.
    const asRun = (call: (d: WritableDb) => unknown): string => {
      const sql: string[] = [];
      call({ ...db, statement: (text: string) => (sql.push(text), db.statement(text)) });
      expect(sql).toHaveLength(1);
      return sql[0]!;
    };
    const params = { storeId: 1, sha256: twinA, d: twinA };
    for (const call of [(d: WritableDb) => missingFilesByDigest(d, 1, twinA), (d: WritableDb) => fileBySha256(d, twinA), (d: WritableDb) => filesWithDigest(d, 'sha256', twinA), (d: WritableDb) => presentFilesWithSha256(d, twinA)]) {
      const sql = asRun(call);
      expect(plan(sql, Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)))), sql).toMatch(/USING INDEX files_sha256 \(<expr>=\?\)/);
    }
  });
});

describe('a page of the Files view', () => {
  let wide: WritableDb;
  beforeAll(() => {
    wide = openWorkspaceDb(join(dir, 'wide.db'));
    // 400 files in two stores: names in mixed case, so that NOCASE order differs from byte order; each path
    // in both stores and sizes that repeat, so that the sorts have ties for the row id to break.
    const stores = [insertStore(wide, { path: '/w', name: 'w', followSymlinks: false, now }), insertStore(wide, { path: '/v', name: 'v', followSymlinks: false, now })];
    for (let i = 0; i < 400; i++) {
      const path = `${i % 3 === 0 ? 'Run' : 'run'}-${String((i * 7919) % 200).padStart(3, '0')}/${i % 2 ? 'Model' : 'metrics'}.bin`;
      insertSeenFile(wide, stores[Math.floor(i / 200)]!.id, { ...seen(path), size: (i * 37) % 50 }, now, { sha256: (i === 123 ? 'beef' : 'cafe') + String(i).padStart(60, '0'), md5: null, racy: false });
    }
  });
  afterAll(() => closeDb(wide));

  const page = (q: Partial<FileQuery>) => searchFileRows(wide, { sort: 'path', offset: 0, limit: 500, ...q });

  it('is in the same order whether the index or the sorter orders it', () => {
    for (const sort of ['path', 'size-desc', 'size-asc', 'mtime-desc'] as const) {
      const whole = page({ sort, limit: 400 }).rows.map((r) => r.id); // 400 of 400: the sorter
      const byIndex: number[] = [];
      for (let offset = 0; offset < 400; offset += 20) byIndex.push(...page({ sort, offset, limit: 20 }).rows.map((r) => r.id)); // 20 of 400: the index
      expect(byIndex, sort).toEqual(whole);
    }
    const paths = page({ limit: 400 }).rows.map((r) => r.path);
    expect(paths).toEqual([...paths].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    expect(page({ query: 'model' }).rows).toHaveLength(200);
  });

  it('finds a rare match without walking the sort index, and skips the page when nothing matches', () => {
    expect(page({ query: 'beef' }).rows.map((r) => r.sha256?.slice(0, 4))).toEqual(['beef']);
    expect(page({ query: 'beef', sort: 'size-desc' }).total).toBe(1);
    expect(page({ query: 'no-such-name' })).toEqual({ total: 0, rows: [] });
    expect(page({ offset: 400 })).toEqual({ total: 400, rows: [] });
    const sql: string[] = [];
    searchFileRows({ ...wide, statement: (text: string) => (sql.push(text), wide.statement(text)) }, { query: 'beef', sort: 'size-desc', offset: 0, limit: 50 });
    expect(sql).toHaveLength(2);
    expect(plan2(wide, sql[1]!)).toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    expect(plan2(wide, sql[1]!)).not.toMatch(/files_size/);
  });
});

const plan2 = (d: WritableDb, sql: string): string => (d.raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ like: '%beef%', lo: 'beef', hi: 'beefg', limit: 50, offset: 0 }) as { detail: string }[]).map((r) => r.detail).join('\n');
