import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { createHashPool, type HashPool } from '../../src/main/scan/hash-pool';
import type { HashJob, HashOutcome, HashTask } from '../../src/main/scan/protocol';
import { readThrough, writeFilledFile } from './fixtures';
import { describe, firstDigest, run } from './proc';
import type { Row } from './report';

export interface HashBenchInput {
  dir: string;
  workersDir: string;
  cores: number;
  fileBytes: number;
  rounds: number;
  log(line: string): void;
}

interface Timed {
  seconds: number;
  digests: string[];
  /** CPU seconds of this process (all threads) over wall seconds: how many cores were busy. */
  parallelism?: number;
}

export function hashJob(path: string): HashJob {
  const st = statSync(path, { bigint: true });
  return { path: Buffer.from(path), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

/** `openssl dgst` on every file at once, one process per file (one per core). */
async function timeOpenssl(paths: string[]): Promise<Timed> {
  const t0 = performance.now();
  const results = await Promise.all(paths.map((p) => run('openssl', ['dgst', '-sha256', '-r', p])));
  const seconds = (performance.now() - t0) / 1000;
  for (const r of results) if (r.code !== 0) throw new Error(`${r.command} failed: ${r.stderr}`);
  return { seconds, digests: results.map((r) => firstDigest(r.stdout)) };
}

/** Pedigree's pool as the scanner uses it: created fresh, one task per file, all in flight. Start-up is timed too. */
async function timePool(paths: string[], make: () => HashPool): Promise<Timed> {
  const jobs = paths.map(hashJob);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pool = make();
  try {
    const outcomes = await Promise.all(jobs.map((j) => pool.hash([j], { md5: false })));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { seconds, digests: outcomes.map((o) => digestOf(o[0]!)), parallelism: (cpu.user + cpu.system) / 1e6 / seconds };
  } finally {
    await pool.destroy();
  }
}

export function digestOf(o: HashOutcome): string {
  if (!o.ok) throw new Error(`Pedigree could not hash a file: ${o.kind}: ${o.message}`);
  return o.sha256;
}

/**
 * The same worker behind a Piscina that starts one thread per core up front and
 * gives each thread one task: shows what the pool's scheduling costs, if anything.
 */
function spreadPool(workerFile: string, threads: number): HashPool {
  const pool = new Piscina<HashTask, HashOutcome[]>({ filename: workerFile, minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: 1 });
  return { threads, hash: (jobs, opts) => pool.run({ jobs, md5: opts.md5 }), destroy: () => pool.destroy() };
}

/** Best of the rounds: on a shared machine the fastest run is the least disturbed one. */
const best = (xs: number[]) => Math.max(...xs);

export async function benchHashThroughput(input: HashBenchInput): Promise<Row[]> {
  const { dir, cores, fileBytes, log } = input;
  const workerFile = join(input.workersDir, 'hash.js');
  const paths = Array.from({ length: cores }, (_, i) => join(dir, `big-${i}.bin`));
  log(`hash: writing ${cores} x ${(fileBytes / 2 ** 20).toFixed(0)} MiB`);
  for (const p of paths) writeFilledFile(p, fileBytes);
  for (const p of paths) readThrough(p);
  const total = fileBytes * cores;
  const mbps = (t: Timed) => total / 1e6 / t.seconds;

  const ref: Timed[] = [];
  const ours: Timed[] = [];
  const spread: Timed[] = [];
  for (let i = 0; i < input.rounds; i++) {
    ref.push(await timeOpenssl(paths));
    ours.push(await timePool(paths, () => createHashPool(workerFile, cores)));
    spread.push(await timePool(paths, () => spreadPool(workerFile, cores)));
    log(`hash: round ${i + 1}/${input.rounds}: openssl ${mbps(ref[i]!).toFixed(0)} MB/s, pool ${mbps(ours[i]!).toFixed(0)} MB/s (${ours[i]!.parallelism!.toFixed(2)} cores busy), one-task-per-thread pool ${mbps(spread[i]!).toFixed(0)} MB/s`);
  }
  const agree = ours.every((t) => t.digests.every((d, i) => d === ref[0]!.digests[i])) && spread.every((t) => t.digests.every((d, i) => d === ref[0]!.digests[i]));
  const refCmd = `${cores} x ${describe('openssl', ['dgst', '-sha256', '-r', 'FILE'])}, run concurrently`;
  const details = {
    files: cores,
    fileBytes,
    rounds: input.rounds,
    opensslSeconds: ref.map((t) => t.seconds),
    pedigreeSeconds: ours.map((t) => t.seconds),
    pedigreeCoresBusy: ours.map((t) => t.parallelism),
    onePerThreadSeconds: spread.map((t) => t.seconds),
    onePerThreadCoresBusy: spread.map((t) => t.parallelism),
    digests: ref[0]!.digests,
  };
  const size = `${cores} x ${(fileBytes / 2 ** 30).toFixed(2).replace(/\.?0+$/, '')} GiB`;
  return [
    {
      section: 'hash',
      metric: `hash throughput, ${size} (cached)`,
      unit: 'MB/s',
      pedigree: best(ours.map(mbps)),
      reference: best(ref.map(mbps)),
      referenceName: refCmd,
      target: { on: 'ratio', op: '>=', value: 0.9 },
      details,
      notes: [`best of ${input.rounds} round(s) for each; cores busy during Pedigree's run (process CPU / wall): ${ours.map((t) => t.parallelism!.toFixed(2)).join(', ')}`],
    },
    {
      section: 'hash',
      metric: '  same worker, 1 task/thread, threads prestarted',
      unit: 'MB/s',
      pedigree: best(spread.map(mbps)),
      reference: best(ref.map(mbps)),
      referenceName: refCmd,
      target: null,
      notes: ['diagnostic: Piscina with minThreads = maxThreads = cores and concurrentTasksPerWorker 1, around the same dist/workers/hash.js'],
    },
    {
      section: 'hash',
      metric: '  digests agree with openssl',
      unit: 'bool',
      pedigree: agree ? 1 : 0,
      reference: null,
      referenceName: null,
      target: { on: 'value', op: '==', value: 1 },
    },
  ];
}
