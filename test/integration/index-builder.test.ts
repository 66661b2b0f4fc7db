import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, setWalAutocheckpoint } from '../../src/main/db/connection';
import { dropFileIndexes, missingFileIndexes } from '../../src/main/db/files';
import { startIndexBuilder } from '../../src/main/scan/index-build';
import { WORKERS_DIR } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

/**
 * The index builder a first index starts as soon as it drops the file
 * indexes: it loads and opens the workspace while the rows go in, builds when
 * told to, and keeps no process alive while it waits.
 */

const temp = tempDirs('index-builder');
afterAll(() => temp.cleanup());
const WORKER = join(WORKERS_DIR, 'index-build.js');

function workspaceWithoutIndexes(): string {
  const path = join(temp.make(), 'ws.db');
  const db = openWorkspaceDb(path);
  dropFileIndexes(db);
  expect(missingFileIndexes(db).length).toBe(5);
  closeDb(db);
  return path;
}

describe('a pre-started index builder', () => {
  it('builds every missing index when asked, however long after it was started', async () => {
    const path = workspaceWithoutIndexes();
    const builder = startIndexBuilder(WORKER, path);
    await new Promise((r) => setTimeout(r, 300)); // the rows of a first index go in meanwhile
    expect(await builder.build()).toEqual({ ok: true, built: 5 });
    expect(await builder.build()).toEqual({ ok: true, built: 5 }); // asking again gives the one answer
    const db = openWorkspaceDb(path, { readonly: true });
    expect(missingFileIndexes(db)).toEqual([]);
    closeDb(db);
  });

  it('builds nothing once stopped, and waiting unreferenced for its go keeps no process alive', () => {
    const path = workspaceWithoutIndexes();
    const child = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(WORKER)}, { workerData: { kind: 'pedigree-index-build', dbPath: ${JSON.stringify(path)} } });
      w.unref();
      setTimeout(() => w.postMessage('stop'), 100);
    `;
    const t0 = Date.now();
    execFileSync(process.execPath, ['-e', child], { timeout: 10_000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    const db = openWorkspaceDb(path, { readonly: true });
    expect(missingFileIndexes(db).length).toBe(5);
    closeDb(db);
  });

  it('checkpoints the WAL while it waits, so the scanning connection may stop checkpointing and the WAL stays small', async () => {
    const grow = async (checkpointer: boolean): Promise<number> => {
      const path = workspaceWithoutIndexes();
      const db = openWorkspaceDb(path);
      setWalAutocheckpoint(db, 0);
      const builder = checkpointer ? startIndexBuilder(WORKER, path, { checkpointEveryMs: 20 }) : null;
      db.raw.exec(`CREATE TABLE IF NOT EXISTS scratch (x BLOB) STRICT`);
      const insert = db.raw.prepare('INSERT INTO scratch (x) VALUES (?)');
      for (let round = 0; round < 20; round++) {
        db.raw.transaction(() => {
          for (let i = 0; i < 50; i++) insert.run(Buffer.alloc(4000, round));
        })();
        await new Promise((r) => setTimeout(r, 60));
      }
      const wal = statSync(`${path}-wal`).size;
      builder?.stop();
      closeDb(db);
      return wal;
    };
    const without = await grow(false);
    const withBuilder = await grow(true);
    expect(without).toBeGreaterThan(20 * 50 * 4000); // every page ever written is still in it
    expect(withBuilder).toBeLessThan(without / 4);
  });

  it('says at once when it cannot open the workspace: never ready, so the scanning connection keeps checkpointing', async () => {
    const events: string[] = [];
    const notAFolder = join(temp.make(), 'a-file');
    writeFileSync(notAFolder, 'x');
    const builder = startIndexBuilder(WORKER, join(notAFolder, 'ws.db'), { checkpointEveryMs: 20, onReady: () => events.push('ready'), onDead: () => events.push('dead') });
    const deadline = Date.now() + 5000;
    while (!events.includes('dead') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['dead']);
    expect((await builder.build()).ok).toBe(false);
  });

  it('is ready once it has the workspace open', async () => {
    const events: string[] = [];
    const builder = startIndexBuilder(WORKER, workspaceWithoutIndexes(), { checkpointEveryMs: 20, onReady: () => events.push('ready'), onDead: () => events.push('dead') });
    const deadline = Date.now() + 5000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['ready']);
    expect(await builder.build()).toEqual({ ok: true, built: 5 });
    expect(events).toEqual(['ready']);
  });

  it('reports a worker that cannot start as a failed build, for the caller to build on its own thread', async () => {
    const path = workspaceWithoutIndexes();
    const builder = startIndexBuilder(join(temp.make(), 'no-such-worker.js'), path);
    await expect(builder.build()).rejects.toThrow();
  });
});
