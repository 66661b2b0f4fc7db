import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import ignore, { type Ignore } from 'ignore';
import type { WalkedFile, WalkFinding, WalkMessage, WalkRequest } from '../main/scan/protocol';

/**
 * Walks a store on its own thread with synchronous stat calls (the fastest way
 * to stat many files in Node) and streams batches to the scanner, so the main
 * thread stays free and memory stays bounded by the batch size.
 */

const SEP = Buffer.from('/');
/** Internals that are indexes of their own, not content: read by their readers, never walked. */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', '.pedigree-tmp']);
/** Inside a `.dvc` folder (at any depth: projects nest): the cache and scratch space are DVC's own. */
const SKIP_IN_DVC = new Set(['cache', 'tmp']);

interface Frame {
  abs: Buffer;
  rel: Buffer;
  ignores: { base: string; ig: Ignore }[];
  /** Below a DVC project's root (a folder holding `.dvc/`, `dvc.yaml` or `dvc.lock`): DVC declares MD5s here. */
  dvc: boolean;
  /** This folder is a `.dvc` folder. */
  inDvcDir: boolean;
}

function utf8(b: Buffer): string {
  return b.toString('utf8');
}

export function walk(req: WalkRequest, post: (m: WalkMessage) => void): void {
  const root = Buffer.from(req.root);
  let rootStat: BigIntStats;
  try {
    rootStat = statSync(root, { bigint: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post({ type: 'fatal', code: err.code ?? 'EIO', message: `cannot open the store folder ${req.root}: ${err.message}` });
    return;
  }
  if (!rootStat.isDirectory()) {
    post({ type: 'fatal', code: 'ENOTDIR', message: `${req.root} is not a folder` });
    return;
  }
  const rootReal = realpath(req.root);
  let files: WalkedFile[] = [];
  let findings: WalkFinding[] = [];
  let dirs = 0;
  let statAtNs = nowNs();
  const visitedDirs = new Set<string>([`${rootStat.dev}:${rootStat.ino}`]);
  let posted = 0;
  const flush = (force: boolean) => {
    if (force || files.length + findings.length >= req.batchSize) {
      if (req.taken && req.window) {
        // Timed waits: a terminate (a cancelled scan) must not find this thread asleep for ever.
        for (let t = Atomics.load(req.taken, 0); posted - t >= req.window; t = Atomics.load(req.taken, 0)) Atomics.wait(req.taken, 0, t, 200);
      }
      posted++;
      post({ type: 'batch', files, findings, dirs, statAtNs });
      files = [];
      findings = [];
      statAtNs = nowNs();
    }
  };
  const finding = (rel: Buffer, code: string, severity: WalkFinding['severity'], message: string, unseen = false) => {
    findings.push(unseen ? { rel, code, severity, message, unseen } : { rel, code, severity, message });
  };
  const addFile = (rel: Buffer, st: BigIntStats, viaLink: boolean, dvc: boolean) => {
    files.push({ rel, size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, inode: st.ino.toString(), device: st.dev.toString(), viaLink, ...(dvc ? { dvc } : {}), ...(st.nlink > 1n ? { linked: true as const } : {}) });
    flush(false);
  };

  const stack: Frame[] = [{ abs: root, rel: Buffer.alloc(0), ignores: [], dvc: false, inDvcDir: false }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    dirs++;
    let entries: Dirent<Buffer>[];
    try {
      entries = readdirSync(frame.abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // A folder deleted since its parent was listed is simply gone; any other failure hides what is in it.
      finding(frame.rel, `dir-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot list folder: ${err.message}`, err.code !== 'ENOENT');
      continue;
    }
    const ignores = frame.ignores.slice();
    // Decided before any entry is handled, so a file listed before `.dvc` still gets its MD5.
    const dvc = frame.dvc || entries.some((d) => (d.isDirectory() && d.name.equals(DVC_DIR)) || (!d.isDirectory() && (d.name.equals(DVC_YAML) || d.name.equals(DVC_LOCK))));
    const ignoreFile = entries.find((d) => d.name.equals(IGNORE_FILE));
    if (ignoreFile) {
      const rel = Buffer.concat([frame.rel, frame.rel.length ? SEP : Buffer.alloc(0), IGNORE_FILE]);
      // Only a regular file is read: a FIFO under that name would block the walk for ever.
      if (!ignoreFile.isFile()) finding(rel, 'ignore-file-unreadable', 'warning', '.pedigreeignore is not a regular file; not read');
      else {
        try {
          const text = readFileSync(Buffer.concat([frame.abs, SEP, IGNORE_FILE]), 'utf8');
          ignores.push({ base: utf8(frame.rel), ig: ignore().add(text) });
        } catch (e) {
          finding(rel, 'ignore-file-unreadable', 'warning', `cannot read .pedigreeignore: ${(e as Error).message}`);
        }
      }
    }
    for (const d of entries) {
      const name = d.name;
      const rel = frame.rel.length ? Buffer.concat([frame.rel, SEP, name]) : Buffer.from(name);
      const abs = Buffer.concat([frame.abs, SEP, name]);
      const relText = utf8(rel);
      if (isIgnored(ignores, relText, d.isDirectory())) continue;
      if (!isValidUtf8(name)) finding(rel, 'name-not-utf8', 'info', `file name is not valid UTF-8 (bytes ${name.toString('hex')}); indexed by its raw bytes`);
      let st: BigIntStats;
      try {
        st = lstatSync(abs, { bigint: true });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') continue; // deleted between readdir and stat: simply not there
        finding(rel, `stat-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot stat: ${err.message}`, true);
        continue;
      }
      let viaLink = false;
      if (st.isSymbolicLink()) {
        let target: BigIntStats;
        try {
          target = statSync(abs, { bigint: true });
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (err.code === 'ELOOP') finding(rel, 'symlink-loop', 'warning', 'symbolic link loop: the link resolves to itself');
          else if (err.code === 'ENOENT' || err.code === 'ENOTDIR') finding(rel, 'symlink-dangling', 'warning', `dangling symbolic link: its target does not exist (${err.code})`);
          else finding(rel, `symlink-${(err.code ?? 'EIO').toLowerCase()}`, 'error', `cannot follow symbolic link: ${err.message}`);
          continue;
        }
        const real = realpath(abs);
        const inside = isInside(rootReal, real);
        if (target.isDirectory() && inside) {
          // Walked where it really is, whatever the order of entries; one that holds the link would be walked for ever.
          if (isInside(real, realpath(frame.abs))) finding(rel, 'symlink-loop', 'warning', 'symbolic link to a folder that contains it: a loop; not followed');
          continue;
        }
        if (!inside && !req.followSymlinks) {
          finding(rel, 'symlink-outside-store', 'info', 'symbolic link to a place outside the store; not followed (enable "follow symlinks" on the store to index it)');
          continue;
        }
        st = target;
        viaLink = true;
      }
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(utf8(name)) || (frame.inDvcDir && SKIP_IN_DVC.has(utf8(name)))) continue;
        const key = `${st.dev}:${st.ino}`;
        if (visitedDirs.has(key)) {
          finding(rel, 'symlink-loop', 'warning', 'folder already visited through another link: a symbolic link loop; not walked again');
          continue;
        }
        visitedDirs.add(key);
        stack.push({ abs, rel, ignores, dvc, inDvcDir: name.equals(DVC_DIR) });
      } else if (st.isFile()) {
        addFile(rel, st, viaLink, dvc);
      } else {
        const what = st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : 'a device file';
        finding(rel, 'special-file', 'info', `${what}; never opened`);
      }
    }
    flush(false);
  }
  flush(true);
  let rootId: string | null = null;
  try {
    const st = statSync(root, { bigint: true });
    rootId = `${st.dev}:${st.ino}`;
  } catch {
    rootId = null;
  }
  post({ type: 'done', rootId, dirs });
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

const IGNORE_FILE = Buffer.from('.pedigreeignore');
const DVC_DIR = Buffer.from('.dvc');
const DVC_YAML = Buffer.from('dvc.yaml');
const DVC_LOCK = Buffer.from('dvc.lock');

/**
 * gitignore precedence: the deepest .pedigreeignore with a rule for the path
 * decides, so a nested `!name` re-includes what a parent's pattern excluded.
 */
function isIgnored(ignores: { base: string; ig: Ignore }[], rel: string, isDir: boolean): boolean {
  for (let i = ignores.length - 1; i >= 0; i--) {
    const { base, ig } = ignores[i]!;
    const sub = base ? rel.slice(base.length + 1) : rel;
    if (!sub) continue;
    const verdict = ig.test(isDir ? `${sub}/` : sub);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

function realpath(p: string | Buffer): string {
  try {
    return realpathSync(p, 'utf8');
  } catch {
    return typeof p === 'string' ? p : p.toString('utf8');
  }
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function isValidUtf8(b: Buffer): boolean {
  try {
    decoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'pedigree-walk') {
  const port = parentPort;
  walk((workerData as { request: WalkRequest }).request, (m) => port.postMessage(m));
}
