import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Finding, FileRow, ScanSummary, Store } from '../../src/shared/domain';

/** The repository root; the global setup has built dist/ there. */
export const REPO = join(__dirname, '..', '..');
export const WORKERS_DIR = join(REPO, 'dist', 'workers');
const BIN = join(REPO, 'bin', 'pedigree.js');

export interface CliOptions {
  /** Run as this user (e.g. NOBODY) instead of the test's own. */
  as?: { uid: number; gid: number };
  /** Slows each 4 MB hash chunk down (PEDIGREE_TEST_THROTTLE_MS). */
  throttleMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `pedigree ARGS...` as a child process; the caller may kill it. */
export function spawnCli(args: string[], opts: CliOptions = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.PEDIGREE_DB;
  if (opts.throttleMs !== undefined) env.PEDIGREE_TEST_THROTTLE_MS = String(opts.throttleMs);
  return spawn(process.execPath, [BIN, ...args], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.as ?? {}) });
}

/** Resolves when the child exits, with everything it printed. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, opts));
}

function parse<T>(r: CliResult, what: string): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what}: expected JSON on stdout (exit ${r.code}); stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  }
}

/** `pedigree index DIR --db DB --json`: exit code and the one store's summary. */
export async function indexStore(dir: string, db: string, opts: CliOptions & { extra?: string[] } = {}): Promise<{ code: number | null; summary: ScanSummary; stderr: string }> {
  const r = await runCli(['index', dir, '--db', db, '--json', ...(opts.extra ?? [])], opts);
  const [summary] = parse<ScanSummary[]>(r, 'pedigree index');
  if (!summary) throw new Error(`pedigree index printed no summary; stderr:\n${r.stderr}`);
  return { code: r.code, summary, stderr: r.stderr };
}

/** Every indexed file, missing ones included, keyed by its path in the store. */
export async function listFiles(db: string): Promise<Map<string, FileRow>> {
  const r = await runCli(['files', '--db', db, '--json', '--missing', '--limit', '100000']);
  return new Map(parse<FileRow[]>(r, 'pedigree files').map((f) => [f.path, f]));
}

export async function listFindings(db: string): Promise<Finding[]> {
  const r = await runCli(['stores', '--findings', '--db', db, '--json']);
  return parse<{ rows: Finding[] }>(r, 'pedigree stores --findings').rows;
}

export async function listStores(db: string): Promise<Store[]> {
  return parse<Store[]>(await runCli(['stores', '--db', db, '--json']), 'pedigree stores');
}

/** The finding about one path, failing with the whole list when there is none. */
export function findingFor(findings: Finding[], path: string): Finding {
  const f = findings.find((x) => x.path === path);
  if (!f) throw new Error(`no finding for ${JSON.stringify(path)}; findings:\n${findings.map((x) => `  ${x.path}: ${x.code} ${x.message}`).join('\n')}`);
  return f;
}
