import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileBatch } from './file-batch';
import type { FolderStamp, FolderTask, HashFailure, SkipKeys, WalkerSetup, WalkFinding, WalkMessage } from './protocol';
import { NATIVE_WALK_FILE } from '../../workers/walk-native';

/**
 * Walks a store with several walker threads. Each walks depth-first from the
 * folders it is given and hands back half of what it has left when another
 * is idle; this side keeps the folders handed back, gives them to idle
 * walkers, checks folders reached through links against every one walked,
 * and knows the walk is over when every walker is idle and nothing is left.
 */

export interface WalkOptions {
  root: string;
  rootReal: string;
  /** `device:inode` of the root folder. */
  rootKey: string;
  followSymlinks: boolean;
  hashSmall: boolean;
  threads: number;
  workerFile: string;
  batchSize: number;
  /** Batches a walker may post before the scanner has taken them in. */
  window: number;
  /** A re-scan: the index's folder stamps (see WalkerSetup.stamps). */
  stamps?: Map<string, Uint8Array>;
}

export interface WalkBatch {
  files: FileBatch;
  failures: HashFailure[];
  findings: WalkFinding[];
  stamps: FolderStamp[];
  statAtNs: bigint;
}

export interface WalkSink {
  onBatch(batch: WalkBatch): void;
  /** Findings of the walk itself (a folder reached again through another link). */
  onFindings(findings: WalkFinding[]): void;
  /** False while the scanner has enough to do: walkers then wait once they are `window` batches ahead. */
  hasRoom(): boolean;
}

export interface Walk {
  /** Resolves when the walk is over: null, or why it failed (a walker crashed). */
  done: Promise<string | null>;
  /** The scanner has room again: walkers waiting for their batches to be taken in go on. */
  release(): void;
  terminate(): void;
}

interface WalkerState {
  worker: Worker;
  taken: Int32Array;
  busy: boolean;
  /** Batches received and not yet acknowledged (held back while the scanner has no room). */
  owed: number;
}

