import { statSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { batchHead, batchPath, FLAG_DVC, FLAG_HASHED, FLAG_LINKED, FLAG_VIA_LINK } from '../../src/main/scan/file-batch';
import type { HashFailure, WalkFinding } from '../../src/main/scan/protocol';
import { startWalk } from '../../src/main/scan/walk-pool';
import { WORKERS_DIR } from './cli';

/** One walked file, unpacked from its batch. */
export interface WalkedFile {
  rel: Uint8Array;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  inode: string;
  device: string;
  viaLink: boolean;
  linked: boolean;
  dvc: boolean;
  /** Where the walk hashed the file itself (`hashSmall`): its digests and first bytes. */
  sha256: string | null;
  md5: string | null;
  head: string | null;
}

export interface WalkResult {
  files: Map<string, WalkedFile>;
  /** By path; the last one where a path has two. */
  findings: Map<string, WalkFinding>;
  allFindings: WalkFinding[];
  /** Wall-clock time (ns) each file's batch began, before any of its stats. */
  statAt: Map<string, bigint>;
  /** Small files the walk listed but could not hash, by path (`hashSmall`). */
  failures: Map<string, HashFailure>;
  /** Why the walk failed, if it did. */
  error: string | null;
}

export const text = (rel: Uint8Array) => Buffer.from(rel).toString('utf8');

/**
 * Runs the built walker threads as a scan does (listing only, no hashing) and
 * collects what they report by path. A walk that hangs (say, on opening a
 * FIFO) fails after `timeoutMs` instead of stalling the test run.
 */
export function walkTree(root: string, opts: { followSymlinks?: boolean; batchSize?: number; timeoutMs?: number; threads?: number; hashSmall?: boolean } = {}): Promise<WalkResult> {
  const res: WalkResult = { files: new Map(), findings: new Map(), allFindings: [], statAt: new Map(), failures: new Map(), error: null };
  const st = statSync(root, { bigint: true });
  const walk = startWalk(
    { root, rootReal: realpathSync(root), rootKey: `${st.dev}:${st.ino}`, followSymlinks: opts.followSymlinks ?? false, hashSmall: opts.hashSmall ?? false, threads: opts.threads ?? 2, workerFile: join(WORKERS_DIR, 'walk.js'), batchSize: opts.batchSize ?? 2000, window: 2 },
    {
      onBatch: ({ files: b, findings, failures, statAtNs }) => {
        for (let i = 0; i < b.count; i++) {
          const rel = batchPath(b, i).slice();
          const flags = b.flags[i]!;
          const hashed = (flags & FLAG_HASHED) !== 0;
          const hex = (a: Uint8Array, at: number, n: number) => Buffer.from(a.buffer, a.byteOffset + at, n).toString('hex');
          res.files.set(text(rel), {
            rel,
            size: b.sizes[i]!,
            mtimeNs: b.times[i * 2]!,
            ctimeNs: b.times[i * 2 + 1]!,
            inode: String(b.ids[i * 2]),
            device: String(b.ids[i * 2 + 1]),
            viaLink: (flags & FLAG_VIA_LINK) !== 0,
            linked: (flags & FLAG_LINKED) !== 0,
            dvc: (flags & FLAG_DVC) !== 0,
            sha256: hashed ? hex(b.sha256, i * 32, 32) : null,
            md5: hashed && flags & FLAG_DVC ? hex(b.md5, i * 16, 16) : null,
            head: hashed ? Buffer.from(batchHead(b, i)).toString('hex') : null,
          });
          res.statAt.set(text(rel), statAtNs);
        }
        for (const f of failures) res.failures.set(text(batchPath(b, f.index)), f);
        for (const f of findings) res.findings.set(text(f.rel), f);
        res.allFindings.push(...findings);
      },
      onFindings: (findings) => {
        for (const f of findings) res.findings.set(text(f.rel), f);
        res.allFindings.push(...findings);
      },
      hasRoom: () => true,
    },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      walk.terminate();
      reject(new Error(`the walk of ${root} did not finish in ${opts.timeoutMs ?? 5000} ms`));
    }, opts.timeoutMs ?? 5000);
    void walk.done.then((error) => {
      clearTimeout(timer);
      res.error = error;
      resolve(res);
    });
  });
}
