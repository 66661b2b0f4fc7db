import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/main/core/workspace';
import { listFindingRows } from '../../src/main/db/findings';
import { nodeByKey, nodesOfKind } from '../../src/main/db/lineage';
import { extractStoreLineage } from '../../src/main/lineage/extract';
import type { StoreReader } from '../../src/main/lineage/model';
import { checkpointsFromDigest, lineageAround, pathBetween } from '../../src/main/lineage/query';

const REPO = join(__dirname, '..', '..');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A reader standing in for a real one: a stage that reads a dataset (declared md5) and writes a checkpoint. */
const pipelineReader = (declaredMd5: string, elsewhereSha: string): StoreReader => ({
  id: 'test',
  match: (ctx) => ctx.files.has('train.py'),
  read: async () => ({
    reader: 'test',
    nodes: [
      { key: 'test:stage:train', kind: 'stage', label: 'train', props: { cmd: 'python train.py' }, files: [], evidence: [{ file: 'pipeline.yaml', line: 3 }] },
      { key: 'file:data.csv', kind: 'dataset', label: 'data.csv', props: {}, files: [{ path: 'data.csv', digests: [{ algorithm: 'md5', value: declaredMd5 }] }], evidence: [{ file: 'pipeline.yaml', line: 5 }] },
      { key: 'file:upstream.csv', kind: 'dataset', label: 'upstream.csv', props: {}, files: [{ path: 'upstream.csv', declaredOnly: true, digests: [{ algorithm: 'sha256', value: elsewhereSha }] }], evidence: [{ file: 'pipeline.yaml', line: 6 }] },
      { key: 'file:model.bin', kind: 'checkpoint', label: 'model.bin', props: {}, files: [{ path: 'model.bin' }], evidence: [{ file: 'pipeline.yaml', line: 7 }] },
    ],
    edges: [
      { from: 'file:data.csv', to: 'test:stage:train', relation: 'input', strength: 'declared', evidence: { file: 'pipeline.yaml', line: 5 } },
      { from: 'file:upstream.csv', to: 'test:stage:train', relation: 'input', strength: 'declared', evidence: { file: 'pipeline.yaml', line: 6 } },
      { from: 'test:stage:train', to: 'file:model.bin', relation: 'output', strength: 'declared', evidence: { file: 'pipeline.yaml', line: 7 } },
    ],
    findings: [],
  }),
});

describe('lineage in the workspace', () => {
  let dir: string;
  let ws: Workspace;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-lineage-'));
    mkdirSync(join(dir, 'proj'));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'proj', 'train.py'), 'print(1)\n');
    writeFileSync(join(dir, 'proj', 'data.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'proj', 'model.bin'), 'weights');
    writeFileSync(join(dir, 'other', 'raw.csv'), 'upstream data\n');
    ws = Workspace.open({ dbPath: join(dir, 'ws.db'), workersDir: join(REPO, 'dist', 'workers'), mode: 'cli', version: 'test' });
    for (const p of ['proj', 'other']) await ws.addStore({ path: join(dir, p) }).scan!.done;
  });
  afterAll(async () => {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the graph, flags a declared digest the file does not have, and links equal content across stores', async () => {
    const proj = ws.listStores().find((s) => s.name === 'proj')!;
    const summary = await extractStoreLineage(ws.db, ws.getStore(proj.id), [pipelineReader(md5('something else'), sha256('upstream data\n'))]);
    expect(summary).toMatchObject({ readers: ['test'], nodes: 4, edges: 3, mismatches: 0 });
    // the store indexes no md5 unless it is a DVC project: nothing to compare, so no mismatch yet
    const stage = nodeByKey(ws.db, proj.id, 'test:stage:train')!;
    const around = lineageAround(ws.db, stage.id, { up: 3, down: 3 });
    const labels = around.nodes.map((n) => `${n.side}:${n.label}`).sort();
    expect(labels).toEqual(['ancestor:data.csv', 'ancestor:raw.csv', 'ancestor:upstream.csv', 'descendant:model.bin', 'focus:train']);
    const raw = around.nodes.find((n) => n.label === 'raw.csv')!;
    expect(around.edges.find((e) => e.fromId === raw.id)).toMatchObject({ relation: 'same-content', strength: 'hash-matched' });
    const upstream = around.nodes.find((n) => n.label === 'upstream.csv')!;
    expect(upstream.present).toBe(false);
    const model = around.nodes.find((n) => n.label === 'model.bin')!;
    expect(pathBetween(ws.db, raw.id, model.id)).toEqual([raw.id, upstream.id, stage.id, model.id]);
    expect(checkpointsFromDigest(ws.db, sha256('upstream data\n')).map((n) => n.label)).toEqual(['model.bin']);
  });

  it('reports a mismatch when the file at a declared path has another digest', async () => {
    const proj = ws.listStores().find((s) => s.name === 'proj')!;
    const declared = sha256('not the data');
    const reader: StoreReader = {
      id: 'sha',
      match: () => true,
      read: async () => ({ reader: 'sha', nodes: [{ key: 'file:data.csv', kind: 'dataset', label: 'data.csv', props: {}, files: [{ path: 'data.csv', digests: [{ algorithm: 'sha256', value: declared }] }], evidence: [{ file: 'lock.json' }] }], edges: [], findings: [] }),
    };
    const summary = await extractStoreLineage(ws.db, ws.getStore(proj.id), [reader]);
    expect(summary.mismatches).toBe(1);
    const f = listFindingRows(ws.db, { storeId: proj.id, offset: 0, limit: 10 }).rows.find((r) => r.code === 'declared-digest-mismatch')!;
    expect(f.message).toContain(declared);
    expect(f.message).toContain(sha256('a,b\n1,2\n'));
    expect(nodesOfKind(ws.db, 'stage', proj.id)).toEqual([]); // the graph was replaced, not added to
  });
});

describe('the plain reader in the workspace', () => {
  it('finds a checkpoint the index knows by its first bytes, whatever its name (epoch3.bin, a PyTorch zip)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-lineage-magic-'));
    try {
      mkdirSync(join(dir, 'run'));
      writeFileSync(join(dir, 'run', 'epoch3.bin'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(120)]));
      writeFileSync(join(dir, 'run', 'noise.bin'), Buffer.alloc(128, 7)); // a .bin that is no checkpoint
      writeFileSync(join(dir, 'run', 'config.yaml'), 'seed: 7\nlr: 0.01\n');
      const ws = Workspace.open({ dbPath: join(dir, 'ws.db'), workersDir: join(REPO, 'dist', 'workers'), mode: 'cli', version: 'test' });
      try {
        const store = ws.addStore({ path: join(dir, 'run') });
        await store.scan!.done;
        await ws.idle();
        const ckpts = nodesOfKind(ws.db, 'checkpoint', store.store.id).map((n) => n.label);
        expect(ckpts).toEqual(['epoch3.bin']);
      } finally {
        await ws.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
