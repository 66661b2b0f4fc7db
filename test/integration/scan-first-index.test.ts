import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finished, indexStore, listFiles, listStores, REPO, spawnCli, WORKERS_DIR } from '../helpers/cli';
import { Workspace } from '../../src/main/core/workspace';
import { closeDb, openWorkspaceDb } from '../../src/main/db/connection';
import type { ScanProgress } from '../../src/shared/domain';
import { tempDirs, waitFor } from '../helpers/temp';
import { ageTree, buildTree, sha256Of, type Entry } from '../helpers/tree';
import { walkTree } from '../helpers/walk';
import { integrityCheck, openWorkspace, rawFiles, scanStatuses, withDb } from '../helpers/workspace';

/**
 * A store's first index: walker threads share the tree between them and hash
 * small files as they list them, and the file indexes are dropped while the
 * rows go in and built again at the end (or when a killed scan's workspace is
 * opened next). Digests must be exactly what a scan through the pool gives.
 */

const temp = tempDirs('first-index');
afterAll(() => temp.cleanup());

const MB = 1024 * 1024;
const md5Of = (p: string | Buffer) => createHash('md5').update(readFileSync(p)).digest('hex');
const fileIndexes = (db: string) => withDb(db, (d) => (d.raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'files' AND sql IS NOT NULL ORDER BY name`).all() as { name: string }[]).map((r) => r.name));
const ALL_INDEXES = ['files_md5', 'files_path_nocase', 'files_sha256', 'files_size', 'files_store_kind'];

/** The built workers copied to `dir` (those `keep` says yes to), for tests that take one away or wrap it. */
function copyOfWorkers(dir: string, keep: (file: string) => boolean = () => true): string {
  mkdirSync(dir);
  // The index builder opens the workspace with better-sqlite3: found from the copies as from the originals.
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  for (const f of readdirSync(WORKERS_DIR)) if (keep(f)) copyFileSync(join(WORKERS_DIR, f), join(dir, f));
  return dir;
}

/** `n` small files in folders of `perDir`, some nested deeper, each with distinct content. */
function smallFiles(n: number, perDir: number): [string, Entry][] {
  return Array.from({ length: n }, (_, i): [string, Entry] => [`d${Math.floor(i / perDir) % 7}/e${Math.floor(i / perDir)}/f${i}.txt`, `file ${i} ${'x'.repeat(i % 300)}`]);
}

describe('a first index', () => {
  it('stores the same digests, kinds and MD5s as a scan through the pool, for every kind of file', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]);
    const gguf = Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(40)]);
    buildTree(store, [
      ...smallFiles(2600, 100), // past the point where the file indexes are dropped
      ...Array.from({ length: 3000 }, (_, i): [string, Entry] => [`flat/img${i}.txt`, `image ${i}`]), // one big folder: shared between the walkers
      ['empty.txt', ''],
      ['big.bin', { size: 3 * MB, seed: 'big' }], // above the small-file limit: hashed in the pool
      ['model.bin', zip], // magic bytes: a PyTorch zip checkpoint
      ['weights', gguf], // no extension, GGUF magic
      [Buffer.from('caf\xe9.txt', 'latin1'), 'latin-1 name'],
      ['proj/dvc.yaml', 'stages: {}\n'],
      ['proj/data/train.csv', 'a,b\n1,2\n'],
      ['proj/data/big.csv', { size: 2 * MB, seed: 'csv' }],
    ]);
    linkSync(join(store, 'model.bin'), join(store, 'model-link.bin'));
    ageTree(store);

    const { code, summary } = await indexStore(store, join(dir, 'first.db'));
    expect(code).toBe(0);
    const total = 2600 + 3000 + 9;
    expect(summary).toMatchObject({ status: 'done', files: total, new: total, hashed: total, errors: 0 });
    const first = await listFiles(join(dir, 'first.db'));
    expect(first.size).toBe(total);
    for (const [p, f] of first) {
      const real = p.startsWith('caf') ? Buffer.concat([Buffer.from(`${store}/`), Buffer.from('caf\xe9.txt', 'latin1')]) : join(store, p);
      expect(f.sha256, p).toBe(sha256Of(real));
      expect(f.md5, p).toBe(p.startsWith('proj/') ? md5Of(real) : null);
    }
    expect(first.get('model.bin')).toMatchObject({ kind: 'checkpoint', format: 'pytorch' });
    expect(first.get('weights')).toMatchObject({ kind: 'checkpoint', format: 'gguf' });
    expect(fileIndexes(join(dir, 'first.db'))).toEqual(ALL_INDEXES);

    // The same tree indexed through the pool (a store with an index already: the rescan reads every file again).
    const second = join(dir, 'second.db');
    await indexStore(store, second);
    const again = await indexStore(store, second, { extra: ['--rehash'] });
    expect(again.summary).toMatchObject({ status: 'done', hashed: total, unchanged: 0 });
    const pooled = await listFiles(second);
    for (const [p, f] of first) expect({ sha256: f.sha256, md5: f.md5, kind: f.kind, format: f.format }, p).toEqual({ sha256: pooled.get(p)!.sha256, md5: pooled.get(p)!.md5, kind: pooled.get(p)!.kind, format: pooled.get(p)!.format });
  });

  it('killed while its file indexes are dropped: the next open builds them, and the next scan finishes the work', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [...smallFiles(3000, 250), ...Array.from({ length: 12 }, (_, i): [string, Entry] => [`shards/${i}.bin`, { size: 12 * MB, seed: `shard ${i}` }])]);
    ageTree(store);
    const child = spawnCli(['index', store, '--db', db], { throttleMs: 150 });
    const exited = finished(child);
    const smallRows = () => {
      if (!existsSync(db)) return 0;
      try {
        return withDb(db, (d) => (d.raw.prepare(`SELECT COUNT(*) AS n FROM files WHERE sha256 IS NOT NULL AND display_path NOT LIKE 'shards/%'`).get() as { n: number }).n);
      } catch {
        return 0;
      }
    };
    await waitFor('the small files stored', () => smallRows() === 3000, 20_000, 25);
    expect(fileIndexes(db)).toEqual([]); // dropped while the rows go in; the big files still hash, slowly
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(integrityCheck(db)).toBe('ok');

    const ws = openWorkspace(db); // rebuilds them on a worker; idle() waits for it
    await ws.idle();
    expect(fileIndexes(db)).toEqual(ALL_INDEXES);
    await ws.close();
    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', files: 3012, new: 0, missing: 0, unchanged: 3000 });
    expect(scanStatuses(db)).toEqual(['interrupted', 'done']);
    for (const [p, f] of rawFiles(db)) expect(f.sha256, p).toBe(sha256Of(join(store, p)));
  });

  it('rebuilds the dropped indexes on the scanning thread when the index-building worker cannot start', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const workers = copyOfWorkers(join(dir, 'workers'), (f) => !f.startsWith('index-build'));
    buildTree(store, smallFiles(2500, 250));
    ageTree(store);
    const db = join(dir, 'pedigree.db');
    const ws = Workspace.open({ dbPath: db, workersDir: workers, mode: 'cli', version: 'test' });
    try {
      const summary = await ws.addStore({ path: store }).scan!.done;
      await ws.idle();
      expect(summary).toMatchObject({ status: 'done', files: 2500, hashed: 2500 });
      expect(fileIndexes(db)).toEqual(ALL_INDEXES);
    } finally {
      await ws.close();
    }
  });

  it('past the size whose rebuild keeps the write lock short, rebuilds the indexes mid-scan and goes on with them in place', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    buildTree(store, [...smallFiles(9000, 500), ['big.bin', { size: 3 * MB, seed: 'big' }]]);
    ageTree(store);
    // The index builder as built, behind a wrapper that notes when it starts.
    const workers = copyOfWorkers(join(dir, 'workers'));
    const started = join(dir, 'rebuilds.log');
    renameSync(join(workers, 'index-build.js'), join(workers, 'index-build-real.js'));
    writeFileSync(join(workers, 'index-build.js'), `require('node:fs').appendFileSync(${JSON.stringify(started)}, Date.now() + '\\n');\nrequire('./index-build-real.js');\n`);
    const db = join(dir, 'pedigree.db');
    const ws = Workspace.open({ dbPath: db, workersDir: workers, mode: 'cli', version: 'test', bulkMaxRows: 4000 });
    try {
      const summary = await ws.addStore({ path: store }).scan!.done;
      const scanEnded = Date.now();
      await ws.idle();
      expect(summary).toMatchObject({ status: 'done', files: 9001, new: 9001, hashed: 9001, errors: 0 });
      const rebuilds = readFileSync(started, 'utf8').trim().split('\n').map(Number);
      expect(rebuilds.length).toBe(1); // once, in the middle: the rest went in with the indexes in place
      expect(rebuilds[0]).toBeLessThan(scanEnded);
      expect(fileIndexes(db)).toEqual(ALL_INDEXES);
      const rows = rawFiles(db);
      expect(rows.size).toBe(9001);
      for (const [p, f] of rows) expect(f.sha256, p).toBe(sha256Of(join(store, p)));
    } finally {
      await ws.close();
    }
  });

  it('writes what is left when a rebuild in the middle of the scan starts after the walk: the last digests, kinds and missing marks wait for it', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const n = 6000;
    buildTree(store, smallFiles(n, 300));
    // Hashed by the pool after the walk, slowly: the flush that crosses the limit comes while they are read.
    const head = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(head.length));
    writeFileSync(join(store, 'real-big.bin'), Buffer.concat([len, head, Buffer.alloc(24 * MB, 1)]));
    writeFileSync(join(store, 'quick-big.bin'), Buffer.alloc(2 * MB, 2));
    writeFileSync(join(store, 'a.txt'), 'two names');
    linkSync(join(store, 'a.txt'), join(store, 'a-link.txt'));
    ageTree(store);
    // The builder as built, 3 s slow to start once told to go (as five indexes over a million rows are).
    const workers = copyOfWorkers(join(dir, 'workers'));
    renameSync(join(workers, 'index-build.js'), join(workers, 'index-build-real.js'));
    writeFileSync(
      join(workers, 'index-build.js'),
      `const p = require('node:worker_threads').parentPort; const once = p.once.bind(p);\np.once = (ev, fn) => once(ev, (m) => (m === 'go' ? setTimeout(() => fn(m), 3000) : fn(m)));\nrequire('./index-build-real.js');\n`,
    );
    const db = join(dir, 'pedigree.db');
    const ws = Workspace.open({ dbPath: db, workersDir: workers, mode: 'cli', version: 'test', bulkMaxRows: n + 4, throttleMs: 150, hashThreads: 2 });
    try {
      const summary = await ws.addStore({ path: store }).scan!.done;
      await ws.idle();
      expect(summary).toMatchObject({ status: 'done', files: n + 4, hashed: n + 4, errors: 0 });
      const rows = rawFiles(db);
      for (const [p, f] of rows) expect(f.sha256, p).toBe(sha256Of(join(store, p)));
      expect(withDb(db, (d) => d.raw.prepare(`SELECT kind, format FROM files WHERE display_path = 'real-big.bin'`).get())).toEqual({ kind: 'checkpoint', format: 'safetensors' });
      expect(fileIndexes(db)).toEqual(ALL_INDEXES);
    } finally {
      await ws.close();
    }
  }, 60_000);

  it('keys paths by their bytes: a name in UTF-8 and its latin-1 twin stay two files, and a re-scan finds both unchanged', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    buildTree(store, [
      ['caf\u00e9.txt', 'utf-8 name'],
      [latin1('caf\xe9.txt'), 'latin-1 name'],
      [Buffer.concat([latin1('d\xefr/'), Buffer.from('inner.txt')]), 'below a latin-1 folder'],
      ['plain.txt', 'ascii'],
    ]);
    ageTree(store);
    expect((await indexStore(store, db)).summary).toMatchObject({ status: 'done', files: 4, new: 4, hashed: 4 });
    const again = await indexStore(store, db);
    expect(again.summary).toMatchObject({ status: 'done', files: 4, unchanged: 4, new: 0, changed: 0, missing: 0, hashed: 0 });
    rmSync(Buffer.concat([Buffer.from(`${store}/`), latin1('caf\xe9.txt')]));
    const third = await indexStore(store, db);
    expect(third.summary).toMatchObject({ status: 'done', files: 3, unchanged: 3, missing: 1 });
    const rows = [...rawFiles(db).values()];
    expect(rows.filter((r) => r.state === 'missing').map((r) => r.rel_path.toString('latin1'))).toEqual(['caf\xe9.txt']);
  });

  it('walks with any number of walker threads to the same files, once each, however the folders are shared', async () => {
    const root = temp.make();
    const chain = Array.from({ length: 40 }, (_, i) => `c${i}`).join('/');
    // Wide and deep: many folders of one file, a few big folders, a long chain, and one flat folder big enough to be shared out.
    buildTree(root, [...smallFiles(1500, 3), ...Array.from({ length: 400 }, (_, i): [string, Entry] => [`wide/w${i}/only.txt`, String(i)]), [`${chain}/deep.txt`, 'deep'], ...Array.from({ length: 6000 }, (_, i): [string, Entry] => [`flat/x${i}.txt`, String(i)])]);
    const one = await walkTree(root, { threads: 1, batchSize: 64 });
    expect(one.files.size).toBe(1500 + 400 + 1 + 6000);
    for (const threads of [2, 5]) {
      const many = await walkTree(root, { threads, batchSize: 64 });
      expect(many.error).toBeNull();
      expect([...many.files.keys()].sort()).toEqual([...one.files.keys()].sort());
    }
  });
});

/** Mounting needs CAP_SYS_ADMIN: root on a machine (or container) that allows it. */
function canMount(): boolean {
  const probe = temp.make();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'pedigree-probe', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const MOUNT = canMount();

describe('a store on a disk that is unmounted between scans', () => {
  it.skipIf(!MOUNT)(`goes offline with its index kept instead of having every file marked missing, and is online again when the disk is back (${MOUNT ? 'tmpfs mounted for real' : 'skipped: mounting needs root with CAP_SYS_ADMIN'})`, async () => {
    const dir = temp.make();
    const mountPoint = join(dir, 'usb');
    const db = join(dir, 'pedigree.db');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'pedigree-test', mountPoint]);
    try {
      buildTree(mountPoint, [['model.safetensors', 'weights'], ['data/train.csv', 'a,b\n']]);
      ageTree(mountPoint);
      expect((await indexStore(mountPoint, db)).summary).toMatchObject({ status: 'done', files: 2 });
      execFileSync('umount', [mountPoint]); // the empty mount point is left
      const { code, summary } = await indexStore(mountPoint, db);
      expect(code).toBe(1);
      expect(summary).toMatchObject({ status: 'failed', missing: 0 });
      expect(summary.message).toMatch(/nothing is mounted.*index is kept/);
      expect((await listStores(db))[0]!.status).toBe('offline');
      expect([...(await listFiles(db)).values()].map((f) => f.state)).toEqual(['present', 'present']);

      // Files written into the plain folder: that is a folder in use, not an unmounted disk; it is scanned (and never stuck offline).
      writeFileSync(join(mountPoint, 'stray.txt'), 'written while unmounted');
      const plain = await indexStore(mountPoint, db);
      expect(plain.summary).toMatchObject({ status: 'done', files: 1, new: 1, missing: 2 });
      expect((await listStores(db))[0]!.status).toBe('online');
      rmSync(join(mountPoint, 'stray.txt'));

      // Mounted again (a tmpfs comes back empty: the files are put back as the disk would bring them).
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'pedigree-test', mountPoint]);
      buildTree(mountPoint, [['model.safetensors', 'weights'], ['data/train.csv', 'a,b\n']]);
      ageTree(mountPoint);
      const back = await indexStore(mountPoint, db);
      expect(back.summary).toMatchObject({ status: 'done', files: 2, missing: 1 }); // stray.txt, gone with the plain folder's content
      expect((await listStores(db))[0]!.status).toBe('online');
    } finally {
      try {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      } catch {
        // unmounted by the test already
      }
    }
  });
});

describe('a first index of a whole disk', () => {
  it.skipIf(!MOUNT)(`reckons its progress from the disk's used space while the walk goes on (${MOUNT ? 'tmpfs mounted for real' : 'skipped: mounting needs root with CAP_SYS_ADMIN'})`, async () => {
    const dir = temp.make();
    const disk = join(dir, 'usb');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'pedigree-test', disk]);
    try {
      buildTree(disk, Array.from({ length: 4 }, (_, i): [string, Entry] => [`shard-${i}.bin`, randomBytes(6 * MB)]));
      ageTree(disk);
      const ws = openWorkspace(join(dir, 'pedigree.db'), { throttleMs: 50, hashThreads: 1 });
      try {
        const seen: ScanProgress[] = [];
        ws.onEvent((e) => void (e.type === 'scan.progress' && seen.push(e.progress)));
        const summary = await ws.addStore({ path: disk }).scan!.done;
        expect(summary).toMatchObject({ status: 'done', files: 4, hashed: 4 });
        const expected = seen.find((p) => p.expectedBytes !== null)?.expectedBytes ?? 0;
        expect(expected).toBeGreaterThanOrEqual(24 * MB); // the tmpfs's used pages: the four files
        expect(expected).toBeLessThan(32 * MB);
      } finally {
        await ws.close();
      }
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});

