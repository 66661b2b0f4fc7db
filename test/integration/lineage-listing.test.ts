import { linkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import { presentFilesFromListing, presentFilesOfStore } from '../../src/main/db/files';
import type { ScanHandle } from '../../src/main/scan/scanner';
import { tempDirs } from '../helpers/temp';
import { ageTree, buildTree } from '../helpers/tree';
import { openWorkspace } from '../helpers/workspace';

/**
 * After a first index the lineage readers get the store's files from what the
 * scan wrote, not from reading the rows back: the two must be the same map.
 */

const temp = tempDirs('lineage-listing');
afterAll(() => temp.cleanup());

const MB = 1024 * 1024;
const safetensorsHead = () => {
  const header = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(4)]);
};

/** A store made by `make` in a fresh folder, added (its first index started) to a fresh workspace, for `check`. */
async function withNewStore(make: (store: string) => void, check: (ws: Workspace, scan: ScanHandle, storeId: number) => Promise<void>): Promise<void> {
  const dir = temp.make();
  const store = join(dir, 'store');
  make(store);
  ageTree(store);
  const ws = openWorkspace(join(dir, 'p.db'));
  try {
    const { store: rec, scan } = ws.addStore({ path: store });
    await check(ws, scan!, rec.id);
  } finally {
    await ws.close();
  }
}

describe('the files a first index hands to the lineage read', () => {
  it('are what reading the index back gives: paths, sizes, kinds corrected by their first bytes, big files, other names of a file, odd names', async () => {
    const make = (store: string) => {
      buildTree(store, [
        ['README.md', '---\nlicense: mit\n---\n# m\n'],
        ['mlruns/0/meta.yaml', 'name: Default\n'],
        ['weights/model.bin', 'not a checkpoint after all'],
        ['weights/big.bin', { size: 3 * MB, seed: 'big' }],
        ['data/train.jsonl', '{"x": 1}\n'],
      ]);
      // A .bin that is safetensors inside: its kind comes from its first bytes, small (walker) and big (pool) alike.
      writeFileSync(join(store, 'weights/real.bin'), safetensorsHead());
      writeFileSync(join(store, 'weights/real-big.bin'), Buffer.concat([safetensorsHead(), Buffer.alloc(2 * MB)]));
      linkSync(join(store, 'data/train.jsonl'), join(store, 'data/train-link.jsonl'));
      writeFileSync(Buffer.from(join(store, 'odd-\xff.txt'), 'latin1'), 'odd name');
    };
    await withNewStore(make, async (ws, scan) => {
      const summary = await scan.done;
      expect(summary.status).toBe('done');
      const listed = scan.takeListedFiles();
      expect(listed).not.toBeNull();
      expect(scan.takeListedFiles()).toBeNull(); // given once
      await scan.settled;
      const db = ws.db;
      const fromListing = presentFilesFromListing(db, scan.storeId, listed!)!;
      const fromIndex = presentFilesOfStore(db, scan.storeId);
      // In any order: the query's follows whichever index SQLite picks.
      const flat = (m: ReturnType<typeof presentFilesOfStore>) => [...m].map(([p, f]) => ({ p, size: f.size, kind: f.kind, sha256: f.sha256, md5: f.md5 })).sort((a, b) => (a.p < b.p ? -1 : 1));
      expect(flat(fromListing)).toEqual(flat(fromIndex));
      expect(fromListing.size).toBe(summary.files);
      expect(fromListing.get('weights/real-big.bin')!.kind).toBe('checkpoint');
      expect(fromListing.get('weights/real.bin')!.kind).toBe('checkpoint');
    });
  });

  it('are read back after all where two raw names decode to one display path: which of the two the map holds is the query\'s', async () => {
    const make = (store: string) => {
      buildTree(store, [['a.txt', 'a']]);
      writeFileSync(Buffer.from(join(store, 'x\xfe.dat'), 'latin1'), 'a text file');
      writeFileSync(Buffer.from(join(store, 'x\xff.dat'), 'latin1'), Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(40)]));
    };
    await withNewStore(make, async (ws, scan) => {
      await scan.done;
      const listed = scan.takeListedFiles()!;
      expect(listed.paths.length).toBe(3);
      await scan.settled;
      expect(presentFilesFromListing(ws.db, scan.storeId, listed)).toBeNull();
    });
  });

  it('are none after a re-scan, which reads the index as before', async () => {
    await withNewStore(
      (store) => buildTree(store, [['a.txt', 'a']]),
      async (ws, scan, storeId) => {
        await scan.settled;
        const again = ws.rescan(storeId);
        await again.done;
        expect(again.takeListedFiles()).toBeNull();
      },
    );
  });
});
