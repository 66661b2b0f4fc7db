import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

/**
 * bin/pedigree.js loads dist/cli.js through V8's code cache
 * (dist/.cli.js.v8-cache). A copy of the two files in a folder of its own, so
 * that the cache the other tests use is left alone.
 */
const temps = tempDirs('pedigree-code-cache-');
afterAll(() => temps.cleanup());

function install(): { run(...args: string[]): string; cache: string; bundle: string } {
  const dir = temps.make();
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(REPO, 'bin', 'pedigree.js'), join(dir, 'bin', 'pedigree.js'));
  copyFileSync(join(REPO, 'dist', 'cli.js'), join(dir, 'dist', 'cli.js'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.PEDIGREE_DB;
  return {
    run: (...args) => execFileSync(process.execPath, [join(dir, 'bin', 'pedigree.js'), ...args], { env, cwd: dir, encoding: 'utf8' }),
    cache: join(dir, 'dist', '.cli.js.v8-cache'),
    bundle: join(dir, 'dist', 'cli.js'),
  };
}

/** The cache's header: the key (Node, arch, the bundle's SHA-256) and the commands whose runs it holds. */
function header(cache: string): { key: string; commands: string[] } {
  const [key, commands] = readFileSync(cache).subarray(0, 400).toString('latin1').split('\n');
  return { key: key!, commands: commands!.split(' ') };
}

describe('the CLI code cache', () => {
  it('is written by the first run of each command, and not again by the next runs of it', () => {
    const cli = install();
    const version = cli.run('--version').trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(header(cli.cache).commands).toEqual(['-']);
    const afterVersion = statSync(cli.cache);

    const db = join(temps.make(), 'w.db');
    cli.run('status', '--db', db);
    expect(header(cli.cache).commands).toEqual(['-', 'status']);
    const afterStatus = statSync(cli.cache);
    // The status run compiled more than --version did, and the cache kept what --version had.
    expect(afterStatus.size).toBeGreaterThan(afterVersion.size);

    cli.run('status', '--db', db);
    cli.run('--version');
    expect(statSync(cli.cache).mtimeMs).toBe(afterStatus.mtimeMs);
  });

  it('is not used for a rebuilt bundle of the same length', () => {
    const cli = install();
    const version = cli.run('--version').trim();
    const before = header(cli.cache).key;
    // Same length, other code: V8's own check (the source's length) would accept the old cache.
    const other = version.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
    const text = readFileSync(cli.bundle, 'utf8');
    expect(text.includes(JSON.stringify(version))).toBe(true);
    writeFileSync(cli.bundle, text.split(JSON.stringify(version)).join(JSON.stringify(other)));
    expect(cli.run('--version').trim()).toBe(other);
    expect(header(cli.cache).key).not.toBe(before);
    expect(cli.run('--version').trim()).toBe(other);
  });
});
