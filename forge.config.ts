import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { AutoUnpackNativesPlugin } from '@electron-forge/plugin-auto-unpack-natives';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * Modules the Vite bundles leave external (native code, worker spawning),
 * with what they require at run time. Forge's Vite plugin packages nothing
 * outside .vite/, so packageAfterCopy copies these in.
 */
const RUNTIME_MODULES = ['better-sqlite3', 'bindings', 'file-uri-to-path', 'piscina', '@napi-rs/nice'];

function copyRuntimeModules(buildPath: string): void {
  const seen = new Set<string>();
  const copy = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const from = join(__dirname, 'node_modules', name);
    if (!existsSync(from)) return; // optional dependencies may be absent on this platform
    cpSync(from, join(buildPath, 'node_modules', name), { recursive: true, dereference: true, filter: (src) => !/[\\/](deps|src|test|docs)[\\/]/.test(src.slice(from.length)) || src.endsWith('.node') });
    const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) if (dep !== 'prebuild-install') copy(dep);
  };
  RUNTIME_MODULES.forEach(copy);
}

/**
 * The walker's native half (scripts/build-native.mjs) goes beside the walker
 * bundle, where the walker looks for it; `**\/*.node` unpacks it from the asar.
 * Node-API keeps one binary good for Node and Electron alike. Not built: the
 * walker runs in JavaScript.
 */
async function copyNativeWalker(buildPath: string): Promise<void> {
  const { buildNative, copyNative } = (await import(pathToFileURL(join(__dirname, 'scripts/build-native.mjs')).href)) as { buildNative(dir: string): string | null; copyNative(from: string, to: string): boolean };
  const built = join(__dirname, 'dist/workers');
  const why = buildNative(built);
  if (why) console.warn(`pedigree: ${why}; the packaged walker runs in JavaScript`);
  else copyNative(built, join(buildPath, '.vite/build'));
}

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Pedigree',
    executableName: 'pedigree-desktop',
    appBundleId: 'app.pedigree.desktop',
    // Native modules and the worker entries must live outside the asar archive; index-build.js requires
    // better-sqlite3 from there, so its JavaScript (and what it loads) is unpacked too. Should that fail,
    // the scanner rebuilds the indexes on the main thread instead.
    asar: { unpack: '{**/*.node,**/node_modules/better-sqlite3/**,**/node_modules/bindings/**,**/node_modules/file-uri-to-path/**,**/.vite/build/walk.js,**/.vite/build/hash.js,**/.vite/build/tensor-hash.js,**/.vite/build/index-build.js}' },
    ignore: (file: string) => !!file && !file.startsWith('/.vite') && !file.startsWith('/package.json') && !file.startsWith('/node_modules'),
  },
  rebuildConfig: { onlyModules: ['better-sqlite3'], force: true },
  makers: [new MakerZIP({}, ['linux', 'darwin', 'win32']), new MakerDeb({ options: { name: 'pedigree', productName: 'Pedigree', categories: ['Development', 'Science'], bin: 'pedigree-desktop' } })],
  plugins: [
    new AutoUnpackNativesPlugin({}),
    new VitePlugin({
      build: [
        { entry: 'src/main/electron/main.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src/main/electron/preload.ts', config: 'vite.main.config.mts', target: 'preload' },
        { entry: 'src/workers/walk.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src/workers/hash.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src/workers/tensor-hash.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src/workers/index-build.ts', config: 'vite.main.config.mts', target: 'main' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }],
    }),
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
  hooks: {
    packageAfterCopy: async (_config, buildPath) => {
      copyRuntimeModules(buildPath);
      await copyNativeWalker(buildPath);
    },
  },
};

export default config;
