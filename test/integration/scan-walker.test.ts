import { closeSync, constants, lstatSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/temp';
import { buildTree, deepFile, writeSparse } from '../helpers/tree';
import { text, walkTree } from '../helpers/walk';

/**
 * The walker on its own (the built worker, on a thread of its own as in a
 * scan): what it reports for each kind of entry, and what it never touches.
 */

const temp = tempDirs('walk');

/** Should a regression open a FIFO, a writer that opens and closes it gives the blocked reader EOF, so the test fails instead of hanging. */
function unblockReaders(fifos: string[]): void {
  for (const f of fifos) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader, as it should be
    }
  }
}
afterAll(() => temp.cleanup());

describe('the walker', () => {
  it('records size, mtime and ctime in nanoseconds, inode and device exactly, past 2^32 and 2^53 ns', async () => {
    const root = temp.make();
    buildTree(root, [['a.txt', 'hello']]);
    writeSparse(join(root, 'huge.bin'), 5 * 1024 ** 3, 'huge'); // 5 GiB, a hole: sizes past 32 bits
    const w = await walkTree(root);
    for (const name of ['a.txt', 'huge.bin']) {
      const st = lstatSync(join(root, name), { bigint: true });
      const f = w.files.get(name)!;
      expect(f.size).toBe(Number(st.size));
      expect(typeof f.mtimeNs).toBe('bigint');
      expect(f.mtimeNs).toBe(st.mtimeNs); // full nanoseconds, beyond 2^53: a Number would round them
      expect(f.ctimeNs).toBe(st.ctimeNs);
      expect(f.inode).toBe(st.ino.toString());
      expect(f.device).toBe(st.dev.toString());
    }
    expect(w.files.get('huge.bin')!.size).toBe(5 * 1024 ** 3);
    expect(w.files.get('a.txt')!.mtimeNs).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it('does not follow symbolic links out of the store unless asked, and follows those inside it once', async () => {
    const outside = temp.make();
    buildTree(outside, [['secret.txt', 'outside file'], ['dir/inner.txt', 'outside folder']]);
    const root = temp.make();
    buildTree(root, [
      ['real/data.txt', 'inside'],
      ['to-file', { symlink: join(outside, 'secret.txt') }],
      ['to-dir', { symlink: join(outside, 'dir') }],
      ['to-inside-file', { symlink: 'real/data.txt' }],
      ['to-inside-dir', { symlink: 'real' }],
    ]);
    const w = await walkTree(root);
    expect([...w.files.keys()].sort()).toEqual(['real/data.txt', 'to-inside-file']);
    expect(w.files.get('to-inside-file')!.viaLink).toBe(true);
    expect(w.findings.get('to-file')!.code).toBe('symlink-outside-store');
    expect(w.findings.get('to-dir')!.code).toBe('symlink-outside-store');

    const followed = await walkTree(root, { followSymlinks: true });
    expect([...followed.files.keys()].sort()).toEqual(['real/data.txt', 'to-dir/inner.txt', 'to-file', 'to-inside-file']);
    expect(followed.files.get('to-file')!.viaLink).toBe(true);
    // The folder linked from inside is walked where it really is, not a second time through the link.
    expect(followed.findings.has('to-inside-dir')).toBe(false);
  });

  it('walks a folder two links lead to under the smaller path, whichever walker gets there first', async () => {
    const outside = temp.make();
    buildTree(outside, Array.from({ length: 50 }, (_, i): [string, { size: number; seed: string } | string] => [`f${i}.txt`, `outside ${i}`]));
    const root = temp.make();
    buildTree(root, [
      ...Array.from({ length: 30 }, (_, i): [string, string] => [`b/pad${i}/x.txt`, String(i)]), // b's side is reached first by a walker, often
      ['b/link', { symlink: outside }],
      ['a/link', { symlink: outside }],
    ]);
    for (let round = 0; round < 4; round++) {
      const w = await walkTree(root, { followSymlinks: true, threads: 3, batchSize: 8 });
      const linked = [...w.files.keys()].filter((p) => p.includes('/link/'));
      expect(linked.length).toBe(50);
      expect(linked.every((p) => p.startsWith('a/link/'))).toBe(true);
      expect(w.findings.get('b/link')).toMatchObject({ code: 'symlink-loop', message: expect.stringMatching(/already walked through another link/) });
    }
  });

  it('walks each folder outside the store once when links lead to it and to a folder around it', async () => {
    const outside = temp.make();
    buildTree(outside, [
      ['top.txt', 'top'],
      ...Array.from({ length: 20 }, (_, i): [string, string] => [`sub/f${i}.txt`, `sub ${i}`]),
      ['sub/deeper/d.txt', 'deeper'],
      ['sub/back', { symlink: join(outside, 'sub', 'deeper') }], // found only while walking a link's folder: a later round
    ]);
    const root = temp.make();
    buildTree(root, [
      ...Array.from({ length: 30 }, (_, i): [string, string] => [`a/pad${i}/x.txt`, String(i)]),
      ['a/inner', { symlink: join(outside, 'sub') }], // inside the folder z/outer leads to
      ['z/outer', { symlink: outside }],
      ['m/deep', { symlink: join(outside, 'sub', 'deeper') }],
    ]);
    for (let round = 0; round < 4; round++) {
      const w = await walkTree(root, { followSymlinks: true, threads: 3, batchSize: 8 });
      const outsideFiles = [...w.files.keys()].filter((p) => !p.includes('/pad')).sort();
      // Every file outside once, under the link to the outermost folder, whichever walker met which link first.
      expect(outsideFiles).toEqual(['z/outer/sub/deeper/d.txt', 'z/outer/top.txt', ...Array.from({ length: 20 }, (_, i) => `z/outer/sub/f${i}.txt`).sort()].sort());
      expect(w.findings.get('a/inner')).toMatchObject({ code: 'symlink-loop', message: expect.stringMatching(/inside the folder another link leads to/) });
      expect(w.findings.get('m/deep')).toMatchObject({ code: 'symlink-loop' });
      expect(w.findings.get('z/outer/sub/back')).toMatchObject({ code: 'symlink-loop' });
    }
  });

  it('leaves out of a link’s folder a folder another link leads to, walked from that link', async () => {
    const outside = temp.make();
    buildTree(outside, [
      ['x/one.txt', '1'],
      ['x/y/two.txt', '2'],
    ]);
    const elsewhere = temp.make();
    buildTree(elsewhere, [['outer', { symlink: outside }]]); // found in a later round, and around a folder walked already
    const root = temp.make();
    buildTree(root, [
      ['a', { symlink: join(outside, 'x', 'y') }],
      ['b', { symlink: elsewhere }],
    ]);
    const w = await walkTree(root, { followSymlinks: true, threads: 2 });
    expect([...w.files.keys()].sort()).toEqual(['a/two.txt', 'b/outer/x/one.txt']);
    expect(w.findings.get('b/outer/x/y')).toMatchObject({ code: 'symlink-loop', severity: 'info' });
  });

  it('detects symbolic link loops, with or without following links, and reports dangling links', async () => {
    const root = temp.make();
    buildTree(root, [
      ['ok.txt', 'fine'],
      ['self', { symlink: 'self' }],
      ['ping', { symlink: 'pong' }],
      ['pong', { symlink: 'ping' }],
      ['sub/up', { symlink: '..' }],
      ['sub/file.txt', 'x'],
      ['dangling', { symlink: 'does-not-exist' }],
    ]);
    for (const followSymlinks of [false, true]) {
      const w = await walkTree(root, { followSymlinks });
      expect([...w.files.keys()].sort()).toEqual(['ok.txt', 'sub/file.txt']);
      for (const loop of ['self', 'ping', 'pong']) expect(w.findings.get(loop)!.code).toBe('symlink-loop');
      expect(w.findings.get('dangling')!.code).toBe('symlink-dangling');
      expect(w.findings.get('dangling')!.message).toMatch(/target does not exist/);
      expect(w.findings.get('sub/up')!.code).toBe('symlink-loop');
    }
  });

  it('never opens FIFOs, sockets or devices, even one named .pedigreeignore', async () => {
    const root = temp.make();
    buildTree(root, [
      ['pipe', { fifo: true }], // opening it for reading would block the walk for ever
      ['null-device', { symlink: '/dev/zero' }], // followed below: reading it would never end
      ['sub/.pedigreeignore', { fifo: true }],
      ['after.txt', 'still walked'],
    ]);
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(join(root, 'sock'), r));
    try {
      const w = await walkTree(root, { followSymlinks: true, timeoutMs: 5000 });
      expect([...w.files.keys()]).toEqual(['after.txt']);
      const about = w.allFindings.filter((f) => text(f.rel) === 'sub/.pedigreeignore').map((f) => f.code);
      expect(about.sort()).toEqual(['ignore-file-unreadable', 'special-file']);
      expect(w.findings.get('pipe')).toMatchObject({ code: 'special-file', message: expect.stringMatching(/named pipe.*never opened/) });
      expect(w.findings.get('sock')).toMatchObject({ code: 'special-file', message: expect.stringMatching(/socket/) });
      expect(w.findings.get('null-device')).toMatchObject({ code: 'special-file', message: expect.stringMatching(/device/) });
    } finally {
      server.close();
      unblockReaders([join(root, 'pipe'), join(root, 'sub/.pedigreeignore')]);
    }
  });

  it('honours .pedigreeignore with gitignore rules, nested files overriding their parents, and skips .git internals', async () => {
    const root = temp.make();
    buildTree(root, [
      ['.pedigreeignore', '# scratch\n*.tmp\nbuild/\n/top-only.txt\n'],
      ['a.tmp', 'ignored'],
      ['top-only.txt', 'ignored at the root only'],
      ['local.txt', 'kept at the root'],
      ['build/out.bin', 'ignored folder'],
      ['model.bin', 'kept'],
      ['sub/.pedigreeignore', '!keep.tmp\nlocal.txt\n'],
      ['sub/keep.tmp', 're-included by the nested file'],
      ['sub/other.tmp', 'still ignored by the parent'],
      ['sub/top-only.txt', 'anchored pattern: kept here'],
      ['sub/local.txt', 'ignored by the nested file'],
      ['sub/build/x.bin', 'unanchored folder pattern: ignored here too'],
      ['.git/HEAD', 'ref: refs/heads/main\n'],
      ['.git/objects/ab/cdef', 'blob'],
      ['vendored/.git/config', 'a nested repository'],
      ['vendored/lib.py', 'kept'],
      ['.dvc/config', 'kept'],
      ['.dvc/cache/aa/bbbb', 'cache: skipped'],
    ]);
    const w = await walkTree(root);
    expect([...w.files.keys()].sort()).toEqual(['.dvc/config', '.pedigreeignore', 'local.txt', 'model.bin', 'sub/.pedigreeignore', 'sub/keep.tmp', 'sub/top-only.txt', 'vendored/lib.py']);
  });

  it('indexes non-UTF-8 names by their raw bytes and says so', async () => {
    const root = temp.make();
    const latin1 = Buffer.from('caf\xe9.bin', 'latin1');
    buildTree(root, [[latin1, 'latin-1 name'], [Buffer.from([0x64, 0x69, 0x72, 0xff]), { dir: true }], [Buffer.concat([Buffer.from([0x64, 0x69, 0x72, 0xff, 0x2f]), Buffer.from('in.txt')]), 'under a bad folder name']]);
    const w = await walkTree(root);
    const files = [...w.files.values()].map((f) => Buffer.from(f.rel).toString('hex')).sort();
    expect(files).toEqual([latin1.toString('hex'), Buffer.from('dir\xff/in.txt', 'latin1').toString('hex')].sort());
    const f = w.findings.get('caf\uFFFD.bin')!;
    expect(f.code).toBe('name-not-utf8');
    expect(f.message).toContain(latin1.toString('hex'));
  });

  it('walks paths over 1,000 bytes, and names the folder when a path passes PATH_MAX', async () => {
    const root = temp.make();
    const long = Array.from({ length: 5 }, (_, i) => `${i}${'x'.repeat(240)}`).join('/');
    mkdirSync(join(root, long), { recursive: true });
    writeFileSync(join(root, long, 'model.bin'), 'deep');
    const tooDeep = deepFile(join(root), 18, 'beyond PATH_MAX'); // ~4,500 bytes
    writeFileSync(join(root, 'shallow.txt'), 'x');
    const w = await walkTree(root);
    expect(Buffer.byteLength(`${long}/model.bin`)).toBeGreaterThan(1000);
    expect(w.files.has(`${long}/model.bin`)).toBe(true);
    expect(w.files.has('shallow.txt')).toBe(true);
    expect(w.files.has(tooDeep)).toBe(false);
    const f = [...w.findings.values()].find((x) => x.code.endsWith('enametoolong'))!;
    expect(f).toBeDefined();
    expect(tooDeep.startsWith(Buffer.from(f.rel).toString('utf8'))).toBe(true);
    expect(f.unseen).toBe(true); // what the index holds below it is kept
  });

  it('stamps each batch with a time taken before its stats, for racy-file checks', async () => {
    const root = temp.make();
    for (let i = 0; i < 10; i++) writeFileSync(join(root, `f${i}`), String(i));
    symlinkSync('f0', join(root, 'link'));
    const before = BigInt(Date.now()) * 1_000_000n;
    const w = await walkTree(root, { batchSize: 3 });
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(w.files.size).toBe(11);
    for (const t of w.statAt.values()) {
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
    }
  });
});
