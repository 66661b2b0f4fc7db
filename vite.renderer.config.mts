import react from '@vitejs/plugin-react';
import { join } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The renderer, built once and served by both faces: Electron loads it from
 * the app bundle, browser mode from dist/renderer. Relative asset URLs keep
 * it loadable from either; nothing is fetched from the network.
 */
export default defineConfig({
  root: join(__dirname, 'src/renderer'),
  base: './',
  publicDir: join(__dirname, 'assets/public'),
  plugins: [react()],
  build: {
    outDir: join(__dirname, '.vite/renderer/main_window'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // zod ships comments Rollup cannot place; harmless, and noise in every build.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
});
