import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Reading the files that declare digests: small, bounded, never executed.
 * Failures come back as a message for a finding, not as an exception: one bad
 * file must not stop the verification of the rest.
 */

export const DECLARING_FILE_CAP = 10 * 1024 * 1024;
/** A DVC directory manifest lists every file of the folder; large datasets make large manifests. */
export const MANIFEST_CAP = 256 * 1024 * 1024;

export type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; missing: boolean; message: string };

export function readBounded(abs: string, cap: number): ReadOutcome {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put where a file was must not hang the verification.
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, missing: err.code === 'ENOENT' || err.code === 'ENOTDIR', message: err.code === 'ENOENT' ? 'no such file' : `cannot read: ${err.message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, missing: false, message: 'not a regular file' };
    if (st.size > cap) return { ok: false, missing: false, message: `too large to read (${st.size} bytes; the limit is ${cap})` };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const got = readSync(fd, buf, n, st.size - n, null);
      if (got === 0) break;
      n += got;
    }
    return { ok: true, bytes: buf.subarray(0, n) };
  } catch (e) {
    return { ok: false, missing: false, message: `cannot read: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

export type ParseOutcome = { ok: true; value: unknown } | { ok: false; message: string };

export function parseYamlText(text: string): ParseOutcome {
  try {
    // Alias expansion is bounded: a "billion laughs" file must not exhaust memory.
    return { ok: true, value: parse(text, { maxAliasCount: 100, merge: true }) as unknown };
  } catch (e) {
    return { ok: false, message: `not valid YAML: ${oneLine((e as Error).message)}` };
  }
}

export function parseJsonText(text: string): ParseOutcome {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `not valid JSON: ${oneLine((e as Error).message)}` };
  }
}

function oneLine(s: string): string {
  const first = (s.split('\n')[0] ?? s).replace(/:\s*$/, '');
  return first.length > 200 ? `${first.slice(0, 200)}…` : first;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
