import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Comparison, type AxisComparison } from '../../src/shared/compare';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { seededValues, writeSafetensors } from '../../src/main/demo/safetensors-writer';
import { runCli } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

const dirs = tempDirs('pedigree-compare-');
afterAll(() => dirs.cleanup());

let db = '';
let demo = '';
const base = () => join(demo, 'runs', '2026-03-base', 'model.safetensors');
const tuned = () => join(demo, 'runs', '2026-04-finetune', 'model.safetensors');

async function compare(args: string[], dbPath = db): Promise<{ code: number | null; c: Comparison; stderr: string }> {
  const r = await runCli(['compare', ...args, '--db', dbPath, '--json']);
  if (r.code !== 0) throw new Error(`pedigree compare exited ${r.code}:\n${r.stderr}`);
  // the JSON is the API's result: it must validate against the schema
  return { code: r.code, c: Comparison.parse(JSON.parse(r.stdout)), stderr: r.stderr };
}
const axis = (c: Comparison, name: string): AxisComparison => c.axes.find((a) => a.axis === name)!;
const statuses = (c: Comparison) => Object.fromEntries(c.tensors.tensors.map((t) => [t.name, t.status]));

beforeAll(async () => {
  demo = join(dirs.make(), 'demo');
  db = join(dirs.make(), 'ws.db');
  ensureDemoStore(demo);
  expect((await runCli(['index', demo, '--db', db])).code).toBe(0);
});