describe('a bind mount of a store inside itself', () => {
  it.skipIf(!MOUNT)(`is walked once, the loop reported (${MOUNT ? 'bind-mounted for real' : 'skipped: mounting needs root with CAP_SYS_ADMIN'})`, async () => {
    const root = temp.make();
    buildTree(root, [['a.txt', 'a'], ['sub/b.txt', 'b'], ['sub/loop', { dir: true }]]);
    execFileSync('mount', ['--bind', root, join(root, 'sub/loop')]);
    try {
      const w = await walkTree(root, { threads: 2 });
      expect([...w.files.keys()].sort()).toEqual(['a.txt', 'sub/b.txt']);
      expect(w.findings.get('sub/loop')).toMatchObject({ code: 'symlink-loop', message: expect.stringMatching(/one of the folders above it/) });
    } finally {
      execFileSync('umount', [join(root, 'sub/loop')]);
    }
  });
});

/** A store of a.txt and b.txt, indexed; both files then deleted. */
async function indexedThenEmptied(before?: (db: string) => void): Promise<{ store: string; db: string }> {
  const dir = temp.make();
  const store = join(dir, 'store');
  const db = join(dir, 'pedigree.db');
  buildTree(store, [['a.txt', 'a'], ['b.txt', 'b']]);
  ageTree(store);
  await indexStore(store, db);
  before?.(db);
  rmSync(join(store, 'a.txt'));
  rmSync(join(store, 'b.txt'));
  return { store, db };
}

