import { closeSync, fstatSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import ignore, { type Ignore } from 'ignore';
import { batchBuffers, FileBatchBuilder, FLAG_DVC, FLAG_NOT_UTF8, FLAG_VIA_LINK } from '../main/scan/file-batch';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_OTHER, isInside, type FolderPart, type FolderTask, type SkipKeys, type HandedBack, type HashFailure, type IgnoreRule, type WalkerSetup, type WalkFinding, type WalkMessage } from '../main/scan/protocol';
import { md5Of, openForHash, readSmall, sha256Of, SMALL_FILE } from './read-hash';

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

/** What the walk needs of a directory entry: readdir's Dirent, or one rebuilt from a shared part of a folder. */
interface Entry {
  name: Buffer;
  isFile(): boolean;
  isDirectory(): boolean;
}

function partOf(entries: Entry[]): FolderPart {
  const names = Buffer.concat(entries.map((d) => d.name));
  const ends = new Uint32Array(entries.length);
  const types = new Uint8Array(entries.length);
  let end = 0;
  entries.forEach((d, i) => {
    end += d.name.length;
    ends[i] = end;
    types[i] = d.isFile() ? ENTRY_FILE : d.isDirectory() ? ENTRY_DIR : ENTRY_OTHER;
  });
  return { names: new Uint8Array(names), ends, types };
}

function entriesOf(part: FolderPart): Entry[] {
  const all = Buffer.from(part.names.buffer, part.names.byteOffset, part.names.byteLength);
  return Array.from(part.ends, (end, i) => {
    const type = part.types[i];
    return { name: all.subarray(i === 0 ? 0 : part.ends[i - 1], end), isFile: () => type === ENTRY_FILE, isDirectory: () => type === ENTRY_DIR };
  });
}

export class Walker {
  private readonly stack: FolderTask[] = [];
  private batch: FileBatchBuilder;
  private failures: HashFailure[] = [];
  private findings: WalkFinding[] = [];
  private handedBack: HandedBack[] = [];
  private statAtNs = nowNs();
  private posted = 0;
  private readonly compiled = new Map<string, Ignore>();
  private readonly buf: Buffer;
  /** Folders walked from links of their own (`device:inode`): not walked again below another link's folder. */
  private readonly skip = new Set<string>();

  constructor(
    private readonly setup: WalkerSetup,
    private readonly post: (m: WalkMessage, transfer: ArrayBuffer[]) => void,
  ) {
    this.batch = new FileBatchBuilder(setup.batchSize);
    this.buf = setup.hashSmall ? Buffer.allocUnsafe(SMALL_FILE + 1) : Buffer.alloc(0);
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
    if (!idle && !force && this.batch.count + this.findings.length < this.setup.batchSize) return;
    const { taken, window } = this.setup;
    // Timed waits: a terminate (a cancelled scan) must not find this thread asleep for ever.
    for (let t = Atomics.load(taken, 0); this.posted - t >= window; t = Atomics.load(taken, 0)) Atomics.wait(taken, 0, t, 200);
    this.posted++;
    const files = this.batch.take();
    this.post({ type: 'batch', files, failures: this.failures, findings: this.findings, handedBack: this.handedBack, statAtNs: this.statAtNs, idle }, batchBuffers(files));
    this.failures = [];
    this.findings = [];
    this.handedBack = [];
    this.statAtNs = nowNs();
  }

  skipFolders(keys: string[]): void {
    for (const k of keys) this.skip.add(k);
  }

  private finding(rel: Uint8Array, code: string, severity: WalkFinding['severity'], message: string, unseen = false): void {
    this.findings.push(unseen ? { rel, code, severity, message, unseen } : { rel, code, severity, message });
  }