describe('pedigree compare on the demo store', () => {
  it('names the drifted axes and the changed tensors of the fine-tune', async () => {
    const { c } = await compare([base(), tuned()]);
    expect(c.columns.map((x) => x.label)).toEqual(['runs/2026-03-base/model.safetensors', 'runs/2026-04-finetune/model.safetensors']);
    expect(c.drifted).toEqual(['code', 'hyperparameters']);
    expect(axis(c, 'data').status).toBe('same');
    expect(axis(c, 'compute').status).toMatch(/changed|unknown/);

    const hyper = axis(c, 'hyperparameters');
    expect(hyper.status).toBe('changed');
    expect(hyper.facts.find((f) => f.what === 'seed')).toMatchObject({ values: ['1234', '99'], status: 'changed' });
    const config = Object.fromEntries(c.config.map((k) => [k.key, k.values]));
    expect(config).toMatchObject({ 'training.seed': ['1234', '99'], 'training.learning_rate': ['0.0003', '0.0001'], 'training.epochs': ['3', '1'] });

    expect(axis(c, 'code').status).toBe('changed');
    expect(c.pins.find((p) => p.key === 'torch')).toEqual({ key: 'torch', status: 'changed', values: ['2.4.1', '2.5.0'] });
    expect(c.pins.find((p) => p.key === 'transformers')?.values).toEqual(['4.44.2', '4.46.0']);

    expect(c.tensors.available).toBe(true);
    const changed = c.tensors.tensors.filter((t) => t.status !== 'same').map((t) => t.name);
    expect(changed.sort()).toEqual(['classifier.bias', 'classifier.weight', 'encoder.layer.1.mlp.weight']);
    expect(c.tensors.tensors.filter((t) => t.status === 'same')).toHaveLength(4);
    expect(c.tensors.layers.map((l) => [l.layer, l.changedFraction])).toEqual([['embed', 0], ['encoder.layer.0', 0], ['encoder.layer.1', 0.5], ['classifier', 1]]);

    const acc = c.metrics.find((m) => m.name === 'accuracy')!;
    expect(acc.values).toEqual([0.86, 0.9]);
    expect(acc.deltas).toEqual([null, 0.04]);
    expect(acc.histories[0]).toHaveLength(4);
    expect(c.card.cards).toEqual(['runs/2026-03-base/README.md', null]);
  });

  it('prints the answer first and exits 0: drift is not an error', async () => {
    const r = await runCli(['compare', base(), tuned(), '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.findIndex((l) => l.startsWith('Drifted: code, hyperparameters'))).toBeLessThan(lines.findIndex((l) => l.startsWith('Config:')));
    expect(r.stdout).toMatch(/torch\s+2\.4\.1 → 2\.5\.0/);
    expect(r.stdout).toContain('changed       encoder.layer.1.mlp.weight');
  });

  it('finds nothing drifted when a checkpoint is compared with itself', async () => {
    const { c } = await compare([tuned(), tuned()]);
    expect(c.drifted).toEqual([]);
    expect(c.axes.map((a) => a.status)).not.toContain('changed');
    expect(new Set(Object.values(statuses(c)))).toEqual(new Set(['same']));
    expect(c.tensors.bytesHashed).toBe(0);
    expect(c.config).toEqual([]);
    expect(c.pins).toEqual([]);
  });

  it('exports one self-contained HTML file', async () => {
    const out = join(dirs.make(), 'compare.html');
    const r = await runCli(['compare', base(), tuned(), '--db', db, '--html', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('<polyline');
    expect(html).toContain('encoder.layer.1.mlp.weight');
    expect(html).toMatch(/Drifted: <b>code, hyperparameters<\/b>/);
  });

  it('compares registry versions from their pinned files and lineage snapshots', async () => {
    const regDb = join(dirs.make(), 'reg.db');
    expect((await runCli(['index', demo, '--db', regDb])).code).toBe(0);
    expect((await runCli(['registry', 'register', 'tiny-sentiment', base(), '--db', regDb])).code).toBe(0);
    expect((await runCli(['registry', 'register', 'tiny-sentiment', tuned(), '--db', regDb])).code).toBe(0);
    expect((await runCli(['registry', 'alias', 'tiny-sentiment', '2', 'champion', '--db', regDb])).code).toBe(0);
    const { c } = await compare(['tiny-sentiment@v1', 'tiny-sentiment@champion'], regDb);
    expect(c.columns.map((x) => [x.kind, x.version])).toEqual([
      ['registry-version', 'tiny-sentiment@v1'],
      ['registry-version', 'tiny-sentiment@v2'],
    ]);
    expect(c.drifted).toEqual(['code', 'hyperparameters']);
    expect(axis(c, 'data').status).toBe('same');
    expect(c.tensors.tensors.filter((t) => t.status === 'changed').map((t) => t.name).sort()).toEqual(['classifier.bias', 'classifier.weight', 'encoder.layer.1.mlp.weight']);
    // a version and a checkpoint side by side
    const mixed = await compare(['tiny-sentiment@1', base()], regDb);
    expect(mixed.c.drifted).toEqual([]);
  });

  it('refuses fewer than two subjects and unknown ones with exit 2', async () => {
    expect((await runCli(['compare', base(), '--db', db])).code).toBe(2);
    const r = await runCli(['compare', base(), 'nope@v1', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no registered model "nope"/);
  });
});

describe('pedigree compare on tensor fixtures', () => {
  it('reports a changed shape and added and removed tensors', async () => {
    const root = dirs.make();
    const fdb = join(dirs.make(), 'ws.db');
    const v = (n: number, seed: number) => seededValues(n, seed);
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    writeSafetensors(join(root, 'a', 'model.safetensors'), [{ name: 'model.layers.0.w', shape: [4, 4], values: v(16, 1) }, { name: 'model.layers.1.w', shape: [4], values: v(4, 2) }, { name: 'old_head.weight', shape: [2], values: v(2, 3) }]);
    writeSafetensors(join(root, 'b', 'model.safetensors'), [{ name: 'model.layers.0.w', shape: [4, 8], values: v(32, 1) }, { name: 'model.layers.1.w', shape: [4], values: v(4, 2) }, { name: 'new_head.weight', shape: [2], values: v(2, 3) }]);
    expect((await runCli(['index', root, '--db', fdb])).code).toBe(0);
    const { c } = await compare([join(root, 'a', 'model.safetensors'), join(root, 'b', 'model.safetensors')], fdb);
    expect(statuses(c)).toEqual({ 'model.layers.0.w': 'shape-changed', 'model.layers.1.w': 'same', 'old_head.weight': 'removed', 'new_head.weight': 'added' });
    expect(c.tensors.layers.map((l) => l.layer)).toEqual(['0', '1', 'new_head', 'old_head']);
    // nothing is known about how either was made: every axis is unknown, none drifted
    expect(c.drifted).toEqual([]);
    expect(c.axes.map((a) => a.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });
});
