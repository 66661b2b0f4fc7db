import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { REPO } from '../helpers/cli';

/** scripts/build-native.mjs where the compiler fails: no addon is left behind from older sources. */

const dir = mkdtempSync(join(tmpdir(), 'pedigree-native-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the native build', () => {
  it('removes an addon older than the sources when it cannot build a new one, so the walker runs in JavaScript instead of calling an addon that does something else', () => {
    const addon = join(dir, 'walkhash.node');
    writeFileSync(addon, 'an addon from older sources');
    utimesSync(addon, 1, 1); // older than every source
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-native.mjs'), dir], { env: { ...process.env, CC: 'false' }, encoding: 'utf8' });
    expect(r.stderr).toMatch(/could not build the native walker/);
    expect(existsSync(addon)).toBe(false);
  });
});
