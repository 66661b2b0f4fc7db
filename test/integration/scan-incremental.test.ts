import { chmodSync, chownSync, copyFileSync, linkSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findingFor, indexStore, listFiles, listFindings } from '../helpers/cli';
import { isRoot, NEEDS_ROOT, NOBODY } from '../helpers/privileges';
import { tempDirs } from '../helpers/temp';
import { ageTree, buildTree, openUp, sha256Of } from '../helpers/tree';
import { rawFiles } from '../helpers/workspace';

/** Rescans: what is read again, what is recognised, what is marked missing. */

const temp = tempDirs('incremental');
afterAll(() => temp.cleanup());

function fixture(): { store: string; db: string } {
  const dir = temp.make();
  const store = join(dir, 'store');
  buildTree(store, [
    ['models/a.safetensors', 'weights a'],
    ['models/b.safetensors', 'weights b'],
    ['data/train.jsonl', '{"x": 1}\n'],
    ['README.md', '# store\n'],
  ]);
  openUp(store);
  ageTree(store);
  return { store, db: join(dir, 'pedigree.db') };
}

describe('rescans', () => {
  it('store size, mtime and ctime in nanoseconds, inode and device exactly as stat gives them', async () => {
    const { store, db } = fixture();
    await indexStore(store, db);
    const rows = rawFiles(db);
    for (const [path, row] of rows) {
      const st = statSync(join(store, path), { bigint: true });
      expect(row).toMatchObject({ size: st.size, mtime_ns: st.mtimeNs, ctime_ns: st.ctimeNs, inode: st.ino.toString(), device: st.dev.toString() });
    }
  });

  it('read nothing that did not change', async () => {
    const { store, db } = fixture();
    expect((await indexStore(store, db)).summary).toMatchObject({ files: 4, hashed: 4 });
    writeFileSync(join(store, 'README.md'), '# store, edited\n');
    const second = (await indexStore(store, db)).summary;
    expect(second).toMatchObject({ files: 4, changed: 1, unchanged: 3, hashed: 1, bytesHashed: statSync(join(store, 'README.md')).size });
  });

  it.skipIf(!isRoot)(`never open an unchanged file: one only root can read is rescanned as nobody without an error (${NEEDS_ROOT})`, async () => {
    const { store, db } = fixture();
    chmodSync(join(store, 'models/a.safetensors'), 0o000); // before the first scan: chmod changes ctime, which counts as a change
    ageTree(store);
    expect((await indexStore(store, db)).summary).toMatchObject({ status: 'done', hashed: 4, errors: 0 }); // root reads it
    chownSync(db, NOBODY.uid, NOBODY.gid);
    const { summary, code } = await indexStore(store, db, { as: NOBODY });
    expect(summary).toMatchObject({ status: 'done', unchanged: 4, hashed: 0, bytesHashed: 0, errors: 0 });
    expect(code).toBe(0);
    expect(await listFindings(db)).toEqual([]);
  });

  it('recognise a rename (same inode) and a move by copy (same digest), keeping each file its identity', async () => {
    const { store, db } = fixture();
    await indexStore(store, db);
    const before = await listFiles(db);
    mkdirSync(join(store, 'archive'));
    renameSync(join(store, 'models/a.safetensors'), join(store, 'archive/a-renamed.safetensors'));
    copyFileSync(join(store, 'models/b.safetensors'), join(store, 'archive/b-copied.safetensors'));
    rmSync(join(store, 'models/b.safetensors'));
    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', moved: 2, new: 0, missing: 0 });
    expect(summary.hashed).toBe(1); // the copy is read to learn its digest; the renamed file is not read at all
    const after = await listFiles(db);
    expect(after.get('archive/a-renamed.safetensors')).toMatchObject({ id: before.get('models/a.safetensors')!.id, sha256: before.get('models/a.safetensors')!.sha256, state: 'present' });
    expect(after.get('archive/b-copied.safetensors')).toMatchObject({ id: before.get('models/b.safetensors')!.id, sha256: before.get('models/b.safetensors')!.sha256, state: 'present' });
    expect(after.has('models/a.safetensors') || after.has('models/b.safetensors')).toBe(false);
  });

  it('settle hard links: two vanished names of one file make one move, and a new name of an indexed file is read', async () => {
    const { store, db } = fixture();
    const at = (p: string) => join(store, p);
    linkSync(at('models/a.safetensors'), at('models/a-link.safetensors'));
    ageTree(store);
    await indexStore(store, db);
    const digest = (await listFiles(db)).get('models/a.safetensors')!.sha256;

    linkSync(at('models/a.safetensors'), at('models/c.safetensors'));
    rmSync(at('models/a.safetensors'));
    rmSync(at('models/a-link.safetensors'));
    const second = (await indexStore(store, db)).summary;
    expect(second).toMatchObject({ status: 'done', moved: 1, missing: 1, new: 0 });
    expect((await listFiles(db)).get('models/c.safetensors')).toMatchObject({ state: 'present', sha256: digest });

    linkSync(at('models/c.safetensors'), at('models/d.safetensors')); // c is still there: d is no rename
    const third = (await indexStore(store, db)).summary;
    expect(third).toMatchObject({ status: 'done', moved: 0, new: 1 });
    expect((await listFiles(db)).get('models/d.safetensors')).toMatchObject({ state: 'present', sha256: digest });
  });

  it('mark deleted files missing, with when they were last seen, and present again when they come back', async () => {
    const { store, db } = fixture();
    await indexStore(store, db);
    const digest = (await listFiles(db)).get('data/train.jsonl')!.sha256;
    rmSync(join(store, 'data/train.jsonl'));
    const { summary } = await indexStore(store, db);
    expect(summary).toMatchObject({ status: 'done', missing: 1, files: 3 });
    const gone = (await listFiles(db)).get('data/train.jsonl')!;
    expect(gone).toMatchObject({ state: 'missing', sha256: digest });
    expect(gone.missingSince).not.toBeNull();
    expect(gone.lastSeen < gone.missingSince!).toBe(true);

    writeFileSync(join(store, 'data/train.jsonl'), '{"x": 1}\n');
    ageTree(store);
    expect((await indexStore(store, db)).summary).toMatchObject({ missing: 0, files: 4 });
    expect((await listFiles(db)).get('data/train.jsonl')).toMatchObject({ state: 'present', sha256: digest, missingSince: null });
  });

  // KNOWN BUG, outside the scanner: an unchanged file's row keeps the last_seen of the scan that first hashed it
  // (rescans do not write unchanged rows), and markFileMissing (src/main/db/files.ts) leaves it so. The fix
  // belongs there: set last_seen to the last complete scan's time when marking missing. Flip to `it` then.
  it('give a missing file the time of the last scan that saw it, not the first', async () => {
    const { store, db } = fixture();
    await indexStore(store, db);
    const between = new Date().toISOString();
    await indexStore(store, db); // sees data/train.jsonl, unchanged
    rmSync(join(store, 'data/train.jsonl'));
    await indexStore(store, db);
    expect((await listFiles(db)).get('data/train.jsonl')!.lastSeen >= between).toBe(true);
  });

  it('treat a file modified in the second of its stat as racy: hashed again by the next scan', async () => {
    const { store, db } = fixture();
    // An mtime at or after the stat's second is racy. One in the future is that on any machine, however slow.
    const soon = Date.now() / 1000 + 30;
    utimesSync(join(store, 'README.md'), soon, soon);
    expect((await indexStore(store, db)).summary.hashed).toBe(4);
    expect(rawFiles(db).get('README.md')!.racy).toBe(1n);
    expect(rawFiles(db).get('models/a.safetensors')!.racy).toBe(0n);
    const second = (await indexStore(store, db)).summary;
    expect(second).toMatchObject({ unchanged: 3, hashed: 1, changed: 0 }); // README.md again, though its stat did not change
    ageTree(store);
    await indexStore(store, db); // every stat changed (touch): all read once more, none racy now
    expect((await indexStore(store, db)).summary).toMatchObject({ unchanged: 4, hashed: 0 });
  });

  it('give each finding the file it is about, and drop findings that no longer hold', async () => {
    const { store, db } = fixture();
    buildTree(store, [['broken', { symlink: 'nowhere' }]]);
    await indexStore(store, db);
    expect(findingFor(await listFindings(db), 'broken').code).toBe('symlink-dangling');
    rmSync(join(store, 'broken'));
    await indexStore(store, db);
    expect(await listFindings(db)).toEqual([]);
    expect(sha256Of(join(store, 'README.md'))).toBe((await listFiles(db)).get('README.md')!.sha256);
  });
});
