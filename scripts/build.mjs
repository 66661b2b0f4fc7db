// Builds what the CLI, browser mode, the benchmark and the tests run:
//   dist/cli.js            the CLI and server (CommonJS bundle)
//   dist/workers/*.js      the worker threads (each its own CommonJS entry)
//   dist/workers/walkhash.node  the walker's native half (scripts/build-native.mjs)
//   dist/bench.js          the benchmark
//   dist/renderer/         the UI (Vite)
// `node scripts/build.mjs node` builds only the Node side (fast; the unit tests use it).
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.argv[2];

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Native and worker-spawning modules stay outside the bundle.
  external: ['better-sqlite3', 'piscina', 'electron'],
  define: { __PEDIGREE_VERSION__: JSON.stringify(pkg.version) },
};

const t0 = Date.now();
await Promise.all([
  build({ ...common, entryPoints: { cli: 'src/main/cli/entry.ts', ...(existsSync(join(root, 'scripts/bench/bench.ts')) ? { bench: 'scripts/bench/bench.ts' } : {}) }, outdir: 'dist' }),
  build({ ...common, entryPoints: { walk: 'src/workers/walk.ts', hash: 'src/workers/hash.ts', 'tensor-hash': 'src/workers/tensor-hash.ts', 'index-build': 'src/workers/index-build.ts' }, outdir: 'dist/workers' }),
]);
const nativeProblem = buildNative(join(root, 'dist/workers'));
if (nativeProblem) console.warn(`pedigree: ${nativeProblem}; the walker runs in JavaScript`);
if (only !== 'node') {
  // Test runners set NODE_ENV=test; the renderer is always built for production (React's prod JSX runtime).
  process.env.NODE_ENV = 'production';
  const { build: viteBuild } = await import('vite');
  // Built aside and swapped in, so a server running from dist/ never sees a half-written folder.
  const fresh = join(root, `dist/renderer.${process.pid}`);
  await viteBuild({ configFile: join(root, 'vite.renderer.config.mts'), logLevel: 'warn', build: { outDir: fresh, emptyOutDir: true } });
  const old = join(root, `dist/renderer.old.${process.pid}`);
  if (existsSync(join(root, 'dist/renderer'))) renameSync(join(root, 'dist/renderer'), old);
  renameSync(fresh, join(root, 'dist/renderer'));
  rmSync(old, { recursive: true, force: true });
}
console.log(`built ${only === 'node' ? 'the Node side' : 'Pedigree'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