  private folder(task: FolderTask): void {
    let entries: Entry[];
    if (task.part) entries = entriesOf(task.part);
    else {
      try {
        entries = readdirSync(Buffer.from(task.abs), { withFileTypes: true, encoding: 'buffer' });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        // A folder deleted since its parent was listed is simply gone; any other failure hides what is in it.
        this.finding(task.rel, `dir-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot list folder: ${err.message}`, err.code !== 'ENOENT');
        return;
      }
    }
    const relPrefix = task.rel.length ? Buffer.concat([task.rel, Buffer.of(SEP)]) : Buffer.alloc(0);
    const absPrefix = Buffer.concat([task.abs, Buffer.of(SEP)]);
    let ignores = task.ignores;
    // Decided before any entry is handled, so a file listed before `.dvc` still gets its MD5.
    const dvc = task.part ? task.dvc : task.dvc || entries.some((d) => (d.isDirectory() && d.name.equals(DVC_DIR)) || (!d.isDirectory() && (d.name.equals(DVC_YAML) || d.name.equals(DVC_LOCK))));
    const ignoreFile = task.part ? undefined : entries.find((d) => d.name.equals(IGNORE_FILE));
    if (ignoreFile) {
      const rel = Buffer.concat([relPrefix, IGNORE_FILE]);
      // Only a regular file is read: a FIFO under that name would block the walk for ever.
      if (!ignoreFile.isFile()) this.finding(rel, 'ignore-file-unreadable', 'warning', '.pedigreeignore is not a regular file; not read');
      else {
        try {
          const text = readFileSync(Buffer.concat([absPrefix, IGNORE_FILE]), 'utf8');
          ignores = [...ignores, { base: Buffer.from(task.rel).toString('utf8'), text }];
        } catch (e) {
          this.finding(rel, 'ignore-file-unreadable', 'warning', `cannot read .pedigreeignore: ${(e as Error).message}`);
        }
      }
    }
    const fileFlags = dvc ? FLAG_DVC : 0;
    for (let k = 0; k < entries.length; k++) {
      // A big folder is shared with an idle walker: it takes the second half of what is left.
      if (k % SHARE_EVERY === 0 && entries.length - k >= 2 * SHARE_EVERY && Atomics.load(this.setup.hungry, 0) > 0) {
        const half = k + Math.ceil((entries.length - k) / 2);
        this.handedBack.push({ task: { ...task, dvc, ignores, part: partOf(entries.slice(half)) } });
        entries = entries.slice(0, half);
        this.flush(false, true);
      }
      const d = entries[k]!;
      const name = d.name;
      const rel = Buffer.concat([relPrefix, name]);
      const abs = Buffer.concat([absPrefix, name]);
      if (ignores.length > 0 && this.isIgnored(ignores, rel.toString('utf8'), d.isDirectory())) continue;
      const utf8 = isValidUtf8(name);
      if (!utf8) this.finding(rel, 'name-not-utf8', 'info', `file name is not valid UTF-8 (bytes ${name.toString('hex')}); indexed by its raw bytes`);
      const flags = fileFlags | (task.utf8 && utf8 ? 0 : FLAG_NOT_UTF8);
      if (this.setup.hashSmall && d.isFile() && this.hashWhileListing(rel, abs, flags)) continue;
      let st: BigIntStats;
      try {
        st = lstatSync(abs, { bigint: true });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') continue; // deleted between readdir and stat: simply not there
        this.finding(rel, `stat-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot stat: ${err.message}`, true);
        continue;
      }
      let linkReal: string | null = null;
      if (st.isSymbolicLink()) {
        const target = this.followLink(task, rel, abs);
        if (!target) continue;
        st = target.stat;
        linkReal = target.real;
      }
      const viaLink = linkReal !== null;
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(name.toString('utf8')) || (task.inDvcDir && SKIP_IN_DVC.has(name.toString('utf8')))) continue;
        const key = `${st.dev}:${st.ino}`;
        if (task.ancestors.includes(`|${key}|`)) {
          this.finding(rel, 'symlink-loop', 'warning', 'folder is one of the folders above it (a loop through a link or a bind mount); not walked again');
          continue;
        }
        if (!viaLink && this.skip.has(key)) {
          this.finding(rel, 'symlink-loop', 'info', 'folder walked through a link that leads to it; not walked again here');
          continue;
        }
        const sub: FolderTask = { abs, rel, ignores, dvc, inDvcDir: name.equals(DVC_DIR), utf8: task.utf8 && utf8, ancestors: `${task.ancestors}${key}|` };
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
    this.flush(false);
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
  port.on('message', (m: FolderTask | SkipKeys) => {
    if ('skipKeys' in m) walker.skipFolders(m.skipKeys);
    else walker.walk(m);
  });
}