describe('a folder emptied between scans (no mount involved)', () => {
  it('marks its files missing, as it should: only an empty mount point is taken for an unmounted disk', async () => {
    const { store, db } = await indexedThenEmptied();
    writeFileSync(join(store, 'c.txt'), 'c');
    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', missing: 2, new: 1 });
    expect((await listStores(db))[0]!.status).toBe('online');
  });
});

describe('an empty store folder whose index is from before Pedigree recorded store roots', () => {
  it('goes offline with its index kept: it may be an unmounted disk; once a scan records the folder, emptying it marks files missing', async () => {
    const { store, db } = await indexedThenEmptied((path) => {
      // As migration 006 leaves a store indexed before it: no root recorded.
      const w = openWorkspaceDb(path);
      w.raw.prepare(`UPDATE stores SET root_id = NULL, root_is_mount = NULL`).run();
      closeDb(w);
    });

    const { code, summary } = await indexStore(store, db);
    expect(code).toBe(1);
    expect(summary).toMatchObject({ status: 'failed', missing: 0 });
    expect(summary.message).toMatch(/store folder .* is empty, but 2 indexed files were in it.*unmounted disk.*index is kept/);
    const [listed] = await listStores(db);
    expect(listed).toMatchObject({ status: 'offline', offlineReason: expect.stringMatching(/is empty, but 2 indexed files/) });
    expect([...(await listFiles(db)).values()].map((f) => f.state)).toEqual(['present', 'present']);

    // The disk is back: scanned, and the folder recorded.
    buildTree(store, [['a.txt', 'a'], ['b.txt', 'b']]);
    ageTree(store);
    expect((await indexStore(store, db)).summary).toMatchObject({ status: 'done', files: 2, missing: 0 });
    rmSync(join(store, 'a.txt'));
    rmSync(join(store, 'b.txt'));
    // A plain folder, known to be one, emptied: its files are missing.
    expect((await indexStore(store, db)).summary).toMatchObject({ status: 'done', files: 0, missing: 2 });
    expect((await listStores(db))[0]!.status).toBe('online');
  });
});
