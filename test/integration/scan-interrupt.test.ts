import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import type { Finding, FileRow } from '../../src/shared/domain';
import { finished, indexStore, runCli, spawnCli } from '../helpers/cli';
import { tempDirs, waitFor } from '../helpers/temp';
import { ageTree, buildTree, sha256Of, type Entry } from '../helpers/tree';
import { integrityCheck, openWorkspace, rawFiles, scanStatuses } from '../helpers/workspace';

/**
 * Scans that do not run to their end: cancelled, killed, their store
 * unmounted, their files changing under them, their database turning
 * read-only. Hashing is slowed down (a sleep per 4 MB chunk) so that each
 * interruption lands mid-scan; the files are sparse, so they cost no disk.
 */

const temp = tempDirs('interrupt');
afterAll(() => temp.cleanup());

const MB = 1024 * 1024;

function bigFiles(prefix: string, n: number, size: number): [string, Entry][] {
  return Array.from({ length: n }, (_, i) => [`${prefix}${i}.bin`, { size, seed: `${prefix}${i} ${size}` }]);
}

async function filesOf(ws: Workspace): Promise<Map<string, FileRow>> {
  const { rows } = await ws.handlers().searchFiles({ includeMissing: true, sort: 'path', offset: 0, limit: 10_000 });
  return new Map(rows.map((r) => [r.path, r]));
}

async function findingsOf(ws: Workspace): Promise<Finding[]> {
  return (await ws.handlers().listFindings({ offset: 0, limit: 1000 })).rows;
}

/** Every stored digest must be the file's real one. */
function expectTrueDigests(store: string, files: Map<string, FileRow>): void {
  for (const [path, f] of files) if (f.sha256 && f.state === 'present') expect(f.sha256, path).toBe(sha256Of(join(store, path)));
}

