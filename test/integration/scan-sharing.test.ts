import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexStore, listFiles } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';
import { ageTree } from '../helpers/tree';
import { openWorkspace } from '../helpers/workspace';

const dirs = tempDirs('pedigree-sharing-');
afterAll(() => dirs.cleanup());
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('one read per inode, MD5 where DVC declares it, progress inside big files', () => {
  it('reads a file with several names (hard links, Hugging Face snapshot links) once', async () => {
    const store = dirs.make();
    const db = join(dirs.make(), 'ws.db');
    const blob = Buffer.alloc(3 * 1024 * 1024, 7);
    mkdirSync(join(store, 'models--org--m', 'blobs'), { recursive: true });
    mkdirSync(join(store, 'models--org--m', 'snapshots', 'abc'), { recursive: true });
    writeFileSync(join(store, 'models--org--m', 'blobs', 'b1'), blob);
    symlinkSync('../../blobs/b1', join(store, 'models--org--m', 'snapshots', 'abc', 'model.safetensors'));
    linkSync(join(store, 'models--org--m', 'blobs', 'b1'), join(store, 'hardlink.bin'));
    ageTree(store);
    const { summary } = await indexStore(store, db);
    expect(summary.files).toBe(3);
    expect(summary.hashed).toBe(3);
    expect(summary.bytesHashed).toBe(blob.length);
    const files = await listFiles(db);
    const digests = new Set([...files.values()].map((f) => f.sha256));
    expect(digests).toEqual(new Set([createHash('sha256').update(blob).digest('hex')]));
  });

  it('computes MD5 for files below a DVC project at any depth, and only there', async () => {
    const store = dirs.make();
    const db = join(dirs.make(), 'ws.db');
    mkdirSync(join(store, 'projects', 'p1', '.dvc', 'cache', 'files', 'md5', 'ab'), { recursive: true });
    mkdirSync(join(store, 'projects', 'p1', 'data'), { recursive: true });
    writeFileSync(join(store, 'projects', 'p1', '.dvc', 'config'), '[core]\n');
    writeFileSync(join(store, 'projects', 'p1', '.dvc', 'cache', 'files', 'md5', 'ab', 'cdef'), 'cached copy');
    writeFileSync(join(store, 'projects', 'p1', 'data', 'train.csv'), 'a,b\n1,2\n');
    writeFileSync(join(store, 'outside.csv'), 'x\n');
    ageTree(store);
    await indexStore(store, db);
    const files = await listFiles(db);
    expect(files.get('projects/p1/data/train.csv')!.md5).toBe(md5(Buffer.from('a,b\n1,2\n')));
    expect(files.get('outside.csv')!.md5).toBeNull();
    expect([...files.keys()].some((p) => p.includes('.dvc/cache'))).toBe(false);
  });

  it('reports bytes as they are read, so progress moves inside a big file', async () => {
    const store = dirs.make();
    const dbDir = dirs.make();
    writeFileSync(join(store, 'big.bin'), Buffer.alloc(24 * 1024 * 1024, 1));
    ageTree(store);
    const ws = openWorkspace(join(dbDir, 'ws.db'), { throttleMs: 150 });
    try {
      const { store: s } = ws.addStore({ path: store, scan: false });
      const seen: number[] = [];
      ws.onEvent((e) => {
        if (e.type === 'scan.progress' && e.progress.filesHashed === 0) seen.push(e.progress.bytesHashed);
      });
      const summary = await ws.rescan(s.id).done;
      expect(summary.hashed).toBe(1);
      // before the one file was done, the bar had already moved
      expect(Math.max(0, ...seen)).toBeGreaterThan(0);
    } finally {
      await ws.close();
    }
  });
});
