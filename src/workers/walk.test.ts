import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { batchHead, batchPath, FLAG_DVC, FLAG_HASHED, type FileBatch } from '../main/scan/file-batch';
import type { HashFailure, WalkerSetup, WalkMessage } from '../main/scan/protocol';
import type * as ReadHash from './read-hash';
import { Walker } from './walk';

// Reads of two files misbehave: one grows while read, one fails with EIO.
vi.mock('./read-hash', async (importOriginal) => {
  const real = await importOriginal<typeof ReadHash>();
  let opened = '';
  return {
    ...real,
    openForHash: (p: Uint8Array, noFollow?: boolean) => {
      opened = Buffer.from(p).toString('utf8');
      return real.openForHash(p, noFollow);
    },
    readSmall: (fd: number, buf: Uint8Array) => {
      if (opened.endsWith('grows.txt')) return real.SMALL_FILE + 1;
      if (opened.endsWith('eio.txt')) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      return real.readSmall(fd, buf);
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'pedigree-walker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function walkAll(hashSmall: boolean): { files: Map<string, { batch: FileBatch; i: number }>; failures: Map<string, HashFailure>; messages: WalkMessage[] } {
  const st = statSync(root, { bigint: true });
  const setup: WalkerSetup = { kind: 'pedigree-walk', root, rootReal: root, followSymlinks: false, batchSize: 3, hashSmall, taken: new Int32Array(new SharedArrayBuffer(4)), window: 1_000_000, hungry: new Int32Array(new SharedArrayBuffer(4)) };
  const messages: WalkMessage[] = [];
  const walker = new Walker(setup, (m) => messages.push(m));
  walker.walk({ abs: Buffer.from(root), rel: new Uint8Array(0), ignores: [], dvc: false, inDvcDir: false, utf8: true, ancestors: `|${st.dev}:${st.ino}|` });
  const files = new Map<string, { batch: FileBatch; i: number }>();
  const failures = new Map<string, HashFailure>();
  for (const m of messages) {
    for (let i = 0; i < m.files.count; i++) files.set(Buffer.from(batchPath(m.files, i)).toString('utf8'), { batch: m.files, i });
    for (const f of m.failures) failures.set(Buffer.from(batchPath(m.files, f.index)).toString('utf8'), f);
  }
  return { files, failures, messages };
}

describe('the walker hashing small files as it lists them', () => {
  mkdirSync(join(root, 'proj/data'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'alpha');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(1024 * 1024 + 1, 7));
  writeFileSync(join(root, 'grows.txt'), 'growing');
  writeFileSync(join(root, 'eio.txt'), 'unreadable');
  writeFileSync(join(root, 'proj/dvc.lock'), 'schema: "2.0"\n');
  writeFileSync(join(root, 'proj/data/x.csv'), 'a,b\n');

  it('gives each small file its SHA-256 (and MD5 in a DVC project) and first bytes; leaves big files to the pool', () => {
    const { files, failures, messages } = walkAll(true);
    expect([...files.keys()].sort()).toEqual(['a.txt', 'big.bin', 'eio.txt', 'empty', 'grows.txt', 'proj/data/x.csv', 'proj/dvc.lock']);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const digest = (p: string) => {
      const { batch, i } = files.get(p)!;
      return batch.flags[i]! & FLAG_HASHED ? Buffer.from(batch.sha256.subarray(i * 32, i * 32 + 32)).toString('hex') : null;
    };
    expect(digest('a.txt')).toBe(sha('alpha'));
    expect(digest('empty')).toBe(sha(''));
    expect(digest('big.bin')).toBeNull();
    const csv = files.get('proj/data/x.csv')!;
    expect(csv.batch.flags[csv.i]! & FLAG_DVC).toBe(FLAG_DVC);
    expect(Buffer.from(csv.batch.md5.subarray(csv.i * 16, csv.i * 16 + 16)).toString('hex')).toBe(createHash('md5').update('a,b\n').digest('hex'));
    expect(Buffer.from(batchHead(csv.batch, csv.i)).toString()).toBe('a,b\n');
    expect(failures.get('grows.txt')).toMatchObject({ kind: 'unstable', message: expect.stringMatching(/changed while it was read/) });
    expect(failures.get('eio.txt')).toMatchObject({ kind: 'io', code: 'EIO' });
    expect(digest('grows.txt')).toBeNull();
    expect(messages.at(-1)!.idle).toBe(true);
    expect(messages.every((m) => m.files.count + m.findings.length <= 3)).toBe(true);
  });

  it('only lists, reading nothing, when not asked to hash', () => {
    const { files, failures } = walkAll(false);
    expect(files.size).toBe(7);
    expect(failures.size).toBe(0);
    for (const { batch, i } of files.values()) expect(batch.flags[i]! & FLAG_HASHED).toBe(0);
  });
});