describe('interrupted scans', () => {
  it('cancel stops within a second, keeps what was finished, and the next scan does only the rest', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [...bigFiles('shard-', 8, 12 * MB), ...Array.from({ length: 10 }, (_, i): [string, Entry] => [`meta/${i}.json`, `{"i": ${i}}`])]);
    ageTree(store);
    let ws = openWorkspace(db, { throttleMs: 150, hashThreads: 2 });
    const { store: rec } = ws.addStore({ path: store, scan: false });
    const handle = ws.rescan(rec.id);
    await waitFor('one large file hashed', () => handle.progress().bytesHashed >= 12 * MB);
    const t0 = performance.now();
    handle.cancel();
    const summary = await handle.done;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(summary.status).toBe('cancelled');
    expect(summary.hashed).toBeLessThan(18);
    let files = await filesOf(ws);
    const kept = new Map([...files].filter(([, f]) => f.sha256).map(([p, f]) => [p, f.sha256]));
    expect(kept.size).toBe(summary.hashed); // everything finished was stored
    expectTrueDigests(store, files);
    await ws.close();

    ws = openWorkspace(db);
    const next = await ws.rescan(rec.id).done;
    expect(next).toMatchObject({ status: 'done', files: 18, new: 0, unchanged: kept.size, hashed: 18 - kept.size });
    files = await filesOf(ws);
    for (const [p, sha] of kept) expect(files.get(p)!.sha256).toBe(sha);
    expect([...files.values()].every((f) => f.sha256)).toBe(true);
    expectTrueDigests(store, files);
    await ws.close();
  });

  it('a file that grows, shrinks or goes while hashed is reported and not stored as hashed; the next scan hashes it', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    // One hash thread: the two large files at the root are read first (the walker lists a folder's files
    // before its subfolders), and those under later/ wait their turn, so they change before they are opened.
    buildTree(store, [...bigFiles('first-', 2, 32 * MB), ...bigFiles('later/', 4, 8 * MB)]);
    ageTree(store);
    let ws = openWorkspace(db, { throttleMs: 100, hashThreads: 1 });
    const { store: rec } = ws.addStore({ path: store, scan: false });
    const handle = ws.rescan(rec.id);
    await waitFor('the walk to end', () => handle.progress().phase === 'hashing');
    await new Promise((r) => setTimeout(r, 250));
    expect(handle.progress().filesHashed).toBe(0);
    appendFileSync(join(store, 'later/0.bin'), 'grown before it was opened');
    truncateSync(join(store, 'later/1.bin'), MB);
    rmSync(join(store, 'later/2.bin'));
    appendFileSync(join(store, 'first-0.bin'), Buffer.alloc(MB, 1)); // being read now
    truncateSync(join(store, 'first-1.bin'), 4 * MB); // being read now
    const summary = await handle.done;
    expect(summary.status).toBe('done');

    const findings = await findingsOf(ws);
    const about = (path: string) => findings.filter((f) => f.path === path).map((f) => `${f.code}: ${f.message}`);
    for (const path of ['first-0.bin', 'first-1.bin', 'later/0.bin', 'later/1.bin']) {
      expect(about(path), path).toEqual([expect.stringMatching(/^file-unstable: .*(changed|grew).*not recorded as hashed/)]);
    }
    expect(about('later/2.bin')).toEqual([expect.stringMatching(/^read-enoent: deleted while the scan ran/)]);
    let files = await filesOf(ws);
    for (const path of ['first-0.bin', 'first-1.bin', 'later/0.bin', 'later/1.bin']) expect(files.get(path), path).toMatchObject({ state: 'present', sha256: null });
    expect(files.get('later/2.bin')!.state).toBe('missing');
    expect(files.get('later/3.bin')!.sha256).toBe(sha256Of(join(store, 'later/3.bin')));
    await ws.close();

    ws = openWorkspace(db);
    const next = await ws.rescan(rec.id).done;
    expect(next).toMatchObject({ status: 'done', files: 5, hashed: 4, unchanged: 1, missing: 0 });
    files = await filesOf(ws);
    expect([...files.values()].filter((f) => f.state === 'present').every((f) => f.sha256)).toBe(true);
    expectTrueDigests(store, files);
    expect(await findingsOf(ws)).toEqual([]);
    await ws.close();
  });

  it('a store unmounted mid-scan is marked offline and its index kept; a rescan when it is back works', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const away = join(dir, 'elsewhere');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [...bigFiles('ckpt-', 4, 12 * MB), ['config.json', '{}'], ['notes.txt', 'notes']]);
    ageTree(store);
    let ws = openWorkspace(db);
    const { store: rec } = ws.addStore({ path: store, scan: false });
    expect((await ws.rescan(rec.id).done).hashed).toBe(6);
    const indexed = await filesOf(ws);
    await ws.close();

    // New checkpoints arrive; the drive is unmounted while they are hashed, leaving an empty mount point.
    buildTree(store, bigFiles('incoming/', 4, 12 * MB));
    ageTree(join(store, 'incoming')); // not the indexed files: touching them would make them changed
    ws = openWorkspace(db, { throttleMs: 150, hashThreads: 1 });
    const handle = ws.rescan(rec.id);
    await waitFor('hashing to start', () => handle.progress().phase === 'hashing' && handle.progress().filesToHash === 4);
    renameSync(store, away);
    mkdirSync(store);
    const summary = await handle.done;
    expect(summary.status).toBe('failed');
    expect(summary.message).toMatch(/went away.*index is kept/);
    expect(ws.getStore(rec.id).status).toBe('offline');
    expect((await findingsOf(ws)).find((f) => f.code === 'store-offline')).toMatchObject({ path: '.', message: expect.stringContaining(store) });
    let files = await filesOf(ws);
    expect([...files.values()].filter((f) => f.state === 'missing')).toEqual([]);
    for (const [p, f] of indexed) expect(files.get(p)).toMatchObject({ state: 'present', sha256: f.sha256 });
    await ws.close();

    // Gone altogether when the next scan starts: the same.
    rmSync(store, { recursive: true });
    ws = openWorkspace(db);
    expect((await ws.rescan(rec.id).done).status).toBe('failed');
    expect(ws.getStore(rec.id).status).toBe('offline');
    expect([...(await filesOf(ws)).values()].filter((f) => f.state === 'missing')).toEqual([]);

    // Back again.
    renameSync(away, store);
    const back = await ws.rescan(rec.id).done;
    expect(back).toMatchObject({ status: 'done', files: 10, missing: 0, new: 0 });
    expect(ws.getStore(rec.id).status).toBe('online');
    files = await filesOf(ws);
    expect([...files.values()].every((f) => f.state === 'present' && f.sha256)).toBe(true);
    expectTrueDigests(store, files);
    await ws.close();
  });

  it('a scan killed mid-way resumes on the next run; the database is intact and nothing stored is lost', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [...bigFiles('shard-', 16, 12 * MB), ...Array.from({ length: 20 }, (_, i): [string, Entry] => [`meta/${i}.json`, `{"i": ${i}}`])]);
    ageTree(store);
    const child = spawnCli(['index', store, '--db', db], { throttleMs: 150 });
    const exited = finished(child);
    const hashedShards = () => {
      if (!existsSync(db)) return 0;
      try {
        return [...rawFiles(db).values()].filter((f) => f.display_path.startsWith('shard-') && f.sha256).length;
      } catch {
        return 0; // not created yet
      }
    };
    await waitFor('a large file stored', () => hashedShards() >= 1, 20_000, 25);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    expect(integrityCheck(db)).toBe('ok');
    expect(scanStatuses(db)).toEqual(['running']);
    const stored = new Map([...rawFiles(db)].filter(([, f]) => f.sha256).map(([p, f]) => [p, f]));
    expect(stored.size).toBeLessThan(36); // killed before the end
    for (const [p, f] of stored) expect(f.sha256, p).toBe(sha256Of(join(store, p)));

    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', files: 36, new: 0, missing: 0, unchanged: stored.size, hashed: 36 - stored.size });
    expect(scanStatuses(db)).toEqual(['interrupted', 'done']);
    expect(integrityCheck(db)).toBe('ok');
    const after = rawFiles(db);
    for (const [p, f] of stored) expect(after.get(p)).toMatchObject({ id: f.id, sha256: f.sha256 });
    for (const [p, f] of after) expect(f.sha256, p).toBe(sha256Of(join(store, p)));
  });

  it('a second process asked to scan a store another one is scanning refuses, naming it; after that one dies, it scans', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, bigFiles('shard-', 8, 12 * MB));
    ageTree(store);
    const first = spawnCli(['index', store, '--db', db], { throttleMs: 150 });
    const exited = finished(first);
    await waitFor('the first scan running', () => existsSync(db) && (() => { try { return scanStatuses(db).includes('running'); } catch { return false; } })(), 20_000, 25);
    const second = await runCli(['index', store, '--db', db]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`being scanned by another Pedigree on this machine \\(process ${first.pid}\\)`));
    first.kill('SIGKILL');
    await exited;
    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', files: 8 });
    expect(scanStatuses(db)).toEqual(['interrupted', 'done']);
  });

  it('a database that turns read-only mid-scan ends the scan with an error naming it; the index stays consistent', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, bigFiles('ckpt-', 4, 12 * MB));
    ageTree(store);
    let ws = openWorkspace(db, { throttleMs: 100, hashThreads: 1 });
    const { store: rec } = ws.addStore({ path: store, scan: false });
    const handle = ws.rescan(rec.id);
    await waitFor('hashing to start', () => handle.progress().phase === 'hashing');
    ws.db.raw.pragma('query_only = ON'); // every write from now on fails with SQLITE_READONLY
    const summary = await handle.done;
    expect(summary.status).toBe('failed');
    expect(summary.message).toContain(db);
    expect(summary.message).toMatch(/readonly/);
    ws.db.raw.pragma('query_only = OFF');
    await ws.close();

    expect(integrityCheck(db)).toBe('ok');
    ws = openWorkspace(db);
    const next = await ws.rescan(rec.id).done;
    expect(next).toMatchObject({ status: 'done', files: 4, missing: 0 });
    expectTrueDigests(store, await filesOf(ws));
    await ws.close();
    expect(scanStatuses(db)).toEqual(['interrupted', 'done']);
  });
});
