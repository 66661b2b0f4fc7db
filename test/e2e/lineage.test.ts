import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMIT, WEIGHTS, write2x } from '../fixtures/mlflow/scenarios';
import { launchChromium, REPO, startServe, waitUntil, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

describe('lineage explorer', () => {
  let dir: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-lineage-'));
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(join(dir, 'tracking'));
    write2x(join(dir, 'tracking'));
    served = await startServe(['--db', join(dir, 'workspace.db'), '--port', '0', join(dir, 'tracking')]);
    await waitUntil(async () => {
      const r = await fetch(`${served.origin}/api/getLineage`, { method: 'POST', body: '{}', headers: { 'x-pedigree-token': served.token } });
      const body = (await r.json()) as { ok: boolean; result?: { nodes: unknown[] } };
      return body.ok && (body.result?.nodes.length ?? 0) > 5;
    }, 'the lineage of the MLflow store', 30_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(served.url);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the whole graph, with a minimap and a legend', async () => {
    await page.getByRole('link', { name: 'Lineage' }).click();
    await expect.poll(() => page.locator('g.node').count(), { timeout: 15_000 }).toBeGreaterThan(5);
    expect(await page.locator('.minimap .dot').count()).toBeGreaterThan(5);
    expect(await page.getByLabel('legend').innerText()).toMatch(/declared[\s\S]*hash-matched[\s\S]*inferred/);
    await page.screenshot({ path: join(SHOTS, 'lineage-graph.png') });
  });

  it('finds a checkpoint by a digest prefix and opens it with its ancestors', async () => {
    const prefix = createHash('sha256').update(WEIGHTS).digest('hex').slice(0, 10);
    await page.keyboard.press('/');
    await page.keyboard.type(prefix);
    const hit = page.getByRole('option', { name: /epoch_10\.safetensors/ });
    await expect.poll(() => hit.isVisible(), { timeout: 10_000 }).toBe(true);
    await hit.click();
    await expect.poll(() => page.url(), { timeout: 5_000 }).toMatch(/#\/lineage\?.*node=\d+/);
    const details = page.getByLabel('node details');
    await expect.poll(() => details.getByRole('heading', { level: 2 }).innerText(), { timeout: 10_000 }).toContain('epoch_10.safetensors');
    // its ancestors are in the graph: the run that wrote it and the commit of its code
    await expect.poll(() => page.locator('g.node', { hasText: 'resnet-sweep' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('g.node.focus').count()).toBe(1);
    expect(await details.getByLabel('files').innerText()).toContain(createHash('sha256').update(WEIGHTS).digest('hex'));
  });

  it('reads the audit of the checkpoint, axis by axis, with the commit as evidence', async () => {
    const audit = page.getByLabel('audit', { exact: true });
    await expect.poll(() => audit.isVisible(), { timeout: 10_000 }).toBe(true);
    for (const axis of ['data', 'code', 'hyperparameters', 'compute']) expect(await audit.getByLabel(new RegExp(`^${axis} axis`)).count()).toBe(1);
    expect(await audit.getByLabel(/^code axis/).innerText()).toContain(COMMIT);
    expect(await audit.getByLabel(/^hyperparameters axis/).innerText()).toMatch(/run resnet-sweep params/);
    await page.screenshot({ path: join(SHOTS, 'lineage-audit.png') });
  });

  it('follows an edge from the run to its input dataset, and Back returns', async () => {
    const details = page.getByLabel('node details');
    await details.getByRole('button', { name: /← resnet-sweep/ }).click();
    await expect.poll(() => details.getByRole('heading', { level: 2 }).innerText(), { timeout: 10_000 }).toBe('resnet-sweep');
    const toDataset = details.getByLabel('edges').getByRole('button', { name: /^← .*train/ }).first();
    await expect.poll(() => toDataset.isVisible(), { timeout: 10_000 }).toBe(true);
    await toDataset.click();
    await expect.poll(() => details.locator('.kind-pill').first().innerText(), { timeout: 10_000 }).toMatch(/dataset/i);
    await page.screenshot({ path: join(SHOTS, 'lineage-dataset.png') });
    await page.goBack();
    await page.goBack();
    await expect.poll(() => details.getByRole('heading', { level: 2 }).innerText(), { timeout: 10_000 }).toContain('epoch_10.safetensors');
  });

  it('walks the graph with the arrow keys and clears with Esc', async () => {
    const sel = () => new URL(page.url().replace('#/', '')).searchParams.get('sel');
    await page.locator('g.node', { hasText: 'epoch_10' }).click();
    await expect.poll(() => page.locator('g.node.selected').count(), { timeout: 10_000 }).toBe(1);
    const before = sel();
    await page.keyboard.press('ArrowLeft'); // upstream: the run that wrote it
    await expect.poll(sel, { timeout: 5_000 }).not.toBe(before);
    expect(await page.locator('g.node.selected').textContent()).toContain('resnet-sweep');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('g.node.selected').count(), { timeout: 5_000 }).toBe(0);
  });
});
