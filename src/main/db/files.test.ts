import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, type WritableDb } from './connection';
import { insertSeenFile, markFileMissing, searchFileRows, sha256PrefixParams, type FileQuery, type SeenFile } from './files';
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
    expect(filesWithDigest(db, 'sha256', twinA).map((f) => f.path)).toEqual(['a.safetensors']);
    expect(filesWithDigest(db, 'sha256', twinB).map((f) => f.path)).toEqual(['b.safetensors']);
    expect(presentFilesWithSha256(db, twinA).map((f) => f.path)).toEqual(['a.safetensors']);
    expect(presentFilesWithSha256(db, twinB).map((f) => f.path)).toEqual(['b.safetensors']);
    expect(nodesWithDigest(db, twinB).map((n) => n.key)).toEqual(['b']);
    expect(nodesWithDigest(db, twinA)).toEqual([]);
    expect(filesWithDigest(db, 'sha256', 'not a digest')).toEqual([]);
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
    const params = { sha256: twinA, d: twinA };
    for (const call of [(d: WritableDb) => filesWithDigest(d, 'sha256', twinA), (d: WritableDb) => presentFilesWithSha256(d, twinA)]) {
      const sql = asRun(call);
      expect(plan(sql, Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)))), sql).toMatch(/USING INDEX files_sha256 \(<expr>=\?\)/);
    }
    // Nodes by digest: declared digests, files by SHA-256 and by MD5, each through its index; no node is read but those found.
    const nodes = plan(asRun((d) => nodesWithDigest(d, twinA)), { d: twinA });
    expect(nodes).toMatch(/files_sha256 \(<expr>=\?\)/);
    expect(nodes).toMatch(/lineage_node_files_digest/);
    expect(nodes).toMatch(/files_md5/);
    expect(nodes).not.toMatch(/SCAN n\b/);
  });
});

describe('a page of the Files view', () => {
  let wide: WritableDb;
  beforeAll(() => {
    wide = openWorkspaceDb(join(dir, 'wide.db'));
    // 1,900 files nobody searches for, and 100 runs' files in two stores: names in mixed case, so that NOCASE order
    // differs from byte order; each path in both stores and sizes that repeat, so that the sorts have ties for the row id to break.
    const stores = [insertStore(wide, { path: '/w', name: 'w', followSymlinks: false, now }), insertStore(wide, { path: '/v', name: 'v', followSymlinks: false, now })];
    const digest = (i: number) => ({ sha256: (i === 123 ? 'beef' : 'cafe') + String(i).padStart(60, '0'), md5: null, racy: false });
    for (let i = 0; i < 2000; i++) {
      if (i % 20 === 0) {
        const run = i / 20;
        const path = `${run % 3 === 0 ? 'Run' : 'run'}-${String((run * 7919) % 50).padStart(3, '0')}/${run % 2 ? 'Model' : 'metrics'}.bin`;
        insertSeenFile(wide, stores[Math.floor(run / 50)]!.id, { ...seen(path), size: (run * 37) % 10 }, now, digest(i));
      } else insertSeenFile(wide, stores[0]!.id, { ...seen(`bulk/f${String(i).padStart(4, '0')}.bin`), size: i % 50 }, now, digest(i));
    }
  });
  afterAll(() => closeDb(wide));

  const page = (q: Partial<FileQuery>) => searchFileRows(wide, { sort: 'path', offset: 0, limit: 500, ...q });
  /** The statements a search ran, and each one's plan. */
  const plans = (q: Partial<FileQuery>) => {
    const sql: string[] = [];
    const params = { sort: 'path' as const, offset: 0, limit: 500, ...q };
    searchFileRows({ ...wide, statement: (text: string) => (sql.push(text), wide.statement(text)) }, params);
    return sql.map((text) => (wide.raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all({ like: `%${q.query ?? ''}%`, lo: 'beef', hi: 'beefg', limit: params.limit, offset: params.offset }) as { detail: string }[]).map((r) => r.detail).join('\n'));
  };

  it('is in the same order whether the index or the sorter orders it, page by page', () => {
    for (const sort of ['path', 'size-desc', 'size-asc', 'mtime-desc'] as const) {
      const whole = page({ query: 'un-', sort, limit: 100 }).rows.map((r) => r.id); // 100 of 2,000 rows: the sorter
      expect(whole).toHaveLength(100);
      const paged: number[] = [];
      // 20 at a time: the first two pages by walking the index, the rest by the sorter.
      for (let offset = 0; offset < 100; offset += 20) paged.push(...page({ query: 'un-', sort, offset, limit: 20 }).rows.map((r) => r.id));
      expect(paged, sort).toEqual(whole);
    }
    expect(plans({ query: 'un-', limit: 20 })[1]).not.toMatch(/TEMP B-TREE/);
    expect(plans({ query: 'un-', offset: 80, limit: 20 })[1]).toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    const paths = page({ query: 'un-', limit: 100 }).rows.map((r) => r.path);
    expect(paths).toEqual([...paths].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    expect(new Set(paths).size).toBeLessThan(paths.length); // ties there were
  });

  it('finds a rare match without walking the sort index, and a deep page of a long list by walking it', () => {
    expect(page({ query: 'beef' }).rows.map((r) => r.sha256?.slice(0, 4))).toEqual(['beef']);
    const rare = plans({ query: 'beef', sort: 'size-desc', limit: 50 });
    expect(rare[1]).toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    expect(rare[1]).not.toMatch(/files_size/);
    // The view scrolled far down a list of every file: the index walk stops at the page; a sort would keep every row above it.
    expect(plans({ offset: 1500, limit: 100 })[1]).toMatch(/SCAN f USING INDEX files_path_nocase/);
    expect(plans({ sort: 'size-desc', offset: 1500, limit: 100 })[1]).toMatch(/files_size/);
    expect(page({ offset: 1500, limit: 100 }).rows).toEqual(page({ limit: 2000 }).rows.slice(1500, 1600));
  });

  it('reads no page when nothing matches or the page is past the end', () => {
    expect(plans({ query: 'no-such-name' })).toHaveLength(1); // the count, and no page
    expect(page({ query: 'no-such-name' })).toEqual({ total: 0, rows: [] });
    expect(page({ offset: 2000 })).toEqual({ total: 2000, rows: [] });
  });
});

