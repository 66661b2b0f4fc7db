import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb } from '../../src/main/db/connection';
import { takeFolderStamps } from '../../src/main/db/stamps';
import type { ScanSummary } from '../../src/shared/domain';
import { indexStore, type CliOptions } from '../helpers/cli';
import { isRoot, NEEDS_ROOT, NOBODY } from '../helpers/privileges';
import { tempDirs } from '../helpers/temp';
import { ageTree, buildTree, openUp } from '../helpers/tree';
import { openWorkspace, rawFiles, withDb } from '../helpers/workspace';

/**
 * Folder stamps (migration 007): a re-scan takes a folder whose listing has
 * the stamp the last complete scan left as unchanged, without comparing its
 * files with the index. Each case here is scanned twice from the same
 * index, once with the stamps and once with them deleted (every file
 * compared, as before stamps): the index and the counts must come out the same.
 */

const temp = tempDirs('stamps');
afterAll(() => temp.cleanup());

const NOT_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0xff, 0x2e, 0x62, 0x69, 0x6e]); // "bad\xff.bin"

function fixture(): { store: string; db: string; dir: string } {
  const dir = temp.make();
  const store = join(dir, 'store');
  buildTree(store, [
    ['README.md', '# store\n'],
    ['models/a.safetensors', 'weights a'],
    ['models/b.safetensors', 'weights b'],
    ['models/old/c.safetensors', 'weights c'],
    ['data/train.jsonl', '{"x": 1}\n'],
    ['data/test.jsonl', '{"x": 2}\n'],
    ['data/more/part-0.csv', 'a,b\n1,2\n'],
  ]);
  writeFileSync(Buffer.concat([Buffer.from(join(store, 'data')), Buffer.from('/'), NOT_UTF8]), 'odd name');
  openUp(store);
  ageTree(store);
  return { store, db: join(dir, 'pedigree.db'), dir };
}

/** Gives files a day-old mtime, so that none is racy, without touching the stat of any other file (ageTree changes every ctime). */
function age(store: string, ...paths: string[]): void {
  const then = Date.now() / 1000 - 86400;
  for (const p of paths) utimesSync(join(store, p), then, then);
}

interface Stamps {
  dirs: Map<string, number>;
  coverAll: boolean;
}

function stampsOf(db: string): Stamps {
  return withDb(db, (d) => ({
    dirs: new Map((d.raw.prepare(`SELECT dir, files FROM folder_stamps`).all() as { dir: Buffer; files: number }[]).map((r) => [r.dir.toString('latin1'), r.files])),
    coverAll: (d.raw.prepare(`SELECT stamps_cover_all AS c FROM stores`).get() as { c: number }).c === 1,
  }));
}

/** What a stamp promises, checked against the rows: the folder's present files are `files` in number, each hashed and not racy. */
function expectStampsHonest(db: string): void {
  withDb(db, (d) => {
    const rows = d.raw.prepare(`SELECT rel_path, sha256, racy, state FROM files`).all() as { rel_path: Buffer; sha256: string | null; racy: number; state: string }[];
    const present = new Map<string, { sha256: string | null; racy: number }[]>();
    for (const r of rows) {
      if (r.state !== 'present') continue;
      const slash = r.rel_path.lastIndexOf(0x2f);
      const dir = slash < 0 ? '' : r.rel_path.subarray(0, slash).toString('latin1');
      present.set(dir, [...(present.get(dir) ?? []), r]);
    }
    for (const s of d.raw.prepare(`SELECT dir, files FROM folder_stamps`).all() as { dir: Buffer; files: number }[]) {
      const files = present.get(s.dir.toString('latin1')) ?? [];
      expect(files.length, `files of ${s.dir.toString('latin1')}`).toBe(s.files);
      for (const f of files) expect(f.sha256 !== null && f.racy === 0).toBe(true);
    }
  });
}

/** A copy of the index with its stamps deleted: the scan of it compares every file. */
function withoutStamps(db: string, copy: string): void {
  for (const ext of ['', '-wal', '-shm']) if (existsSync(db + ext)) copyFileSync(db + ext, copy + ext);
  const d = openWorkspaceDb(copy);
  try {
    takeFolderStamps(d, 1); // as a scan that then does not complete
  } finally {
    closeDb(d);
  }
}

const COUNTS = ['status', 'files', 'bytes', 'new', 'changed', 'moved', 'missing', 'unchanged', 'hashed', 'bytesHashed', 'errors'] as const;
const counts = (s: ScanSummary) => Object.fromEntries(COUNTS.map((k) => [k, s[k]]));
const rowsOf = (db: string) =>
  [...rawFiles(db).values()]
    .map((r) => ({ id: r.id, path: r.rel_path.toString('latin1'), size: r.size, mtime: r.mtime_ns, ctime: r.ctime_ns, inode: r.inode, sha256: r.sha256, md5: (r as unknown as { md5: string | null }).md5, kind: (r as unknown as { kind: string }).kind, racy: r.racy, state: r.state }))
    .sort((a, b) => Number(a.id - b.id));

