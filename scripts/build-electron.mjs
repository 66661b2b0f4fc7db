// Runs the Vite builds that Forge's Vite plugin runs for `electron-forge start`
// and `package` (main, preload, each worker, the renderer) into .vite/, with the
// plugin's own base configs, so the desktop bundles can be built and checked
// on a machine where the Electron binary cannot be downloaded.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative, copyNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
process.env.NODE_ENV = 'production';
const vite = await import('vite');
const pluginConfigs = join(root, 'node_modules/@electron-forge/plugin-vite/dist/config');
const main = require(join(pluginConfigs, 'vite.main.config.js'));
const preload = require(join(pluginConfigs, 'vite.preload.config.js'));
const renderer = require(join(pluginConfigs, 'vite.renderer.config.js'));

const forgeConfig = { build: [], renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }] };
const entries = [
  ['src/main/electron/main.ts', main],
  ['src/main/electron/preload.ts', preload],
  ['src/workers/walk.ts', main],
  ['src/workers/hash.ts', main],
  ['src/workers/tensor-hash.ts', main],
  ['src/workers/index-build.ts', main],
];
const { config: mainUser } = await vite.loadConfigFromFile({ command: 'build', mode: 'production' }, join(root, 'vite.main.config.mts'), root, 'silent');
for (const [entry, kind] of entries) {
  const env = { root, mode: 'production', command: 'build', forgeConfig, forgeConfigSelf: { entry, config: 'vite.main.config.mts' } };
  await vite.build({ configFile: false, logLevel: 'warn', ...kind.getConfig(env, mainUser) });
}
const { config: rendererUser } = await vite.loadConfigFromFile({ command: 'build', mode: 'production' }, join(root, 'vite.renderer.config.mts'), root, 'silent');
const rEnv = { root, mode: 'production', command: 'build', forgeConfig, forgeConfigSelf: { name: 'main_window', config: 'vite.renderer.config.mts' } };
await vite.build({ configFile: false, logLevel: 'warn', ...renderer.getConfig(rEnv, rendererUser) });
// The walker's native half, beside the walker bundle as the packaged app has it.
const nativeProblem = buildNative(join(root, 'dist/workers'));
if (nativeProblem) console.warn(`pedigree: ${nativeProblem}; the desktop walker runs in JavaScript`);
else copyNative(join(root, 'dist/workers'), join(root, '.vite/build'));
console.log('built the Electron bundles into .vite/');
