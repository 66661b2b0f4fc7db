import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointAudit } from '../../src/shared/lineage';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { seededValues, writeSafetensors } from '../../src/main/demo/safetensors-writer';
import { runCli } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

const dirs = tempDirs('pedigree-audit-');
afterAll(() => dirs.cleanup());

async function audit(db: string, path: string): Promise<{ code: number | null; audit: CheckpointAudit }> {
  const r = await runCli(['audit', path, '--db', db, '--json']);
  return { code: r.code, audit: JSON.parse(r.stdout) as CheckpointAudit };
}
const axis = (a: CheckpointAudit, name: string) => a.axes.find((x) => x.axis === name)!;

describe('pedigree audit on the demo store', () => {
  it("audits a fine-tune on its own inputs, naming its base model instead of borrowing the base's config and compute", async () => {
    const root = dirs.make();
    const db = join(dirs.make(), 'ws.db');
    ensureDemoStore(join(root, 'demo'));
    expect((await runCli(['index', join(root, 'demo'), '--db', db])).code).toBe(0);

    const tuned = await audit(db, join(root, 'demo', 'runs', '2026-04-finetune', 'model.safetensors'));
    expect(tuned.code).toBe(0); // partial axes, none missing
    expect(axis(tuned.audit, 'data').status).toBe('complete');
    expect(axis(tuned.audit, 'data').found.map((f) => f.what)).toEqual(expect.arrayContaining(['dataset train.csv', 'dataset validation.jsonl', 'base model']));
    expect(axis(tuned.audit, 'hyperparameters')).toMatchObject({ status: 'complete' });
    expect(axis(tuned.audit, 'hyperparameters').found.find((f) => f.what === 'seed')!.value).toContain('99');
    expect(axis(tuned.audit, 'compute').status).toBe('partial'); // precision only: no GPU record beside the fine-tune
    expect(axis(tuned.audit, 'code').found.find((f) => f.what === 'dependencies')!.value).toMatch(/^4 of 4 pinned/);

    const base = await audit(db, join(root, 'demo', 'runs', '2026-03-base', 'model.safetensors'));
    expect(axis(base.audit, 'code').found.find((f) => f.what === 'commit')!.value).toBe('9f1c2e4b7a6d5c3b2a1908f7e6d5c4b3a2918f7e');
    expect(axis(base.audit, 'compute')).toMatchObject({ status: 'complete' });
  });

  it('exits 1 for a checkpoint with nothing known about how it was made', async () => {
    const root = dirs.make();
    const db = join(dirs.make(), 'ws.db');
    mkdirSync(join(root, 'lonely'));
    writeSafetensors(join(root, 'lonely', 'weights.safetensors'), [{ name: 'w', shape: [4], values: seededValues(4, 1) }]);
    writeFileSync(join(root, 'lonely', 'notes.txt'), 'found on a USB disk\n');
    await runCli(['index', root, '--db', db]);
    const r = await audit(db, join(root, 'lonely', 'weights.safetensors'));
    expect(r.code).toBe(1);
    expect(r.audit.status).toBe('missing');
    expect(r.audit.axes.map((a) => a.status)).toEqual(['missing', 'missing', 'missing', expect.stringMatching(/missing|partial/)]);
  });
});

describe('lineage search', () => {
  it('finds nodes by a param value, a path and a digest prefix, and filters by audit status', async () => {
    const { Workspace } = await import('../../src/main/core/workspace');
    const root = dirs.make();
    ensureDemoStore(join(root, 'demo'));
    const ws = Workspace.open({ dbPath: join(dirs.make(), 'ws.db'), workersDir: join(__dirname, '..', '..', 'dist', 'workers'), mode: 'cli', version: 'test' });
    try {
      await ws.addStore({ path: join(root, 'demo') }).scan!.done;
      await ws.idle();
      const h = ws.handlers();
      const byParam = await h.searchLineage({ query: 'adamw' });
      expect(byParam.rows.map((r) => r.kind)).toContain('config');
      const byPath = await h.searchLineage({ query: 'finetune' });
      expect(byPath.rows.some((r) => r.kind === 'checkpoint')).toBe(true);
      const ckpt = (await h.searchLineage({ query: '', kind: 'checkpoint', auditStatus: 'partial' })).rows;
      expect(ckpt.length).toBeGreaterThan(0);
      expect(ckpt.every((r) => r.audit === 'partial')).toBe(true);
      const digest = (await h.searchFiles({ query: 'model.safetensors' })).rows[0]!.sha256!.slice(0, 12);
      expect((await h.searchLineage({ query: digest })).rows.some((r) => r.kind === 'checkpoint')).toBe(true);
    } finally {
      await ws.close();
    }
  });
});
