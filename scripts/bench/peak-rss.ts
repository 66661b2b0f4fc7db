import { join } from 'node:path';
import { createHashPool } from '../../src/main/scan/hash-pool';
import { freeBytes, writeFilledFile, writeSparseFile } from './fixtures';
import { digestOf, hashJob } from './hash-throughput';
import { describe, firstDigest, run, runOk } from './proc';
import type { Row } from './report';

/** What the child reports on stdout. */
interface ChildReport {
  maxRssKbBefore: number;
  maxRssKb: number;
  seconds: number;
  sha256: string;
  threads: number;
}

export const CHILD_FLAG = '--child-rss';

/**
 * Runs in a fresh Node process (dist/bench.js --child-rss FILE): hashes one file
 * through Pedigree's pool and reports the process's peak RSS, worker threads
 * and their buffers included (getrusage covers the whole process).
 */
export async function rssChild(file: string, workersDir: string): Promise<void> {
  const maxRssKbBefore = process.resourceUsage().maxRSS;
  const pool = createHashPool(join(workersDir, 'hash.js'));
  const t0 = performance.now();
  const [outcome] = await pool.hash([hashJob(file)], { md5: false });
  const seconds = (performance.now() - t0) / 1000;
  const report: ChildReport = { maxRssKbBefore, maxRssKb: process.resourceUsage().maxRSS, seconds, sha256: digestOf(outcome!), threads: pool.threads };
  await pool.destroy();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

export interface RssBenchInput {
  dir: string;
  benchScript: string;
  fileBytes: number;
  log(line: string): void;
}

const SPARE = 2 * 1024 ** 3;

export async function benchPeakRss(input: RssBenchInput): Promise<Row[]> {
  const { dir, fileBytes, log } = input;
  const file = join(dir, 'huge.bin');
  const gib = fileBytes / 1024 ** 3;
  // A real file when the disk has room (with a margin); otherwise holes, which read as zero pages: fine for memory, not for speed.
  const sparse = freeBytes(dir) < fileBytes + SPARE;
  log(`rss: writing a ${sparse ? 'sparse ' : ''}${gib} GiB file`);
  if (sparse) writeSparseFile(file, fileBytes);
  else writeFilledFile(file, fileBytes);

  const child = await runOk(process.execPath, [input.benchScript, CHILD_FLAG, file], { pollRss: true });
  const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChildReport;
  log(`rss: Pedigree peak ${(report.maxRssKb / 1024).toFixed(0)} MiB (${(fileBytes / 1e6 / report.seconds).toFixed(0)} MB/s)`);
  const ref = await run('openssl', ['dgst', '-sha256', '-r', file], { pollRss: true });
  if (ref.code !== 0) throw new Error(`${ref.command} failed: ${ref.stderr}`);
  const refDigest = firstDigest(ref.stdout);
  const mib = (kb: number | null) => (kb === null ? null : kb / 1024);
  return [
    {
      section: 'rss',
      metric: `peak RSS hashing one ${gib} GiB file${sparse ? ' (sparse)' : ''}`,
      unit: 'MiB',
      pedigree: mib(report.maxRssKb),
      reference: mib(ref.peakRssKb),
      referenceName: `${describe('openssl', ['dgst', '-sha256', '-r', 'FILE'])} (VmHWM polled every 20 ms)`,
      target: { on: 'value', op: '<', value: 400 },
      details: { sparse, fileBytes, child: report, childCommand: `node dist/bench.js ${CHILD_FLAG} FILE`, opensslSeconds: ref.seconds, opensslDigest: refDigest },
      notes: [
        `Pedigree figure is getrusage maxRSS of the whole child process (main thread + hash worker threads); the process alone before the pool started: ${(report.maxRssKbBefore / 1024).toFixed(0)} MiB`,
        `single-file hashing speed in that run: Pedigree ${(fileBytes / 1e6 / report.seconds).toFixed(0)} MB/s, openssl ${(fileBytes / 1e6 / ref.seconds).toFixed(0)} MB/s (process start included)`,
        ...(sparse ? ['the file is sparse (not enough free disk for a real one): it reads as zero pages, so the speed figures mean little'] : []),
      ],
    },
    {
      section: 'rss',
      metric: '  digest agrees with openssl',
      unit: 'bool',
      pedigree: report.sha256 === refDigest ? 1 : 0,
      reference: null,
      referenceName: null,
      target: { on: 'value', op: '==', value: 1 },
    },
  ];
}
