import { closeSync, fstatSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import ignore, { type Ignore } from 'ignore';
import { batchBuffers, FileBatchBuilder, FLAG_DVC, FLAG_NOT_UTF8, FLAG_VIA_LINK, type FileBatch } from '../main/scan/file-batch';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_OTHER, isInside, type FolderPart, type FolderStamp, type FolderTask, type SkipKeys, type HandedBack, type HashFailure, type IgnoreRule, type WalkerSetup, type WalkFinding, type WalkMessage } from '../main/scan/protocol';
import { md5Of, openForHash, readSmall, sha256Of, SMALL_FILE } from './read-hash';
import { errnoError, loadNativeWalk, NATIVE_FALLBACK, NATIVE_GONE, NATIVE_HASHED, NATIVE_IO, NATIVE_LISTED, NATIVE_UNSTABLE, scanThreadInBackground, STAMP_VERSION, type NativeWalk } from './walk-native';

/**
 * A walker thread: lists folders with synchronous calls (the fastest way to
 * stat many files in Node) and posts packed batches of files and findings.
 * A scan runs one walker per core; each walks depth-first from the folders it
 * is given, and gives half of what it has yet to walk back to the scanner
 * when another walker is idle. On a store's first index it hashes small files
 * as it lists them.
 */

const SEP = 0x2f;
/** Internals that are indexes of their own, not content: read by their readers, never walked. */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', '.pedigree-tmp']);
/** Inside a `.dvc` folder (at any depth: projects nest): the cache and scratch space are DVC's own. */
const SKIP_IN_DVC = new Set(['cache', 'tmp']);
const IGNORE_FILE = Buffer.from('.pedigreeignore');
const DVC_DIR = Buffer.from('.dvc');
const DVC_YAML = Buffer.from('dvc.yaml');
const DVC_LOCK = Buffer.from('dvc.lock');

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Entries of a big folder between two looks at whether another walker is idle (and the least a walker gives away). */
const SHARE_EVERY = 512;

/** A folder's entries as readdir gave them, packed (what a shared part of a folder is made of, too). */
function partOf(entries: Dirent<Buffer>[]): FolderPart {
  const names = Buffer.concat(entries.map((d) => d.name));
  const ends = new Uint32Array(entries.length);
  const types = new Uint8Array(entries.length);
  let end = 0;
  entries.forEach((d, i) => {
    end += d.name.length;
    ends[i] = end;
    types[i] = d.isFile() ? ENTRY_FILE : d.isDirectory() ? ENTRY_DIR : ENTRY_OTHER;
  });
  return { names: new Uint8Array(names.buffer, names.byteOffset, names.byteLength), ends, types };
}

/** Entries `from` up to `to` of a part, as a part of their own. */
function slicePart(part: FolderPart, from: number, to: number): FolderPart {
  const base = from === 0 ? 0 : part.ends[from - 1]!;
  const ends = part.ends.slice(from, to);
  for (let i = 0; i < ends.length; i++) ends[i]! -= base;
  return { names: part.names.slice(base, to === 0 ? 0 : part.ends[to - 1]), ends, types: part.types.slice(from, to) };
}

/** The names of a part as one Buffer, each found by its offsets (no object per entry). */
class Names {
  readonly all: Buffer;
  constructor(readonly part: FolderPart) {
    this.all = Buffer.from(part.names.buffer, part.names.byteOffset, part.names.byteLength);
  }
  start(k: number): number {
    return k === 0 ? 0 : this.part.ends[k - 1]!;
  }
  at(k: number): Buffer {
    return this.all.subarray(this.start(k), this.part.ends[k]);
  }
  is(k: number, name: Buffer): boolean {
    const start = this.start(k);
    const end = this.part.ends[k]!;
    return end - start === name.length && this.all.compare(name, 0, name.length, start, end) === 0;
  }
  /** Bytes the paths `prefix + name` of these entries take, end to end. */
  pathBytes(entries: Uint32Array, prefixLength: number): number {
    let n = 0;
    for (const k of entries) n += prefixLength + this.part.ends[k]! - this.start(k);
    return n;
  }
  find(name: Buffer): number {
    for (let k = 0; k < this.part.ends.length; k++) if (this.is(k, name)) return k;
    return -1;
  }
  utf8(k: number): boolean {
    const end = this.part.ends[k]!;
    for (let i = this.start(k); i < end; i++) if (this.all[i]! >= 0x80) return isValidUtf8(this.at(k));
    return true; // ASCII, the usual case, without the decoder
  }
}

