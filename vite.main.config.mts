import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vite';

/**
 * Forge's Vite plugin builds the Electron main process, the preload and each
 * worker with this config (CommonJS, into .vite/build/). Native and
 * worker-spawning modules stay external and are copied into the package by
 * forge.config.ts's packageAfterCopy hook.
 */
const pkg = JSON.parse(readFileSync(join(__dirname, 'package.json'), 'utf8')) as { version: string };

export default defineConfig({
  define: { __PEDIGREE_VERSION__: JSON.stringify(pkg.version) },
  build: {
    sourcemap: true,
    rollupOptions: {
      external: ['better-sqlite3', 'piscina'],
      // zod ships comments Rollup cannot place; harmless, and noise in every build.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
});
