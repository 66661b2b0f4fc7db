import { createHash } from 'node:crypto';

/**
 * The index (`.git/index`, gitformat-index(5)): "DIRC", version 2, 3 or 4,
 * entry count, then per entry ctime, mtime, dev, ino, mode, uid, gid, size
 * (32-bit each; times as seconds + nanoseconds), the object name, 16 bits of
 * flags (assume-valid, extended, stage, name length), in version 3+ 16 more
 * when extended (skip-worktree, intent-to-add), then the path: NUL-padded to
 * a multiple of 8 in versions 2-3, prefix-compressed against the previous
 * path in version 4. Extensions and a checksum of everything follow.
 */

export interface IndexEntry {
  path: string;
  mtimeSec: number;
  mtimeNsec: number;
  mode: number;
  /** The file size, truncated to 32 bits. */
  size: number;
  sha: string;
  stage: number;
  assumeValid: boolean;
  skipWorktree: boolean;
  intentToAdd: boolean;
}

export interface GitIndex {
  version: number;
  entries: IndexEntry[];
  /** The entries end in the middle of the file, or the checksum does not match. */
  problems: string[];
  /** Extensions present, by signature: `link` means a split index whose base entries are elsewhere. */
  extensions: string[];
}

export const MAX_INDEX_ENTRIES = 2_000_000;

export function parseIndex(buf: Buffer, hashBytes: 20 | 32): GitIndex | string {
  if (buf.length < 12 + hashBytes || buf.toString('latin1', 0, 4) !== 'DIRC') return 'the index does not start with "DIRC"';
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return `index version ${version} is not 2, 3 or 4`;
  const count = buf.readUInt32BE(8);
  if (count > MAX_INDEX_ENTRIES) return `the index claims ${count} entries (limit ${MAX_INDEX_ENTRIES})`;
  const end = buf.length - hashBytes;
  const index: GitIndex = { version, entries: [], problems: [], extensions: [] };
  const expected = buf.subarray(end).toString('hex');
  const actual = createHash(hashBytes === 32 ? 'sha256' : 'sha1').update(buf.subarray(0, end)).digest('hex');
  if (expected !== actual && !/^0+$/.test(expected)) index.problems.push('its checksum does not match its content'); // all zeros: index.skipHash
  let at = 12;
  let previous = '';
  const fixed = 40 + hashBytes + 2; // stat fields, name, flags
  for (let n = 0; n < count; n++) {
    if (at + fixed > end) {
      index.problems.push(`it ends after ${n} of ${count} entries`);
      return index;
    }
    const start = at;
    const flags = buf.readUInt16BE(at + 40 + hashBytes);
    let extended = 0;
    at += fixed;
    if (flags & 0x4000) {
      if (version < 3 || at + 2 > end) {
        index.problems.push(`entry ${n} has extended flags in a version ${version} index`);
        return index;
      }
      extended = buf.readUInt16BE(at);
      at += 2;
    }
    let path: string;
    if (version === 4) {
      // A varint of bytes to drop from the previous path, then the rest NUL-terminated; no padding.
      let strip = 0;
      let b: number;
      let i = 0;
      do {
        if (at >= end || i++ > 8) {
          index.problems.push(`entry ${n} has a bad path prefix`);
          return index;
        }
        b = buf[at++]!;
        strip = i === 1 ? b & 0x7f : (strip + 1) * 128 + (b & 0x7f);
      } while (b & 0x80);
      const nul = buf.indexOf(0, at);
      if (nul < 0 || nul >= end || strip > Buffer.byteLength(previous)) {
        index.problems.push(`entry ${n} has a bad path`);
        return index;
      }
      const prev = Buffer.from(previous);
      path = Buffer.concat([prev.subarray(0, prev.length - strip), buf.subarray(at, nul)]).toString('utf8');
      at = nul + 1;
    } else {
      const nul = buf.indexOf(0, at);
      if (nul < 0 || nul >= end) {
        index.problems.push(`entry ${n} has no end to its path`);
        return index;
      }
      path = buf.toString('utf8', at, nul);
      at = start + Math.ceil((nul - start + 1) / 8) * 8; // 1 to 8 NULs pad the entry to a multiple of 8
    }
    previous = path;
    index.entries.push({
      path,
      mtimeSec: buf.readUInt32BE(start + 8),
      mtimeNsec: buf.readUInt32BE(start + 12),
      mode: buf.readUInt32BE(start + 24),
      size: buf.readUInt32BE(start + 36),
      sha: buf.toString('hex', start + 40, start + 40 + hashBytes),
      stage: (flags >> 12) & 3,
      assumeValid: (flags & 0x8000) !== 0,
      skipWorktree: (extended & 0x4000) !== 0,
      intentToAdd: (extended & 0x2000) !== 0,
    });
  }
  while (at + 8 <= end) {
    const sig = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32BE(at + 4);
    index.extensions.push(sig);
    at += 8 + size;
  }
  return index;
}

/** Mode bits of a regular file, a symbolic link, a gitlink (submodule) and a sparse-index directory. */
export const MODE = { file: 0o100000, symlink: 0o120000, gitlink: 0o160000, dir: 0o040000, typeMask: 0o170000 };