export function startWalk(opts: WalkOptions, sink: WalkSink): Walk {
  const hungry = new Int32Array(new SharedArrayBuffer(4));
  const queue: FolderTask[] = [{ abs: Buffer.from(opts.root), rel: new Uint8Array(0), ignores: [], dvc: false, inDvcDir: false, utf8: true, ancestors: `|${opts.rootKey}|` }];
  /** Folders walked through links (and the root), by `device:inode`: each is walked once. */
  const linked = new Set<string>([opts.rootKey]);
  /** Where the links walked so far lead, links resolved: a folder inside one of them was walked with it. */
  const linkedReal = new Set<string>();
  /**
   * Folders reached through links, waiting for the plain walk (or the round of
   * links before) to end: of two links to one folder, the one with the smaller
   * path is walked, whichever walker came to it first, so its files keep their
   * paths from scan to scan.
   */
  const viaLinks = new Map<string, { task: FolderTask; real: string }>();
  const compareRel = (a: FolderTask, b: FolderTask) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel));
  const alreadyWalked = (task: FolderTask, why = 'folder already walked through another link'): WalkFinding => ({ rel: task.rel, code: 'symlink-loop', severity: 'warning', message: `${why}; not walked again` });
  let finished = false;
  let resolveDone!: (error: string | null) => void;
  const done = new Promise<string | null>((r) => (resolveDone = r));

  const walkers: WalkerState[] = Array.from({ length: Math.max(1, opts.threads) }, () => {
    const taken = new Int32Array(new SharedArrayBuffer(4));
    const setup: WalkerSetup = { kind: 'pedigree-walk', root: opts.root, rootReal: opts.rootReal, followSymlinks: opts.followSymlinks, batchSize: opts.batchSize, hashSmall: opts.hashSmall, nativeFile: join(dirname(opts.workerFile), NATIVE_WALK_FILE), taken, window: opts.window, hungry, ...(opts.stamps ? { stamps: opts.stamps } : {}) };
    return { worker: new Worker(opts.workerFile, { workerData: setup }), taken, busy: false, owed: 0 };
  });

  const finish = (error: string | null) => {
    if (finished) return;
    finished = true;
    for (const w of walkers) void w.worker.terminate();
    resolveDone(error);
  };

  const ack = (w: WalkerState) => {
    if (w.owed === 0) return;
    Atomics.add(w.taken, 0, w.owed);
    Atomics.notify(w.taken, 0);
    w.owed = 0;
  };

  const dispatch = () => {
    for (;;) {
      for (const w of walkers) {
        if (queue.length === 0) break;
        if (w.busy) continue;
        w.busy = true;
        w.worker.postMessage(queue.pop()!);
      }
      const idle = walkers.filter((w) => !w.busy).length;
      Atomics.store(hungry, 0, queue.length === 0 ? idle : 0);
      if (idle < walkers.length || queue.length > 0) return;
      if (viaLinks.size === 0) return finish(null);
      releaseLinks();
    }
  };

  /**
   * The plain walk (or the round of links before) is over: the folders reached
   * through links, each walked once whatever the order the walkers met the
   * links in. One inside a folder walked from another link was walked with it;
   * of two in this round, one inside the other is walked with the outer one;
   * one that holds a folder walked from another link leaves it out.
   */
  const releaseLinks = () => {
    const round = [...viaLinks].map(([key, c]) => ({ key, ...c }));
    viaLinks.clear();
    const roundReals = new Set(round.map((c) => c.real).filter((r) => r !== ''));
    const losers: WalkFinding[] = [];
    // Looked up by each real path's folders above it (as deep as the path), not by comparing every pair of links.
    const kept = round.filter((c) => {
      if (c.real !== '' && (linkedReal.has(c.real) || hasAncestorIn(c.real, linkedReal))) losers.push(alreadyWalked(c.task, 'folder already walked inside the folder another link leads to'));
      else if (c.real !== '' && hasAncestorIn(c.real, roundReals)) losers.push(alreadyWalked(c.task, 'folder inside the folder another link leads to, walked from there'));
      else return true;
      return false;
    });
    if (losers.length > 0) sink.onFindings(losers);
    const added: string[] = [];
    for (const c of kept) {
      linked.add(c.key);
      added.push(c.key);
      if (c.real !== '') linkedReal.add(c.real);
    }
    // Each walker learns the folders walked from links of their own once; it leaves them out below other links' folders.
    if (added.length > 0) for (const w of walkers) w.worker.postMessage({ skipKeys: added } satisfies SkipKeys);
    for (const c of kept.sort((a, b) => compareRel(b.task, a.task))) queue.push(c.task);
  };

  for (const w of walkers) {
    w.worker.on('message', (m: WalkMessage) => {
      if (finished) return;
      const losers: WalkFinding[] = [];
      for (const h of m.handedBack) {
        if (h.linkKey === undefined) {
          queue.push(h.task);
          continue;
        }
        const held = viaLinks.get(h.linkKey);
        const real = h.linkReal ?? '';
        if (linked.has(h.linkKey)) losers.push(alreadyWalked(h.task));
        else if (!held) viaLinks.set(h.linkKey, { task: h.task, real });
        else if (compareRel(h.task, held.task) < 0) {
          viaLinks.set(h.linkKey, { task: h.task, real });
          losers.push(alreadyWalked(held.task));
        } else losers.push(alreadyWalked(h.task));
      }
      if (losers.length > 0) sink.onFindings(losers);
      w.owed++;
      if (m.idle) w.busy = false;
      sink.onBatch(m);
      if (sink.hasRoom()) ack(w);
      dispatch();
    });
    w.worker.on('error', (e) => finish(`walker failed: ${e.message}`));
    w.worker.on('exit', (code) => finish(finished ? null : `walker stopped unexpectedly (exit code ${code})`));
  }
  dispatch();

  return {
    done,
    release: () => {
      if (sink.hasRoom()) for (const w of walkers) ack(w);
    },
    terminate: () => finish(null),
  };
}

/** A strict ancestor folder of the absolute path `p` is in `set`. */
function hasAncestorIn(p: string, set: Set<string>): boolean {
  if (set.size === 0) return false;
  if (set.has('/') && p !== '/') return true;
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) if (set.has(p.slice(0, i))) return true;
  return false;
}
