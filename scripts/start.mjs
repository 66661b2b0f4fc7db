// `npm start`: the desktop app where an Electron binary is installed;
// otherwise browser mode, with one line saying why and the URL to open.
// With no argument it opens the demo workspace (generated on first start).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function electronBinary() {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return { ok: false, why: 'the Electron binary was not downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)' };
  const bin = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return { ok: false, why: `the Electron binary is missing (${bin})` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { ok: false, why: 'there is no display (no DISPLAY or WAYLAND_DISPLAY)' };
  return { ok: true, why: '' };
}

const run = (cmd, cmdArgs) => {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
};

const electron = electronBinary();
if (electron.ok && process.env.PEDIGREE_BROWSER !== '1') {
  run(process.execPath, [join(root, 'node_modules', '@electron-forge', 'cli', 'dist', 'electron-forge.js'), 'start', '--', ...args]);
} else {
  if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  console.log(`Starting browser mode, because ${electron.ok ? 'PEDIGREE_BROWSER=1 asks for it' : electron.why}. Open the URL below in a browser.`);
  run(process.execPath, [join(root, 'bin', 'pedigree.js'), 'serve', ...(args.length === 0 ? ['--demo'] : args)]);
}
