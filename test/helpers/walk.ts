import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WalkedFile, WalkFinding, WalkMessage } from '../../src/main/scan/protocol';
import { WORKERS_DIR } from './cli';

export interface WalkResult {
  files: Map<string, WalkedFile>;
  /** By path; the last one where a path has two. */
  findings: Map<string, WalkFinding>;
  allFindings: WalkFinding[];
  /** Wall-clock time (ns) each file's batch began, before any of its stats. */
  statAt: Map<string, bigint>;
  done: Extract<WalkMessage, { type: 'done' }> | null;
  fatal: Extract<WalkMessage, { type: 'fatal' }> | null;
}

export const text = (rel: Uint8Array) => Buffer.from(rel).toString('utf8');

/**
 * Runs the built walker on its own thread, as the scanner does, and collects
 * what it reports by path. A walk that hangs (say, on opening a FIFO) fails
 * after `timeoutMs` instead of stalling the test run.
 */
export function walkTree(root: string, opts: { followSymlinks?: boolean; batchSize?: number; timeoutMs?: number } = {}): Promise<WalkResult> {
  const res: WalkResult = { files: new Map(), findings: new Map(), allFindings: [], statAt: new Map(), done: null, fatal: null };
  const worker = new Worker(join(WORKERS_DIR, 'walk.js'), {
    workerData: { kind: 'pedigree-walk', request: { root, followSymlinks: opts.followSymlinks ?? false, batchSize: opts.batchSize ?? 2000 } },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the walk of ${root} did not finish in ${opts.timeoutMs ?? 5000} ms`));
    }, opts.timeoutMs ?? 5000);
    worker.on('message', (m: WalkMessage) => {
      if (m.type === 'batch') {
        for (const f of m.files) {
          res.files.set(text(f.rel), f);
          res.statAt.set(text(f.rel), m.statAtNs);
        }
        for (const f of m.findings) res.findings.set(text(f.rel), f);
        res.allFindings.push(...m.findings);
      } else if (m.type === 'done') res.done = m;
      else res.fatal = m;
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve(res);
    });
  });
}
