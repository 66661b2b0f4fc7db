import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchPath, FileBatchBuilder, FLAG_DVC, FLAG_HASHED, FLAG_LINKED, FLAG_NOT_UTF8, HEAD_BYTES } from '../../src/main/scan/file-batch';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_OTHER, type FolderTask, type WalkerSetup, type WalkMessage } from '../../src/main/scan/protocol';
import { Walker } from '../../src/workers/walk';
import { NATIVE_WALK_FILE } from '../../src/workers/walk-native';
import { errnoError, loadNativeWalk, NATIVE_FALLBACK, NATIVE_GONE, NATIVE_HASHED, NATIVE_LISTED, NATIVE_UNSTABLE, SCAN_NICE, type NativeWalk } from '../../src/workers/walk-native';
import { WORKERS_DIR } from '../helpers/cli';
import { text, walkTree, type WalkResult } from '../helpers/walk';

const root = mkdtempSync(join(tmpdir(), 'pedigree-native-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const loaded = loadNativeWalk(join(WORKERS_DIR, NATIVE_WALK_FILE));
const posix = process.platform !== 'win32';

describe('the native walker (walkhash.node)', () => {
  it('is built beside the walker bundle on this platform, and loads', () => {
    if (!posix) return;
    expect(loaded.why).toBeNull();
    expect(loaded.native).not.toBeNull();
  });
  const native = loaded.native as NativeWalk;

  it('computes SHA-256 and MD5 exactly as node:crypto does, at every padding boundary and past its stack buffer', () => {
    const sizes = [...Array.from({ length: 200 }, (_, i) => i), 447, 448, 511, 512, 1000, 4096, 65535, 65536, 65537, 1024 * 1024];
    for (const size of sizes) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 131 + size) & 0xff;
      expect(native.digest(data, 'sha256').toString('hex'), `sha256 of ${size} bytes`).toBe(createHash('sha256').update(data).digest('hex'));
      expect(native.digest(data, 'md5').toString('hex'), `md5 of ${size} bytes`).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  it('computes the same SHA-256 with its portable code, which CPUs without SHA extensions run', () => {
    const script = `
      const { createHash } = require('node:crypto');
      const m = { exports: {} };
      process.dlopen(m, ${JSON.stringify(join(WORKERS_DIR, NATIVE_WALK_FILE))});
      const bad = [];
      for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4096, 65537, 1048576]) {
        const data = Buffer.alloc(size, size % 251);
        for (let i = 0; i < size; i += 7) data[i] = i & 0xff;
        if (m.exports.digest(data, 'sha256').toString('hex') !== createHash('sha256').update(data).digest('hex')) bad.push(size);
      }
      console.log(JSON.stringify({ accelerated: m.exports.sha256Accelerated, bad }));`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, PEDIGREE_SHA256_PORTABLE: '1' }, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ accelerated: false, bad: [] });
  });

  it.skipIf(process.platform !== 'linux')('runs a scan thread at a lower priority, that thread only, never raising it again', () => {
    // In a fresh process: a worker thread asks for SCAN_NICE, then for less; its thread's nice value and the main thread's are read back.
    const script = `
      const { Worker } = require('node:worker_threads');
      const nice = (tid) => Number(require('node:fs').readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
      const w = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const m = { exports: {} };
        process.dlopen(m, \${JSON.stringify(${JSON.stringify(join(WORKERS_DIR, NATIVE_WALK_FILE))})});
        const first = m.exports.backgroundThread(${SCAN_NICE});
        const second = m.exports.backgroundThread(0);
        const tid = require('node:fs').readlinkSync('/proc/thread-self').split('/').pop();
        parentPort.postMessage({ first, second, tid });
        setTimeout(() => {}, 300);
      \`, { eval: true });
      w.on('message', (r) => { console.log(JSON.stringify({ ...r, worker: nice(r.tid), main: nice(process.pid) })); process.exit(0); });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { first: number; second: number; worker: number; main: number };
    expect(out).toMatchObject({ first: 0, second: 0 });
    // The main thread keeps the process's own (0, unless the tests run niced).
    expect(out.worker).toBe(Math.max(SCAN_NICE, out.main));
  });

  it('lists a folder as readdir does: every name as raw bytes, files, folders and the rest (links, FIFOs) apart', () => {
    const dir = join(root, 'list');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(Buffer.from(join(dir, 'caf\xe9-latin1.bin'), 'latin1'), 'x');
    symlinkSync('a.txt', join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const part = native.listFolder(Buffer.from(dir));
    if (typeof part === 'number') throw new Error(`listFolder failed: ${part}`);
    const got = new Map<string, number>();
    const names = Buffer.from(part.names.buffer, part.names.byteOffset, part.names.byteLength);
    part.ends.forEach((end, i) => got.set(names.subarray(i === 0 ? 0 : part.ends[i - 1], end).toString('latin1'), part.types[i]!));
    const want = new Map(readdirSync(Buffer.from(dir), { withFileTypes: true, encoding: 'buffer' }).map((d) => [d.name.toString('latin1'), d.isFile() ? ENTRY_FILE : d.isDirectory() ? ENTRY_DIR : ENTRY_OTHER]));
    expect(got).toEqual(want);
    expect(got.get('link')).toBe(ENTRY_OTHER);
    expect(got.get('fifo')).toBe(ENTRY_OTHER);
    expect(native.listFolder(Buffer.from(join(dir, 'nowhere')))).toBe(-2); // -ENOENT
    expect(native.listFolder(Buffer.from(join(dir, 'a.txt')))).toBe(-20); // -ENOTDIR
    expect(errnoError(-20, 'scandir')).toEqual({ code: 'ENOTDIR', message: 'ENOTDIR: not a directory, scandir' });
  });

  it('types entries with lstat where the file system gives none in readdir (some NFS and XFS), as Node does', () => {
    const dir = join(root, 'list');
    const script = `
      const m = { exports: {} };
      process.dlopen(m, ${JSON.stringify(join(WORKERS_DIR, NATIVE_WALK_FILE))});
      const part = m.exports.listFolder(Buffer.from(${JSON.stringify(dir)}));
      const names = Buffer.from(part.names);
      const out = {};
      part.ends.forEach((end, i) => (out[names.subarray(i === 0 ? 0 : part.ends[i - 1], end).toString('latin1')] = part.types[i]));
      console.log(JSON.stringify(out));`;
    const untyped = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, PEDIGREE_NATIVE_TEST_NO_DTYPE: '1' }, encoding: 'utf8' })) as Record<string, number>;
    const typed = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, number>;
    expect(untyped).toEqual(typed);
    expect(untyped['a.txt']).toBe(ENTRY_FILE);
    expect(untyped['sub']).toBe(ENTRY_DIR);
    expect(untyped['link']).toBe(ENTRY_OTHER);
  });

  it('adds regular files with the stat lstat gives, hashes the small ones, and hands back what it must not open', () => {
    const dir = join(root, 'hash');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'small.txt'), 'hello, native walker');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(200_000, 3));
    writeFileSync(join(dir, 'linked.txt'), 'two names');
    linkSync(join(dir, 'linked.txt'), join(dir, 'linked-too.txt'));
    symlinkSync('small.txt', join(dir, 'symlink'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const names = ['small.txt', 'empty', 'big.bin', 'linked.txt', 'symlink', 'fifo', 'sub', 'deleted-since'];
    const namesBuf = Buffer.from(names.join(''));
    let end = 0;
    const ends = Uint32Array.from(names, (n) => (end += Buffer.byteLength(n)));
    const picks = Uint32Array.from(names.keys());
    const flags = Uint8Array.from(names, (n) => (n === 'small.txt' ? FLAG_DVC : n === 'empty' ? FLAG_NOT_UTF8 : 0));
    const builder = new FileBatchBuilder(16);
    const prefix = Buffer.from('hash/');
    const w = builder.openForWriter(names.length * 64);
    const report = new Float64Array(4 * names.length);
    // 100,000 bytes is the small-file limit here: big.bin is listed, not read.
    const added = native.hashFiles(Buffer.from(dir), namesBuf, ends, picks, flags, prefix, 100_000, w.batch, w.at, w.pathAt, report);
    builder.wrote(added);
    const status = Object.fromEntries(names.map((n, k) => [n, report[4 * k]]));
    expect(status).toEqual({ 'small.txt': NATIVE_HASHED, empty: NATIVE_HASHED, 'big.bin': NATIVE_LISTED, 'linked.txt': NATIVE_HASHED, symlink: NATIVE_FALLBACK, fifo: NATIVE_FALLBACK, sub: NATIVE_FALLBACK, 'deleted-since': NATIVE_GONE });
    expect(added).toBe(4);
    const b = builder.take();
    const files = ['small.txt', 'empty', 'big.bin', 'linked.txt'];
    files.forEach((name, i) => {
      const st = lstatSync(join(dir, name), { bigint: true });
      const path = Buffer.from(b.paths.subarray(i === 0 ? 0 : b.pathEnds[i - 1], b.pathEnds[i])).toString();
      expect(path).toBe(`hash/${name}`);
      expect(b.sizes[i]).toBe(Number(st.size));
      expect([b.times[2 * i], b.times[2 * i + 1]]).toEqual([st.mtimeNs, st.ctimeNs]);
      expect([b.ids[2 * i], b.ids[2 * i + 1]]).toEqual([st.ino, st.dev]);
    });
    expect(b.flags[0]).toBe(FLAG_DVC | FLAG_HASHED);
    expect(b.flags[1]).toBe(FLAG_NOT_UTF8 | FLAG_HASHED);
    expect(b.flags[2]).toBe(0);
    expect(b.flags[3]).toBe(FLAG_LINKED | FLAG_HASHED);
    const hex = (a: Uint8Array, at: number, n: number) => Buffer.from(a.subarray(at, at + n)).toString('hex');
    const content = Buffer.from('hello, native walker');
    expect(hex(b.sha256, 0, 32)).toBe(createHash('sha256').update(content).digest('hex'));
    expect(hex(b.md5, 0, 16)).toBe(createHash('md5').update(content).digest('hex'));
    expect(hex(b.sha256, 32, 32)).toBe(createHash('sha256').update('').digest('hex'));
    expect(Buffer.from(b.heads.subarray(0, b.headLens[0])).toString()).toBe('hello, native walker');
    expect(b.headLens[2]).toBe(0);
    expect(HEAD_BYTES).toBe(64);
  });

  it('lists without opening anything when given no small-file limit (a re-scan): stats as lstat gives them, a FIFO never touched', () => {
    const dir = join(root, 'hash');
    const names = ['small.txt', 'big.bin', 'symlink', 'fifo', 'sub', 'deleted-since'];
    const namesBuf = Buffer.from(names.join(''));
    let end = 0;
    const ends = Uint32Array.from(names, (n) => (end += Buffer.byteLength(n)));
    const builder = new FileBatchBuilder(8);
    const w = builder.openForWriter(256);
    const report = new Float64Array(4 * names.length);
    const added = native.hashFiles(Buffer.from(dir), namesBuf, ends, Uint32Array.from(names.keys()), new Uint8Array(names.length), Buffer.alloc(0), -1, w.batch, w.at, w.pathAt, report);
    builder.wrote(added);
    expect(Object.fromEntries(names.map((n, k) => [n, report[4 * k]]))).toEqual({ 'small.txt': NATIVE_LISTED, 'big.bin': NATIVE_LISTED, symlink: NATIVE_FALLBACK, fifo: NATIVE_FALLBACK, sub: NATIVE_FALLBACK, 'deleted-since': NATIVE_GONE });
    const b = builder.take();
    ['small.txt', 'big.bin'].forEach((name, i) => {
      const st = lstatSync(join(dir, name), { bigint: true });
      expect([b.sizes[i], b.times[2 * i], b.times[2 * i + 1], b.ids[2 * i], b.ids[2 * i + 1]]).toEqual([Number(st.size), st.mtimeNs, st.ctimeNs, st.ino, st.dev]);
      expect(b.flags[i]! & FLAG_HASHED).toBe(0);
    });
  });

  it('reports a file whose content is not what its stat said (a /proc file, size 0 with bytes in it) as unstable', () => {
    if (process.platform !== 'linux') return;
    const names = Buffer.from('status');
    const builder = new FileBatchBuilder(4);
    const w = builder.openForWriter(64);
    const report = new Float64Array(4);
    const added = native.hashFiles(Buffer.from('/proc/self'), names, Uint32Array.of(names.length), Uint32Array.of(0), Uint8Array.of(0), Buffer.alloc(0), 1024 * 1024, w.batch, w.at, w.pathAt, report);
    expect(added).toBe(1);
    expect(report[0]).toBe(NATIVE_UNSTABLE);
    expect(report[2]).toBe(1); // read one byte more than the 0 its stat said, and stopped
    expect(w.batch.flags[0]! & FLAG_HASHED).toBe(0);
  });

  it('refuses arguments that would write past the batch, instead of writing there', () => {
    const names = Buffer.from('ab');
    const builder = new FileBatchBuilder(1);
    const w = builder.openForWriter(2);
    const call = (picks: Uint32Array, ends = Uint32Array.of(1, 2)) => () => native.hashFiles(Buffer.from(root), names, ends, picks, new Uint8Array(picks.length), Buffer.alloc(0), 1024, w.batch, w.at, w.pathAt, new Float64Array(4 * picks.length));
    expect(call(Uint32Array.of(0, 1))).toThrow(/no room/);
    expect(call(Uint32Array.of(5))).toThrow(/out of range/);
    expect(call(Uint32Array.of(0), Uint32Array.of(9, 2))).toThrow(/bad name ends/);
    const at = (a: number, pathAt: number) => () => native.hashFiles(Buffer.from(root), names, Uint32Array.of(1, 2), Uint32Array.of(0), new Uint8Array(1), Buffer.alloc(0), 1024, w.batch, a, pathAt, new Float64Array(4));
    expect(at(-1, 0)).toThrow(/whole numbers inside the batch/); // would wrap round and write before the arrays
    expect(at(0.5, 0)).toThrow(/whole numbers inside the batch/);
    expect(at(0, -1)).toThrow(/whole numbers inside the batch/);
    expect(at(0, 1e9)).toThrow(/whole numbers inside the batch/);
  });
});

describe('a first-index walk with the native half and without it', () => {
  const tree = join(root, 'tree');
  mkdirSync(join(tree, 'proj/.dvc'), { recursive: true });
  mkdirSync(join(tree, 'proj/data'), { recursive: true });
  mkdirSync(join(tree, 'big'), { recursive: true });
  writeFileSync(join(tree, 'proj/dvc.yaml'), 'stages: {}\n');
  writeFileSync(join(tree, 'proj/data/train.csv'), 'a,b\n1,2\n');
  writeFileSync(join(tree, '.pedigreeignore'), 'ignored/\n*.tmp\n');
  mkdirSync(join(tree, 'ignored'));
  writeFileSync(join(tree, 'ignored/x.bin'), 'never');
  writeFileSync(join(tree, 'scratch.tmp'), 'never');
  writeFileSync(join(tree, 'model.safetensors'), Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":{}}')]));
  writeFileSync(Buffer.from(join(tree, 'na\xefve.txt'), 'latin1'), 'latin-1 name');
  writeFileSync(join(tree, 'empty'), '');
  writeFileSync(join(tree, 'huge.bin'), Buffer.alloc(1024 * 1024 + 1, 1));
  for (let i = 0; i < 1500; i++) writeFileSync(join(tree, 'big', `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 7)));
  linkSync(join(tree, 'empty'), join(tree, 'empty-too'));
  symlinkSync('model.safetensors', join(tree, 'model-link'));
  symlinkSync('nowhere', join(tree, 'dangling'));
  execFileSync('mkfifo', [join(tree, 'pipe')]);

  const walkWith = async (nativeOn: boolean, hashSmall: boolean): Promise<WalkResult> => {
    const before = process.env.PEDIGREE_NATIVE_WALK;
    if (!nativeOn) process.env.PEDIGREE_NATIVE_WALK = '0'; // the walker threads get this process's environment
    try {
      return await walkTree(tree, { hashSmall, batchSize: 100, threads: 2 });
    } finally {
      if (before === undefined) delete process.env.PEDIGREE_NATIVE_WALK;
      else process.env.PEDIGREE_NATIVE_WALK = before;
    }
  };

  it.each([
    ['a first index (small files hashed while listed)', true],
    ['a re-scan (stats only)', false],
  ])('finds the same files, stats, digests, first bytes, flags and findings: %s', async (_what, hashSmall) => {
    const [withNative, withoutNative] = [await walkWith(true, hashSmall), await walkWith(false, hashSmall)];
    expect(withNative.error).toBeNull();
    expect(withoutNative.error).toBeNull();
    expect(withNative.files.size).toBe(1500 + 9);
    const strip = (r: WalkResult) => new Map([...r.files].map(([k, f]) => [k, { ...f, rel: text(f.rel) }]));
    expect(strip(withNative)).toEqual(strip(withoutNative));
    const findings = (r: WalkResult) => r.allFindings.map((f) => `${text(f.rel)} ${f.code} ${f.message}`).sort();
    expect(findings(withNative)).toEqual(findings(withoutNative));
    expect([...withNative.failures.keys()]).toEqual([...withoutNative.failures.keys()]);
    const csv = withNative.files.get('proj/data/train.csv')!;
    expect(csv.dvc).toBe(true);
    expect(csv.sha256).toBe(hashSmall ? createHash('sha256').update('a,b\n1,2\n').digest('hex') : null);
    expect(csv.md5).toBe(hashSmall ? createHash('md5').update('a,b\n1,2\n').digest('hex') : null);
    expect(withNative.files.get('huge.bin')!.sha256).toBeNull(); // above the small-file limit: the hash pool's
    expect(withNative.files.get('empty')!.linked).toBe(true);
    expect(withNative.files.has('ignored/x.bin') || withNative.files.has('scratch.tmp')).toBe(false);
    expect(withNative.findings.get('pipe')?.code).toBe('special-file');
    expect(withNative.findings.get('dangling')?.code).toBe('symlink-dangling');
  });
});

