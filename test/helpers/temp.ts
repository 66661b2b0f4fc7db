import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders for one test file. They are world-accessible (0777) so
 * that a CLI run as `nobody` can use them; `cleanup()` removes them all.
 */
export function tempDirs(prefix: string): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), `pedigree-${prefix}-`));
      chmodSync(dir, 0o777);
      made.push(dir);
      return dir;
    },
    cleanup() {
      // rm(1), not fs.rmSync: some trees are deeper than PATH_MAX, which rm walks relative to each folder.
      for (const d of made.splice(0)) execFileSync('rm', ['-rf', '--', d]);
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
