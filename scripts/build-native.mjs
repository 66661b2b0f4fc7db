// Builds the walker's native half (src/native/*.c) into a Node-API addon,
// `walkhash.node`, beside the walker bundle. Node-API is ABI-stable, so the
// one binary serves Node (the CLI, browser mode, the tests) and Electron
// alike. Compiled with the platform's C compiler against Node's own headers
// (`nodedir`, or the headers beside the running node), as node-gyp would but
// without its download of headers. Where no compiler or headers are found,
// or on Windows (the addon is POSIX), it says so and the walker goes on in
// JavaScript: slower on a first index, the same results.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src/native');
export const ADDON = 'walkhash.node';

function nodeHeaders() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..'), '/usr', '/usr/local'].filter(Boolean).map((d) => join(d, 'include/node'));
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null;
}

/** Builds `outDir/walkhash.node` unless it is newer than every source; returns null, or why it was not built. */
export function buildNative(outDir) {
  if (process.platform === 'win32') return 'the native walker is POSIX-only';
  const sources = readdirSync(srcDir).filter((f) => f.endsWith('.c'));
  const deps = readdirSync(srcDir).filter((f) => f.endsWith('.c') || f.endsWith('.h'));
  const out = join(outDir, ADDON);
  if (existsSync(out) && deps.every((f) => statSync(join(srcDir, f)).mtimeMs <= statSync(out).mtimeMs)) return null;
  const headers = nodeHeaders();
  if (!headers) {
    rmSync(out, { force: true });
    return "Node's headers (node_api.h) were not found: set npm's nodedir, or install Node with its include/ folder";
  }
  mkdirSync(outDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  const tmp = `${out}.${process.pid}.tmp`;
  const link = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
  const args = ['-O2', '-fPIC', '-fvisibility=hidden', '-std=gnu11', '-Wall', `-I${headers}`, ...link, '-o', tmp, ...sources.map((f) => join(srcDir, f))];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    // An addon built from older sources is not left for the walker to load: it would not do what the JavaScript asks of it.
    rmSync(out, { force: true });
    rmSync(tmp, { force: true });
    return `${cc} could not build the native walker: ${(r.error?.message ?? r.stderr).trim().split('\n').slice(0, 6).join(' | ')}`;
  }
  renameSync(tmp, out); // never a half-written addon for a running walker to load
  return null;
}

/** Copies a built addon to another folder (the Electron bundles'). */
export function copyNative(fromDir, toDir) {
  const from = join(fromDir, ADDON);
  if (!existsSync(from)) return false;
  mkdirSync(toDir, { recursive: true });
  copyFileSync(from, join(toDir, ADDON));
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const why = buildNative(process.argv[2] ?? join(root, 'dist/workers'));
  if (why) console.warn(`pedigree: ${why}`);
}