describe('the walker thread sharing folders and reporting failures, with and without the native half', () => {
  const native = loaded.native as NativeWalk;
  const flat = join(root, 'flat');
  mkdirSync(flat);
  for (let i = 0; i < 4096; i++) writeFileSync(join(flat, `f${i}.txt`), `${i}`);
  const setupFor = (batchSize: number, hungry: number): WalkerSetup => {
    const h = new Int32Array(new SharedArrayBuffer(4));
    h[0] = hungry;
    return { kind: 'pedigree-walk', root, rootReal: root, followSymlinks: false, batchSize, hashSmall: true, taken: new Int32Array(new SharedArrayBuffer(4)), window: 1_000_000, hungry: h };
  };
  const task = (abs: string, rel: string): FolderTask => {
    const st = statSync(abs, { bigint: true });
    return { abs: Buffer.from(abs), rel: Buffer.from(rel), ignores: [], dvc: false, inDvcDir: false, utf8: true, ancestors: `|${st.dev}:${st.ino}|` };
  };

  it.each([
    ['native', true],
    ['JavaScript', false],
  ])('lists each file of a big folder once however often it is shared (%s)', (_what, withNative) => {
    const messages: WalkMessage[] = [];
    // Always hungry: the walker gives away half of what is left at every chance it gets.
    const walker = new Walker(setupFor(2000, 1), (m) => messages.push(m), withNative ? native : null);
    const pending: FolderTask[] = [task(flat, 'flat')];
    while (pending.length > 0) {
      walker.walk(pending.pop()!);
      for (const m of messages.splice(0)) {
        for (let i = 0; i < m.files.count; i++) seen.push(Buffer.from(batchPath(m.files, i)).toString());
        pending.push(...m.handedBack.map((h) => h.task));
      }
    }
    expect(seen.length).toBe(4096);
    expect(new Set(seen).size).toBe(4096);
    seen.length = 0;
  });
  const seen: string[] = [];

  it('stamps a folder as it lists it, covers it on a re-scan while nothing in it changed, and takes no stamp from an addon that makes none', () => {
    const dir = join(root, 'stamped');
    mkdirSync(dir);
    for (const n of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(dir, n), n);
    const walkOnce = (nat: NativeWalk, stamps?: Map<string, Uint8Array>) => {
      const messages: WalkMessage[] = [];
      new Walker({ ...setupFor(2000, 0), hashSmall: stamps === undefined, ...(stamps ? { stamps } : {}) }, (m) => messages.push(m), nat).walk(task(dir, 'stamped'));
      return { stamps: messages.flatMap((m) => m.stamps), listed: messages.reduce((n, m) => n + m.files.count, 0) };
    };
    const first = walkOnce(native);
    expect(first.stamps).toEqual([expect.objectContaining({ files: 3, bytes: 15, covered: false, utf8: true })]);
    const stored = new Map([['stamped', first.stamps[0]!.stamp]]);
    expect(walkOnce(native, stored)).toMatchObject({ stamps: [{ files: 3, covered: true }], listed: 0 });
    writeFileSync(join(dir, 'b.txt'), 'b, changed');
    const changed = walkOnce(native, stored);
    expect(changed).toMatchObject({ stamps: [{ files: 3, covered: false }], listed: 3 });
    expect(Buffer.compare(changed.stamps[0]!.stamp, first.stamps[0]!.stamp)).not.toBe(0);
    // An addon built from older sources: it takes the stamp argument and leaves it as it was, all zeros.
    const stale: NativeWalk = { ...native, stampVersion: undefined, hashFiles: (...args: Parameters<NativeWalk['hashFiles']>) => native.hashFiles(...(args.slice(0, 11) as Parameters<NativeWalk['hashFiles']>)) };
    expect(walkOnce(stale)).toMatchObject({ stamps: [], listed: 3 });
    expect(walkOnce(stale, new Map([['stamped', new Uint8Array(16)]]))).toMatchObject({ stamps: [], listed: 3 });
  });

  it('sends a failure with the batch that holds its file, even when a file listed after it fills that batch', () => {
    const dir = join(root, 'attribution');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-fallback.txt'), 'listed by lstat');
    writeFileSync(join(dir, 'b-unstable.txt'), 'changed while read');
    // The real addon, except that it will not open the first file and says the second changed while it was read.
    const stub: NativeWalk = {
      ...native,
      hashFiles: (folder, names, ends, picks, pickFlags, prefix, smallMax, batch, at, pathAt, report) => {
        const sub = new Float64Array(report.length);
        const added = native.hashFiles(folder, names, ends, picks.subarray(1), pickFlags.subarray(1), prefix, smallMax, batch, at, pathAt, sub);
        report.fill(0);
        report[0] = NATIVE_FALLBACK;
        report.set(sub.subarray(0, 4 * (picks.length - 1)), 4);
        report[4] = NATIVE_UNSTABLE;
        return added;
      },
    };
    const messages: WalkMessage[] = [];
    new Walker(setupFor(2, 0), (m) => messages.push(m), stub).walk(task(dir, 'attribution'));
    const failures = messages.flatMap((m) => m.failures.map((f) => Buffer.from(batchPath(m.files, f.index)).toString()));
    expect(failures).toEqual(['attribution/b-unstable.txt']);
  });
});