export class Walker {
  private readonly stack: FolderTask[] = [];
  private batch: FileBatchBuilder;
  private failures: HashFailure[] = [];
  private findings: WalkFinding[] = [];
  private handedBack: HandedBack[] = [];
  private stamps: FolderStamp[] = [];
  /** Files of the covered folders in `stamps`: they count towards a batch's size as listed files do. */
  private coveredFiles = 0;
  /** Where a folder is stat'ed for its stamp alone (a re-scan), emptied after each call. */
  private scratch: FileBatchBuilder | null = null;
  private statAtNs = nowNs();
  private posted = 0;
  private readonly compiled = new Map<string, Ignore>();
  private readonly buf: Buffer;
  /** Folders walked from links of their own (`device:inode`): not walked again below another link's folder. */
  private readonly skip = new Set<string>();
  /** The native half, where it was built and loads (null: all in JavaScript). */
  private readonly native: NativeWalk | null;
  /** Status, errno, bytes read and size after of each file the native half was given, reused from folder to folder. */
  private report = new Float64Array(4 * 1024);

  constructor(
    private readonly setup: WalkerSetup,
    private readonly post: (m: WalkMessage, transfer: ArrayBuffer[]) => void,
    /** The native half; by default the addon `setup.nativeFile` names (tests pass one of their own). */
    native?: NativeWalk | null,
  ) {
    this.batch = new FileBatchBuilder(setup.batchSize);
    this.buf = setup.hashSmall ? Buffer.allocUnsafe(SMALL_FILE + 1) : Buffer.alloc(0);
    this.native = native === undefined ? loadNativeWalk(setup.nativeFile).native : native;
  }

  /** Walks a folder and everything below it that is not given away; then says it is idle. */
  walk(task: FolderTask): void {
    if (this.batch.count + this.findings.length === 0) this.statAtNs = nowNs(); // it may have waited a while for this task
    this.stack.push(task);
    while (this.stack.length > 0) {
      this.folder(this.stack.pop()!);
      if (this.stack.length > 1 && Atomics.load(this.setup.hungry, 0) > 0) this.giveAway();
    }
    this.flush(true);
  }

  /** The shallower half of the folders not yet walked (the bigger subtrees) goes back to the scanner for an idle walker. */
  private giveAway(): void {
    const half = this.stack.splice(0, Math.ceil(this.stack.length / 2));
    for (const task of half) this.handedBack.push({ task });
    this.flush(false, true);
  }

  private flush(idle: boolean, force = false): void {
    if (!idle && !force && this.batch.count + this.findings.length + this.coveredFiles < this.setup.batchSize) return;
    const { taken, window } = this.setup;
    // Timed waits: a terminate (a cancelled scan) must not find this thread asleep for ever.
    for (let t = Atomics.load(taken, 0); this.posted - t >= window; t = Atomics.load(taken, 0)) Atomics.wait(taken, 0, t, 200);
    this.posted++;
    const files = this.batch.take();
    this.post({ type: 'batch', files, failures: this.failures, findings: this.findings, stamps: this.stamps, handedBack: this.handedBack, statAtNs: this.statAtNs, idle }, batchBuffers(files));
    this.failures = [];
    this.findings = [];
    this.stamps = [];
    this.coveredFiles = 0;
    this.handedBack = [];
    this.statAtNs = nowNs();
  }

  /** This thread gives way to the UI (see SCAN_NICE). */
  toBackground(): void {
    scanThreadInBackground(this.native);
  }

  skipFolders(keys: string[]): void {
    for (const k of keys) this.skip.add(k);
  }

  private finding(rel: Uint8Array, code: string, severity: WalkFinding['severity'], message: string, unseen = false): void {
    this.findings.push(unseen ? { rel, code, severity, message, unseen } : { rel, code, severity, message });
  }