/** Re-scans with the stamps and without: the same index, the same counts. Returns the summary of the scan with them. */
async function rescanBothWays(f: { store: string; db: string; dir: string }, opts: CliOptions = {}): Promise<ScanSummary> {
  const plain = join(f.dir, `plain-${Math.random().toString(36).slice(2)}.db`);
  withoutStamps(f.db, plain);
  if (opts.as) for (const ext of ['', '-wal', '-shm']) if (existsSync(plain + ext)) chownSync(plain + ext, opts.as.uid, opts.as.gid);
  const withStamps = (await indexStore(f.store, f.db, opts)).summary;
  const compared = (await indexStore(f.store, plain, opts)).summary;
  expect(compared.unchangedFolders).toBe(0);
  expect(counts(withStamps)).toEqual(counts(compared));
  expect(rowsOf(f.db)).toEqual(rowsOf(plain));
  expectStampsHonest(f.db);
  expect(stampsOf(f.db)).toEqual(stampsOf(plain));
  return withStamps;
}

describe('folder stamps', () => {
  it('let an unchanged re-scan take every folder from its stamp, and stamp only folders whose files are all hashed', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    const stamps = stampsOf(f.db);
    expect([...stamps.dirs.keys()].sort()).toEqual(['', 'data', 'data/more', 'models', 'models/old']);
    expect(stamps.dirs.get('data')).toBe(3);
    expect(stamps.coverAll).toBe(true);
    expectStampsHonest(f.db);
    const again = await rescanBothWays(f);
    expect(again).toMatchObject({ status: 'done', files: 8, unchanged: 8, hashed: 0, unchangedFolders: 5 });
  });

  it('see a changed, a new, a renamed and a deleted file, each in a folder of its own, the other folders from their stamps', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    writeFileSync(join(f.store, 'models/a.safetensors'), 'weights a, trained longer');
    writeFileSync(join(f.store, 'data/more/part-1.csv'), 'a,b\n3,4\n');
    renameSync(join(f.store, 'models/old/c.safetensors'), join(f.store, 'c.safetensors'));
    age(f.store, 'models/a.safetensors', 'data/more/part-1.csv');
    const s = await rescanBothWays(f);
    expect(s).toMatchObject({ changed: 1, new: 1, moved: 1, missing: 0 });
    expect(s.unchangedFolders).toBe(1); // data: its non-UTF-8 name too is kept from the snapshot's end
    rmSync(join(f.store, 'data/test.jsonl'));
    // models and data/more; not the store folder, where the renamed file came in (a moved row is compared file by file once more).
    expect(await rescanBothWays(f)).toMatchObject({ missing: 1, unchangedFolders: 2 });
    expect(await rescanBothWays(f)).toMatchObject({ unchanged: 8, unchangedFolders: 4 });
  });

  it('mark the files of a deleted folder missing, whether or not it had a stamp', async () => {
    const f = fixture();
    // A racy file: its folder gets no stamp, and a store with one such folder is not wholly covered.
    const soon = Date.now() / 1000 + 30;
    utimesSync(join(f.store, 'models/old/c.safetensors'), soon, soon);
    await indexStore(f.store, f.db);
    expect(stampsOf(f.db).dirs.has('models/old')).toBe(false);
    expect(stampsOf(f.db).coverAll).toBe(false);
    rmSync(join(f.store, 'models/old'), { recursive: true });
    expect(await rescanBothWays(f)).toMatchObject({ missing: 1, unchangedFolders: 4 });
    expect(stampsOf(f.db).coverAll).toBe(true);
    rmSync(join(f.store, 'data/more'), { recursive: true });
    expect(await rescanBothWays(f)).toMatchObject({ missing: 1, unchangedFolders: 3 });
  });

  it('read files again where a .pedigreeignore or a DVC project above changes what a folder is', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    writeFileSync(join(f.store, '.pedigreeignore'), 'models/b.safetensors\n');
    age(f.store, '.pedigreeignore');
    expect(await rescanBothWays(f)).toMatchObject({ new: 1, missing: 1 });
    // dvc.yaml makes every folder below a DVC project's: MD5s are wanted, so each file is read again.
    writeFileSync(join(f.store, 'dvc.yaml'), 'stages: {}\n');
    age(f.store, 'dvc.yaml');
    const s = await rescanBothWays(f);
    expect(s).toMatchObject({ new: 1, unchangedFolders: 0 });
    expect(s.hashed).toBe(s.files);
    expect(await rescanBothWays(f)).toMatchObject({ hashed: 0, unchangedFolders: 5 });
  });

  it('give no stamp to a folder with a link or a special file in it, and keep a non-UTF-8 folder apart', async () => {
    const f = fixture();
    symlinkSync('a.safetensors', join(f.store, 'models/link.safetensors'));
    const odd = Buffer.concat([Buffer.from(join(f.store, 'data')), Buffer.from('/'), NOT_UTF8, Buffer.from('-dir')]);
    mkdirSync(odd);
    writeFileSync(Buffer.concat([odd, Buffer.from('/inside.txt')]), 'inside');
    ageTree(f.store);
    await indexStore(f.store, f.db);
    const stamps = stampsOf(f.db);
    expect(stamps.dirs.has('models')).toBe(false);
    expect(stamps.dirs.has(`data/${NOT_UTF8.toString('latin1')}-dir`)).toBe(true);
    expectStampsHonest(f.db);
    rmSync(join(f.store, 'models/b.safetensors'));
    rmSync(Buffer.concat([odd, Buffer.from('/inside.txt')]));
    expect(await rescanBothWays(f)).toMatchObject({ missing: 2 });
  });

  it.skipIf(!isRoot)(`give no stamp to a folder where a changed file could not be read, so the next scan tries it again (${NEEDS_ROOT})`, async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    // Changed, and only root may read it: a re-scan as nobody stats it (the walker opens nothing), then cannot read it.
    writeFileSync(join(f.store, 'models/b.safetensors'), 'weights b, retrained');
    chmodSync(join(f.store, 'models/b.safetensors'), 0o000);
    age(f.store, 'models/b.safetensors');
    chmodSync(f.dir, 0o777);
    for (const ext of ['', '-wal', '-shm']) if (existsSync(f.db + ext)) chownSync(f.db + ext, NOBODY.uid, NOBODY.gid);
    const s = await rescanBothWays(f, { as: NOBODY });
    expect(s).toMatchObject({ changed: 1, hashed: 0, errors: 1 });
    expect(stampsOf(f.db).dirs.has('models')).toBe(false);
    expect(await rescanBothWays(f, { as: NOBODY })).toMatchObject({ changed: 0, errors: 1, unchangedFolders: 4 });
  });

  it.skipIf(!isRoot)(`give no stamp to a folder with an entry the walk could not see, whose old row it keeps (${NEEDS_ROOT})`, async () => {
    const f = fixture();
    chmodSync(f.dir, 0o777);
    await indexStore(f.store, f.db);
    for (const ext of ['', '-wal', '-shm']) if (existsSync(f.db + ext)) chownSync(f.db + ext, NOBODY.uid, NOBODY.gid);
    // A file becomes a folder nobody may list: its row is kept as it was (the walk cannot tell what is there).
    rmSync(join(f.store, 'models/b.safetensors'));
    mkdirSync(join(f.store, 'models/b.safetensors'));
    writeFileSync(join(f.store, 'models/b.safetensors/x.bin'), 'x');
    age(f.store, 'models/b.safetensors/x.bin');
    chmodSync(join(f.store, 'models/b.safetensors'), 0o000);
    expect(await rescanBothWays(f, { as: NOBODY })).toMatchObject({ missing: 0, errors: 1 });
    expect(stampsOf(f.db).dirs.has('models')).toBe(false);
    // Listable again: the old file row is missing, the file in the folder new, whether the folder around it had a stamp or not.
    chmodSync(join(f.store, 'models/b.safetensors'), 0o755);
    expect(await rescanBothWays(f, { as: NOBODY })).toMatchObject({ missing: 1, new: 1, errors: 0 });
    expect(await rescanBothWays(f, { as: NOBODY })).toMatchObject({ missing: 0, new: 0, unchangedFolders: 6 });
  });

  it('leave no stamps after a scan that does not complete, and compare every file in the next', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    const ws = openWorkspace(f.db);
    const handle = ws.rescan(ws.listStores()[0]!.id);
    handle.cancel();
    expect((await handle.done).status).toBe('cancelled');
    await ws.close();
    expect(stampsOf(f.db).dirs.size).toBe(0);
    const next = await rescanBothWays(f);
    expect(next).toMatchObject({ status: 'done', unchanged: 8, unchangedFolders: 0 });
    expect(stampsOf(f.db).dirs.size).toBe(5);
  });

  it('keep the stamps through a scan that finds the store offline, for when it is back', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    renameSync(f.store, `${f.store}.away`);
    const ws = openWorkspace(f.db);
    try {
      expect((await ws.rescan(ws.listStores()[0]!.id).done).status).toBe('failed');
    } finally {
      await ws.close();
    }
    expect(stampsOf(f.db).dirs.size).toBe(5);
    renameSync(`${f.store}.away`, f.store);
    expect(await rescanBothWays(f)).toMatchObject({ status: 'done', unchanged: 8, unchangedFolders: 5 });
  });

  it('hash every file with --rehash, stamps or not', async () => {
    const f = fixture();
    await indexStore(f.store, f.db);
    const s = (await indexStore(f.store, f.db, { extra: ['--rehash'] })).summary;
    expect(s).toMatchObject({ hashed: 8, unchangedFolders: 0 });
    expect(stampsOf(f.db).dirs.size).toBe(5);
  });
});
