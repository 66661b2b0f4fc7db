import { chmodSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findingFor, indexStore, listFiles, listFindings, runCli } from '../helpers/cli';
import { isRoot, NEEDS_ROOT, NOBODY } from '../helpers/privileges';
import { tempDirs } from '../helpers/temp';
import { ageTree, buildTree, openUp, sha256Of } from '../helpers/tree';
import { integrityCheck } from '../helpers/workspace';

/**
 * The indexing issue's bad input, through the real CLI: each gives a finding
 * that names the file and the reason, the scan goes on, and the index stays
 * consistent (a second scan agrees with the first).
 */

const temp = tempDirs('bad-input');
afterAll(() => temp.cleanup());

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const LATIN1_NAME = Buffer.from('caf\xe9.bin', 'latin1');
const LONG_DIR = Array.from({ length: 5 }, (_, i) => `${i}${'L'.repeat(230)}`).join('/');

describe('bad input', () => {
  it('FIFOs, symlink loops, dangling links, non-UTF-8 names, long paths and empty files: findings, and the scan goes on', async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [
      ['good.txt', 'a good file'],
      ['pipe', { fifo: true }],
      ['loop-a', { symlink: 'loop-b' }],
      ['loop-b', { symlink: 'loop-a' }],
      ['dangling', { symlink: 'gone/for/good' }],
      [LATIN1_NAME, 'a latin-1 name'],
      [`${LONG_DIR}/weights.bin`, 'at the end of a long path'],
      ['empty.bin', ''],
    ]);
    ageTree(store);
    const first = await indexStore(store, db);
    expect(first.summary).toMatchObject({ status: 'done', files: 4, new: 4, hashed: 4, errors: 0 });
    expect(first.code).toBe(0);

    const findings = await listFindings(db);
    expect(findingFor(findings, 'pipe')).toMatchObject({ code: 'special-file', message: expect.stringMatching(/named pipe.*never opened/) });
    expect(findingFor(findings, 'loop-a')).toMatchObject({ code: 'symlink-loop', message: expect.stringMatching(/loop/) });
    expect(findingFor(findings, 'loop-b').code).toBe('symlink-loop');
    expect(findingFor(findings, 'dangling')).toMatchObject({ code: 'symlink-dangling', message: expect.stringMatching(/does not exist/) });
    const odd = findingFor(findings, 'caf\uFFFD.bin');
    expect(odd.code).toBe('name-not-utf8');
    expect(odd.message).toContain(LATIN1_NAME.toString('hex')); // the raw bytes name the file exactly

    const files = await listFiles(db);
    expect([...files.keys()].sort()).toEqual([`${LONG_DIR}/weights.bin`, 'caf\uFFFD.bin', 'empty.bin', 'good.txt'].sort());
    expect(Buffer.byteLength(`${LONG_DIR}/weights.bin`)).toBeGreaterThan(1000);
    expect(files.get(`${LONG_DIR}/weights.bin`)!.sha256).toBe(sha256Of(join(store, LONG_DIR, 'weights.bin')));
    expect(files.get('caf\uFFFD.bin')!.sha256).toBe(sha256Of(Buffer.concat([Buffer.from(`${store}/`), LATIN1_NAME])));
    expect(files.get('empty.bin')!.sha256).toBe(EMPTY_SHA256);

    // Consistent: the second scan finds nothing new, reads nothing, and replaces (not repeats) the findings.
    const second = await indexStore(store, db);
    expect(second.summary).toMatchObject({ status: 'done', files: 4, new: 0, changed: 0, missing: 0, unchanged: 4, hashed: 0 });
    const again = await listFindings(db);
    expect(again.map((f) => `${f.path} ${f.code}`).sort()).toEqual(findings.map((f) => `${f.path} ${f.code}`).sort());
    expect(integrityCheck(db)).toBe('ok');
  });

  it.skipIf(!isRoot)(`unreadable files and folders: permission denied, named; an empty one needs no reading; the index keeps what it cannot see (${NEEDS_ROOT})`, async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [
      ['readable.txt', 'fine'],
      ['locked.bin', 'nobody may read this'],
      ['locked-empty.bin', ''],
      ['shard/part-0.bin', 'part zero'],
      ['shard/part-1.bin', 'part one'],
    ]);
    openUp(store);
    chmodSync(join(store, 'locked.bin'), 0o000);
    chmodSync(join(store, 'locked-empty.bin'), 0o000);
    ageTree(store);

    const first = await indexStore(store, db, { as: NOBODY });
    expect(first.summary).toMatchObject({ status: 'done', files: 5, hashed: 4, errors: 1 });
    expect(first.code).toBe(1); // errors: exit 1, the scan still finished
    const locked = findingFor(await listFindings(db), 'locked.bin');
    expect(locked).toMatchObject({ code: 'read-eacces', severity: 'error', message: 'cannot read: permission denied' });
    let files = await listFiles(db);
    expect(files.get('locked.bin')).toMatchObject({ state: 'present', sha256: null });
    expect(files.get('locked-empty.bin')!.sha256).toBe(EMPTY_SHA256); // size 0: never opened
    const shardDigest = files.get('shard/part-0.bin')!.sha256;
    expect(shardDigest).toBe(sha256Of(join(store, 'shard/part-0.bin')));

    // A folder that cannot be listed hides its files: they are not known to be gone, so they stay as they were.
    chmodSync(join(store, 'shard'), 0o000);
    const second = await indexStore(store, db, { as: NOBODY });
    expect(second.summary).toMatchObject({ status: 'done', missing: 0, errors: 2 });
    expect(findingFor(await listFindings(db), 'shard')).toMatchObject({ code: 'dir-eacces', severity: 'error', message: expect.stringMatching(/cannot list folder.*permission denied/) });
    files = await listFiles(db);
    expect(files.get('shard/part-0.bin')).toMatchObject({ state: 'present', sha256: shardDigest });
    expect(files.get('shard/part-1.bin')!.state).toBe('present');

    chmodSync(join(store, 'shard'), 0o777);
    chmodSync(join(store, 'locked.bin'), 0o644);
    const third = await indexStore(store, db, { as: NOBODY });
    expect(third.summary).toMatchObject({ status: 'done', files: 5, missing: 0, errors: 0, hashed: 1 }); // only locked.bin, now readable
    expect((await listFiles(db)).get('locked.bin')!.sha256).toBe(sha256Of(join(store, 'locked.bin')));
    expect(await listFindings(db)).toEqual([]);

    // The store folder itself cannot be listed: nothing below it is known to be gone.
    chmodSync(store, 0o311);
    const fourth = await indexStore(store, db, { as: NOBODY });
    chmodSync(store, 0o777);
    expect(fourth.summary).toMatchObject({ missing: 0, errors: 1 });
    expect(findingFor(await listFindings(db), '.')).toMatchObject({ code: 'dir-eacces' });
    expect([...(await listFiles(db)).values()].every((f) => f.state === 'present')).toBe(true);
  });

  it.skipIf(!isRoot)(`a read-only database: a clear error naming it, exit 2, nothing changed (${NEEDS_ROOT})`, async () => {
    const dir = temp.make();
    const store = join(dir, 'store');
    const db = join(dir, 'pedigree.db');
    buildTree(store, [['a.txt', 'a']]);
    openUp(store);
    expect((await indexStore(store, db)).summary.status).toBe('done');
    buildTree(store, [['b.txt', 'new since']]);
    openUp(store);

    // Owned by root, mode 0644: nobody cannot write it.
    chmodSync(db, 0o644);
    const before = readFileSync(db);
    const entries = readdirSync(dir).sort();
    let r = await runCli(['index', store, '--db', db], { as: NOBODY });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(db);
    expect(r.stderr).toMatch(/read-only/);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(entries); // no -wal or -shm left behind either

    // Writable file in a folder nobody cannot write: WAL could not create its side files.
    chownSync(db, NOBODY.uid, NOBODY.gid);
    chmodSync(dir, 0o755);
    r = await runCli(['index', store, '--db', db], { as: NOBODY });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(db);
    expect(readFileSync(db).equals(before)).toBe(true);
    chmodSync(dir, 0o777);
    expect((await listFiles(db)).has('b.txt')).toBe(false);
  });
});
