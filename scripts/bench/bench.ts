import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchHashThroughput } from './hash-throughput';
import { benchIndex } from './index-tree';
import { watchInterference } from './load';
import { parseOptions, USAGE, type BenchOptions, type Section } from './options';
import { benchLineage } from './lineage';
import { CHILD_FLAG, benchPeakRss, rssChild } from './peak-rss';
import { renderTable, score, writeJson, type Row } from './report';
import { benchUiGraph } from './ui-graph';
import { benchUiScan } from './ui-scan';
import { walkFloorChild, WALK_FLOOR_FLAG } from './walk-floor';

/**
 * `npm run bench`: Pedigree's hashing, memory and indexing figures, each next
 * to a reference tool run in the same process tree on the same files; the
 * UI's responsiveness, graph and search figures in Chromium; header-only
 * reads and lineage query times.
 * Bundled to dist/bench.js, so dist/ is this file's folder.
 */

const distDir = __dirname;
const repoDir = join(distDir, '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

function machine(): Record<string, unknown> {
  const tool = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return null;
    }
  };
  return {
    cpu: cpus()[0]?.model ?? null,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    nodeOpenssl: process.versions.openssl,
    openssl: tool('openssl', ['version']),
    sha256sum: tool('sha256sum', ['--version']),
  };
}

function benchSection(section: Section, o: BenchOptions, dir: string): Promise<Row[]> {
  const cli = join(repoDir, 'bin', 'pedigree.js');
  switch (section) {
    case 'hash':
      return benchHashThroughput({ dir, workersDir: join(distDir, 'workers'), cores: o.cores, fileBytes: o.hashFileBytes, rounds: o.rounds, log });
    case 'rss':
      return benchPeakRss({ dir, benchScript: __filename, fileBytes: o.rssFileBytes, log });
    case 'index':
      return benchIndex({ dir, cli, benchScript: __filename, cores: o.cores, files: o.treeFiles, rounds: o.rounds, log });
    case 'ui-scan':
      return benchUiScan({ dir, cli, repoDir, files: o.treeFiles, log });
    case 'ui-graph':
      return benchUiGraph({ dir, cli, repoDir, graphNodes: o.graphNodes, bigGraphNodes: o.bigGraphNodes, searchFiles: o.treeFiles, rounds: o.rounds, panSeconds: o.panSeconds, profileDir: o.profile ? join(repoDir, 'bench-results', 'profiles') : null, log });
    case 'lineage':
      return benchLineage({ dir, hugeBytes: o.hugeBytes, nodes: o.lineageNodes, queries: 50, log });
  }
}

async function runSection(section: Section, o: BenchOptions, root: string): Promise<Row[]> {
  const dir = join(root, section);
  mkdirSync(dir);
  const interference = watchInterference();
  try {
    const rows = await benchSection(section, o, dir);
    const seen = interference();
    if (seen && rows[0]) {
      rows[0].details = { ...rows[0].details, interference: seen };
      const pct = Math.round(seen.otherShare * 100);
      rows[0].notes = [...(rows[0].notes ?? []), `other processes used ${pct}% of the machine's CPU during this section${pct >= 10 ? ': figures are disturbed, rerun on a quiet machine' : ''}`];
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true }); // before the next section, so that at most one section's files use the disk
  }
}

async function main(argv: string[]): Promise<number> {
  let o: BenchOptions | 'help';
  try {
    o = parseOptions(argv);
  } catch (e) {
    log(`bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    log(USAGE);
    return 0;
  }
  for (const f of ['cli.js', 'workers/hash.js', 'workers/walk.js', ...(o.sections.some((s) => s.startsWith('ui-')) ? ['renderer/index.html'] : [])]) {
    if (!existsSync(join(distDir, f))) {
      log(`bench: ${join(distDir, f)} is missing; run "node scripts/build.mjs" first`);
      return 2;
    }
  }
  const opts = o;
  mkdirSync(opts.baseDir, { recursive: true });
  const root = mkdtempSync(join(opts.baseDir, 'pedigree-bench-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  log(`bench: ${opts.quick ? 'quick' : 'full'} run in ${root}, ${opts.cores} cores, sections: ${opts.sections.join(', ')}`);

  const started = new Date();
  const rows: Row[] = [];
  const errors: { section: Section; message: string }[] = [];
  try {
    for (const section of opts.sections) {
      try {
        rows.push(...(await runSection(section, opts, root)));
      } catch (e) {
        const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
        errors.push({ section, message });
        rows.push({ section, metric: `${section}: benchmark failed`, unit: 'bool', pedigree: 0, reference: null, referenceName: null, target: { on: 'value', op: '==', value: 1 }, notes: [message.split('\n')[0]!] });
      }
    }
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const scored = rows.map(score);
  process.stdout.write(`\n${renderTable(scored)}\n`);
  const file = writeJson(join(repoDir, 'bench-results'), {
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    argv,
    options: { ...opts, baseDir: undefined },
    machine: machine(),
    rows: scored,
    errors,
  });
  const failed = scored.filter((r) => r.pass === false).length;
  process.stdout.write(`\n${failed === 0 ? 'all targets met' : `${failed} target(s) missed`}; results in ${file}\n`);
  return failed > 0 && opts.strict ? 1 : 0;
}

if (process.argv[2] === CHILD_FLAG || process.argv[2] === WALK_FLOOR_FLAG) {
  (process.argv[2] === CHILD_FLAG ? rssChild(process.argv[3]!, join(distDir, 'workers')) : walkFloorChild(process.argv[3]!, Number(process.argv[4]), join(distDir, 'workers'))).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
} else {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(2);
    },
  );
}