  /** The folder's entries, from the native lister where there is one; null when it cannot be listed (a finding says why). */
  private list(task: FolderTask): FolderPart | null {
    const failed = (code: string, message: string) => {
      // A folder deleted since its parent was listed is simply gone; any other failure hides what is in it.
      this.finding(task.rel, `dir-${code.toLowerCase()}`, 'error', `cannot list folder: ${message}`, code !== 'ENOENT');
      return null;
    };
    if (this.native) {
      const listed = this.native.listFolder(task.abs);
      if (typeof listed !== 'number') return listed;
      const err = errnoError(listed, `scandir '${Buffer.from(task.abs).toString('utf8')}'`);
      return failed(err.code, err.message);
    }
    try {
      return partOf(readdirSync(Buffer.from(task.abs), { withFileTypes: true, encoding: 'buffer' }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return failed(err.code ?? 'EIO', err.message);
    }
  }

  private folder(task: FolderTask): void {
    const part = task.part ?? this.list(task);
    if (!part) return;
    const names = new Names(part);
    const relPrefix = task.rel.length ? Buffer.concat([task.rel, Buffer.of(SEP)]) : Buffer.alloc(0);
    const absPrefix = Buffer.concat([task.abs, Buffer.of(SEP)]);
    let ignores = task.ignores;
    let count = part.ends.length;
    // Decided before any entry is handled, so a file listed before `.dvc` still gets its MD5.
    let dvc = task.dvc;
    if (!task.part && !dvc) {
      for (let k = 0; k < count && !dvc; k++) dvc = part.types[k] === ENTRY_DIR ? names.is(k, DVC_DIR) : names.is(k, DVC_YAML) || names.is(k, DVC_LOCK);
    }
    const ignoreAt = task.part ? -1 : names.find(IGNORE_FILE);
    if (ignoreAt >= 0) {
      const rel = Buffer.concat([relPrefix, IGNORE_FILE]);
      // Only a regular file is read: a FIFO under that name would block the walk for ever.
      if (part.types[ignoreAt] !== ENTRY_FILE) this.finding(rel, 'ignore-file-unreadable', 'warning', '.pedigreeignore is not a regular file; not read');
      else {
        try {
          const text = readFileSync(Buffer.concat([absPrefix, IGNORE_FILE]), 'utf8');
          ignores = [...ignores, { base: Buffer.from(task.rel).toString('utf8'), text }];
        } catch (e) {
          this.finding(rel, 'ignore-file-unreadable', 'warning', `cannot read .pedigreeignore: ${(e as Error).message}`);
        }
      }
    }
    const relText = ignores.length > 0 ? relPrefix.toString('utf8') : '';
    const fileFlags = dvc ? FLAG_DVC : 0;
    /** Regular files for the native half to stat (and on a first index read and hash): their entry indexes and flags. */
    const native = this.native;
    const picks: number[] = [];
    const pickFlags: number[] = [];
    /**
     * The folder gets a stamp when the native half stats all of it and every
     * entry is a regular file or a folder: then its files are exactly what the
     * stamp mixes, and nothing else of it (a link, a FIFO) can be in the index.
     */
    let stampable = native !== null && native.stampVersion === STAMP_VERSION && !task.part;
    // A first index shares big folders, for their hashing; a re-scan stats them whole, for their stamps (the JavaScript walker makes none).
    const mayShare = this.setup.hashSmall || !stampable;
    for (let k = 0; k < count; k++) {
      // A big folder is shared with an idle walker: it takes the second half of what is left.
      if (mayShare && k % SHARE_EVERY === 0 && count - k >= 2 * SHARE_EVERY && Atomics.load(this.setup.hungry, 0) > 0) {
        const half = k + Math.ceil((count - k) / 2);
        // Up to `count`, not to the part's end: what an earlier share gave away is not given again.
        this.handedBack.push({ task: { ...task, dvc, ignores, part: slicePart(part, half, count) } });
        count = half;
        stampable = false;
        this.flush(false, true);
      }
      const type = part.types[k]!;
      if (ignores.length > 0 && this.isIgnored(ignores, relText + names.at(k).toString('utf8'), type === ENTRY_DIR)) continue;
      const utf8 = names.utf8(k);
      if (!utf8) {
        const name = names.at(k);
        this.finding(Buffer.concat([relPrefix, name]), 'name-not-utf8', 'info', `file name is not valid UTF-8 (bytes ${name.toString('hex')}); indexed by its raw bytes`);
      }
      const flags = fileFlags | (task.utf8 && utf8 ? 0 : FLAG_NOT_UTF8);
      if (native && type === ENTRY_FILE) {
        picks.push(k);
        pickFlags.push(flags);
        continue;
      }
      if (type !== ENTRY_DIR) stampable = false;
      this.entry(task, names.at(k), relPrefix, absPrefix, type, flags, dvc, ignores);
    }
    if (native && picks.length > 0) {
      const stored = stampable ? this.setup.stamps?.get(Buffer.from(task.rel).toString('latin1')) : undefined;
      if (!stored || !this.tryCover(native, task, names, relPrefix, picks, pickFlags, stored)) {
        this.hashNatively(native, task, names, relPrefix, absPrefix, picks, pickFlags, dvc, ignores, stampable);
      }
    }
    this.flush(false);
  }

  /**
   * A re-scan's look at a folder the index has a stamp for: its files are
   * stat'ed into a scratch batch, and if the stamp comes out the same, the
   * folder is reported covered (its stamp is queued for the next batch, its
   * files counted towards that batch's size) and none of its files is
   * listed. False: it changed (or a file could not be stat'ed as a regular
   * file); nothing is reported, and the caller lists it the usual way.
   */
  private tryCover(native: NativeWalk, task: FolderTask, names: Names, relPrefix: Buffer, picks: number[], pickFlags: number[], stored: Uint8Array): boolean {
    const scratch = (this.scratch ??= new FileBatchBuilder(this.setup.batchSize));
    const all = Uint32Array.from(picks);
    const allFlags = Uint8Array.from(pickFlags);
    const stamp = new Uint8Array(16);
    const report = this.reportFor(Math.min(all.length, scratch.room));
    let bytes = 0;
    for (let from = 0; from < all.length; ) {
      scratch.clear();
      const n = Math.min(scratch.room, all.length - from);
      const { batch, added } = this.nativeChunk(native, task, names, relPrefix, all.subarray(from, from + n), allFlags.subarray(from, from + n), -1, scratch, report, stamp);
      if (added !== n) return false;
      for (let j = 0; j < n; j++) if (report[4 * j] !== NATIVE_LISTED) return false;
      for (let i = 0; i < added; i++) bytes += batch.sizes[i]!;
      from += n;
    }
    scratch.clear();
    // An all-zero stamp is none (an addon that did not mix one): never taken as unchanged.
    if (Buffer.compare(stamp, stored) !== 0 || stamp.every((x) => x === 0)) return false;
    this.stamps.push({ rel: task.rel, utf8: task.utf8, stamp, files: all.length, bytes, covered: true });
    this.coveredFiles += all.length;
    return true;
  }

  /** Room for `n` files' outcomes in the report the native half fills (status, errno, bytes read, size after). */
  private reportFor(n: number): Float64Array {
    return this.report.length >= n * 4 ? this.report : (this.report = new Float64Array(n * 4));
  }

  /**
   * One call of the native half: the chunk's entries stat'ed (and, up to
   * `smallMax`, read and hashed) into `into` after what it holds, mixed into
   * `stamp` where given; where they start and how many there are.
   */
  private nativeChunk(native: NativeWalk, task: FolderTask, names: Names, relPrefix: Buffer, chunk: Uint32Array, flags: Uint8Array, smallMax: number, into: FileBatchBuilder, report: Float64Array, stamp?: Uint8Array): { batch: FileBatch; at: number; added: number } {
    const w = into.openForWriter(names.pathBytes(chunk, relPrefix.length));
    const added = native.hashFiles(task.abs, names.part.names, names.part.ends, chunk, flags, relPrefix, smallMax, w.batch, w.at, w.pathAt, report, stamp);
    into.wrote(added);
    return { batch: w.batch, at: w.at, added };
  }

  /**
   * The native half stats the folder's regular files straight into the batch
   * (on a first index it opens, reads and hashes the small ones too), as many
   * at a call as the batch has room for; what it could not stat or open as a
   * regular file is listed here the usual way.
   */
  private hashNatively(native: NativeWalk, task: FolderTask, names: Names, relPrefix: Buffer, absPrefix: Buffer, picks: number[], pickFlags: number[], dvc: boolean, ignores: IgnoreRule[], stampable: boolean): void {
    const all = Uint32Array.from(picks);
    const allFlags = Uint8Array.from(pickFlags);
    const report = this.reportFor(all.length);
    /** Mixed from every file added, while each was added as the native half saw it (the files' rows are written from the same stats). */
    const stamp = stampable ? new Uint8Array(16) : undefined;
    let stamped = stampable;
    let files = 0;
    let bytes = 0;
    for (let from = 0; from < all.length; ) {
      if (this.batch.room === 0) this.flush(false, true);
      const n = Math.min(this.batch.room, all.length - from);
      const chunk = all.subarray(from, from + n);
      const { batch, at, added } = this.nativeChunk(native, task, names, relPrefix, chunk, allFlags.subarray(from, from + n), this.setup.hashSmall ? SMALL_FILE : -1, this.batch, report, stamp);
      files += added;
      for (let i = at; i < at + added; i++) bytes += batch.sizes[i]!;
      // The failures first, while the batch they index is this one: listing a fallback below may post it.
      let index = at;
      const fallbacks: number[] = [];
      for (let j = 0; j < n; j++) {
        const status = report[4 * j]!;
        if (status !== NATIVE_HASHED && status !== NATIVE_LISTED) stamped = false; // the stamp is of files that are all in the index, hashed
        if (status === NATIVE_GONE) continue; // gone since listed: nothing to list
        if (status === NATIVE_FALLBACK) {
          fallbacks.push(j);
          continue;
        }
        const i = index++;
        if (status === NATIVE_UNSTABLE) {
          this.failures.push({ index: i, kind: 'unstable', message: `changed while it was read (read ${report[4 * j + 2]} bytes, listed ${batch.sizes[i]}, now ${report[4 * j + 3]})` });
        } else if (status === NATIVE_IO) {
          const err = errnoError(report[4 * j + 1]!, 'read');
          this.failures.push({ index: i, kind: 'io', code: err.code, message: err.message });
        }
      }
      for (const j of fallbacks) this.entry(task, names.at(chunk[j]!), relPrefix, absPrefix, ENTRY_FILE, allFlags[from + j]!, dvc, ignores, false);
      from += n;
      this.flush(false);
    }
    if (stamp && stamped && files > 0) this.stamps.push({ rel: task.rel, utf8: task.utf8, stamp, files, bytes, covered: false });
  }

  /** One entry of a folder, listed with lstat (and hashed while listed, where `hash` allows and the walker does). */
  private entry(task: FolderTask, name: Buffer, relPrefix: Buffer, absPrefix: Buffer, type: number, flags: number, dvc: boolean, ignores: IgnoreRule[], hash = true): void {
    const rel = Buffer.concat([relPrefix, name]);
    const abs = Buffer.concat([absPrefix, name]);
    if (hash && this.setup.hashSmall && type === ENTRY_FILE && this.hashWhileListing(rel, abs, flags)) return;
    let st: BigIntStats;
    try {
      st = lstatSync(abs, { bigint: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return; // deleted between readdir and stat: simply not there
      this.finding(rel, `stat-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot stat: ${err.message}`, true);
      return;
    }
    let linkReal: string | null = null;
    if (st.isSymbolicLink()) {
      const target = this.followLink(task, rel, abs);
      if (!target) return;
      st = target.stat;
      linkReal = target.real;
    }
    const viaLink = linkReal !== null;
    if (st.isDirectory()) {
      const text = name.toString('utf8');
      if (SKIP_DIRS.has(text) || (task.inDvcDir && SKIP_IN_DVC.has(text))) return;
      const key = `${st.dev}:${st.ino}`;
      if (task.ancestors.includes(`|${key}|`)) {
        this.finding(rel, 'symlink-loop', 'warning', 'folder is one of the folders above it (a loop through a link or a bind mount); not walked again');
        return;
      }
      if (!viaLink && this.skip.has(key)) {
        this.finding(rel, 'symlink-loop', 'info', 'folder walked through a link that leads to it; not walked again here');
        return;
      }
      const sub: FolderTask = { abs, rel, ignores, dvc, inDvcDir: name.equals(DVC_DIR), utf8: task.utf8 && (flags & FLAG_NOT_UTF8) === 0, ancestors: `${task.ancestors}${key}|` };
      // Reached through a link: the scanner checks it against every folder walked so far.
      if (linkReal !== null) this.handedBack.push({ task: sub, linkKey: key, linkReal });
      else this.stack.push(sub);
    } else if (st.isFile()) {
      this.batch.add(rel, st, flags | (viaLink ? FLAG_VIA_LINK : 0));
      this.flush(false);
    } else {
      const what = st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : 'a device file';
      this.finding(rel, 'special-file', 'info', `${what}; never opened`);
    }
  }

  /**
   * Lists and hashes a small regular file with one open (not following links)
   * and a stat before and after the read. False: it could not be opened here
   * (a link raced in, a permission): the caller lists it the usual way, and the
   * hash pool reports what stops it being read.
   */
  private hashWhileListing(rel: Buffer, abs: Buffer, flags: number): boolean {
    let fd: number;
    try {
      fd = openForHash(abs, true);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT'; // gone since listed: nothing to list
    }
    try {
      const before = fstatSync(fd, { bigint: true });
      if (!before.isFile()) return false;
      const i = this.batch.add(rel, before, flags);
      if (before.size <= BigInt(SMALL_FILE)) {
        try {
          const n = readSmall(fd, this.buf, Number(before.size));
          const after = fstatSync(fd, { bigint: true });
          if (n !== Number(before.size) || after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) {
            this.failures.push({ index: i, kind: 'unstable', message: `changed while it was read (read ${n} bytes, listed ${before.size}, now ${after.size})` });
          } else {
            const data = this.buf.subarray(0, n);
            this.batch.setDigest(i, sha256Of(data), flags & FLAG_DVC ? md5Of(data) : null, data);
          }
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          this.failures.push({ index: i, kind: 'io', code: err.code, message: err.message });
        }
      }
      this.flush(false);
      return true;
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
  }

  /** The target's stat and real path, when the link is to be followed; otherwise says why not and returns null. */
  private followLink(task: FolderTask, rel: Buffer, abs: Buffer): { stat: BigIntStats; real: string } | null {
    let target: BigIntStats;
    try {
      target = statSync(abs, { bigint: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ELOOP') this.finding(rel, 'symlink-loop', 'warning', 'symbolic link loop: the link resolves to itself');
      else if (err.code === 'ENOENT' || err.code === 'ENOTDIR') this.finding(rel, 'symlink-dangling', 'warning', `dangling symbolic link: its target does not exist (${err.code})`);
      else this.finding(rel, `symlink-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot follow symbolic link: ${err.message}`);
      return null;
    }
    const real = realpath(abs);
    const inside = isInside(this.setup.rootReal, real);
    if (target.isDirectory() && inside) {
      // Walked where it really is, whatever the order of entries; one that holds the link would be walked for ever.
      if (isInside(real, realpath(Buffer.from(task.abs)))) this.finding(rel, 'symlink-loop', 'warning', 'symbolic link to a folder that contains it: a loop; not followed');
      return null;
    }
    if (!inside && !this.setup.followSymlinks) {
      this.finding(rel, 'symlink-outside-store', 'info', 'symbolic link to a place outside the store; not followed (enable "follow symlinks" on the store to index it)');
      return null;
    }
    return { stat: target, real };
  }

  /**
   * gitignore precedence: the deepest .pedigreeignore with a rule for the path
   * decides, so a nested `!name` re-includes what a parent's pattern excluded.
   */
  private isIgnored(ignores: IgnoreRule[], rel: string, isDir: boolean): boolean {
    for (let i = ignores.length - 1; i >= 0; i--) {
      const { base, text } = ignores[i]!;
      const sub = base ? rel.slice(base.length + 1) : rel;
      if (!sub) continue;
      const key = `${base}\0${text}`;
      let ig = this.compiled.get(key);
      if (!ig) this.compiled.set(key, (ig = ignore().add(text)));
      const verdict = ig.test(isDir ? `${sub}/` : sub);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    return false;
  }
}

function realpath(p: Buffer): string {
  try {
    return realpathSync(p, 'utf8');
  } catch {
    return p.toString('utf8');
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function isValidUtf8(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    }
  }
  return true; // ASCII, the usual case, without the decoder
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'pedigree-walk') {
  const port = parentPort;
  const walker = new Walker(workerData as WalkerSetup, (m, transfer) => port.postMessage(m, transfer));
  walker.toBackground();
  port.on('message', (m: FolderTask | SkipKeys) => {
    if ('skipKeys' in m) walker.skipFolders(m.skipKeys);
    else walker.walk(m);
  });
}
