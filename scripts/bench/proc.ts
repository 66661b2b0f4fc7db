import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time from spawn to exit, process start-up included. */
  seconds: number;
  stdout: string;
  stderr: string;
  /** Highest VmHWM seen while polling /proc (direct child only); null unless asked for. */
  peakRssKb: number | null;
  /**
   * CPU time (user + system) of the child and every process it waited for:
   * what this process's own children's times grew by meanwhile (/proc, 10 ms
   * ticks); null without /proc. Runs are one at a time, so it is this one's.
   */
  cpuSeconds: number | null;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Poll the child's VmHWM every few milliseconds (it only grows, so the last reading is close to the peak). */
  pollRss?: boolean;
}

export function describe(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w./=:,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs a command to its end and times it; stdout and stderr are kept in memory (callers send bulk output to /dev/null). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const cpu0 = childrenCpuSeconds();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let peak: number | null = null;
    const poll = opts.pollRss
      ? setInterval(() => {
          const kb = child.pid === undefined ? null : vmHwmKb(child.pid);
          if (kb !== null) peak = Math.max(peak ?? 0, kb);
        }, 20)
      : null;
    child.on('error', (e) => {
      if (poll) clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      if (poll) clearInterval(poll);
      const cpu1 = childrenCpuSeconds();
      const cpuSeconds = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
      resolve({ command: describe(cmd, args), code, signal, seconds, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), peakRssKb: peak, cpuSeconds });
    });
  });
}

/** Runs a command and fails loudly unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${r.command} exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 2000)}`);
  return r;
}

/** cutime + cstime of this process (its waited-for children's CPU), in seconds; null without /proc. */
function childrenCpuSeconds(): number | null {
  try {
    // The fields after the command name (which may hold spaces and parentheses): cutime and cstime are the 16th and 17th of the line.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux that matters (sysconf(_SC_CLK_TCK) is not reachable from Node). */
const CLOCK_TICKS = 100;

function vmHwmKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // already gone
  }
}

/** The 64-hex digest at the start of `openssl dgst -r` / `sha256sum` output. */
export function firstDigest(text: string): string {
  const m = /\b([0-9a-f]{64})\b/.exec(text);
  if (!m) throw new Error(`no SHA-256 digest in: ${text.slice(0, 200)}`);
  return m[1]!;
}
