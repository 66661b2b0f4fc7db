// Builds what the CLI, browser mode, the benchmark and the tests run:
//   dist/cli.js            the CLI and server (CommonJS bundle)
//   dist/workers/*.js      the worker threads (each its own CommonJS entry)
//   dist/bench.js          the benchmark
//   dist/renderer/         the UI (Vite)
// `node scripts/build.mjs node` builds only the Node side (fast; the unit tests use it).
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  build({ ...common, entryPoints: { walk: 'src/workers/walk.ts', hash: 'src/workers/hash.ts' }, outdir: 'dist/workers' }),
]);
if (only !== 'node') {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'vite.renderer.config.mts'), logLevel: 'warn', build: { outDir: join(root, 'dist/renderer'), emptyOutDir: true } });
}
console.log(`built ${only === 'node' ? 'the Node side' : 'Pedigree'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
