import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { seededValues, writeSafetensors } from '../../src/main/demo/safetensors-writer';
import { launchChromium, REPO, startServe, waitUntil, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

/** A store big enough that a throttled scan shows its progress for a few seconds. */
function makeSlowStore(dir: string): void {
  mkdirSync(join(dir, 'shards'), { recursive: true });
  const floats = (9 * 1024 * 1024) / 4;
  for (let i = 0; i < 12; i++) writeSafetensors(join(dir, 'shards', `model-${String(i + 1).padStart(5, '0')}-of-00012.safetensors`), [{ name: `layer.${i}.weight`, shape: [floats], values: seededValues(floats, i + 1) }]);
  writeFileSync(join(dir, 'config.json'), '{"model_type": "demo"}\n');
}

describe('stores and files views', () => {
  let dir: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-stores-'));
    mkdirSync(SHOTS, { recursive: true });
    ensureDemoStore(join(dir, 'demo'));
    makeSlowStore(join(dir, 'big'));
    served = await startServe(['--db', join(dir, 'workspace.db'), '--port', '0', join(dir, 'demo')], { PEDIGREE_TEST_THROTTLE_MS: '400' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(served.url);
    await waitUntil(() => page.getByRole('article', { name: 'store demo' }).getByText('online').isVisible(), 'the demo store to be indexed', 30_000);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a store by typing its path and shows the scan progress with an ETA, then its counts', async () => {
    await page.getByLabel('Folder to add').fill(join(dir, 'big'));
    await page.getByRole('button', { name: 'Add store' }).click();
    const card = page.getByRole('article', { name: 'store big' });
    await expect.poll(() => card.getByRole('progressbar').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => (await card.getByRole('progressbar').innerText()).includes('ETA'), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'stores-scanning.png') });
    await expect.poll(() => card.getByText('online').isVisible(), { timeout: 60_000 }).toBe(true);
    await expect.poll(async () => (await card.locator('.stats').innerText()).replace(/\s+/g, ' '), { timeout: 10_000 }).toContain('FILES 13');
  });

  it('cancels a scan and keeps what was finished', async () => {
    const card = page.getByRole('article', { name: 'store big' });
    // a full re-hash is slow enough to cancel
    const res = await fetch(`${served.origin}/api/rescanStore`, { method: 'POST', body: JSON.stringify({ storeId: 2, rehash: true }), headers: { 'x-pedigree-token': served.token } });
    expect((await res.json()).ok).toBe(true);
    await expect.poll(() => card.getByRole('button', { name: 'Cancel' }).isVisible(), { timeout: 10_000 }).toBe(true);
    await card.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => card.getByRole('button', { name: 'Rescan' }).isVisible(), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => card.innerText(), { timeout: 5_000 }).toContain('cancelled');
    expect(await card.locator('.stats').innerText()).toMatch(/HASHED\s+13/);
  });

  it('marks an unreachable store offline and keeps its index', async () => {
    renameSync(join(dir, 'big'), join(dir, 'big-away'));
    await page.reload();
    const card = page.getByRole('article', { name: 'store big' });
    await expect.poll(() => card.getByText('offline').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await card.locator('.stats').innerText()).toMatch(/FILES\s+13/);
    expect(await card.locator('.offline-reason').innerText()).toMatch(/does not exist.*Its index is kept; rescan when the disk is back/);
    expect(await card.getByRole('button', { name: 'Rescan' }).isEnabled()).toBe(true); // it may be back by then
    await page.screenshot({ path: join(SHOTS, 'stores-offline.png') });
    renameSync(join(dir, 'big-away'), join(dir, 'big'));
  });

  it('lists findings with the file and the reason', async () => {
    writeFileSync(join(dir, 'demo', 'runs', 'broken-link-target'), 'x');
    const { symlinkSync, unlinkSync } = await import('node:fs');
    symlinkSync(join(dir, 'demo', 'nowhere'), join(dir, 'demo', 'runs', 'dangling'));
    unlinkSync(join(dir, 'demo', 'runs', 'broken-link-target'));
    const card = page.getByRole('article', { name: 'store demo' });
    await card.getByRole('button', { name: 'Rescan' }).click();
    await expect.poll(() => card.getByRole('button', { name: /Show 1 finding/ }).isVisible(), { timeout: 20_000 }).toBe(true);
    await card.getByRole('button', { name: /Show 1 finding/ }).click();
    expect(await card.locator('.findings-table').innerText()).toMatch(/runs\/dangling[\s\S]*dangling symbolic link/);
    await page.screenshot({ path: join(SHOTS, 'stores-findings.png'), fullPage: true });
  });

  it('searches files by name and by digest prefix, filters by kind, sorts by size', async () => {
    await page.getByRole('link', { name: 'Files' }).click();
    const list = page.getByRole('list', { name: 'files' });
    await expect.poll(() => list.isVisible(), { timeout: 10_000 }).toBe(true);
    await page.keyboard.press('/');
    await page.keyboard.type('train');
    await expect.poll(() => page.locator('.result-line').innerText(), { timeout: 5_000 }).toMatch(/^1 file/);
    expect(await list.innerText()).toContain('train.csv');
    // by digest prefix: take one from the table
    const digest = (await list.locator('.digest').first().innerText()).slice(0, 10);
    await page.getByLabel('search files').fill(digest);
    await expect.poll(() => list.innerText(), { timeout: 5_000 }).toContain('train.csv');
    await page.getByLabel('search files').fill('');
    await page.getByLabel('kind').selectOption('checkpoint');
    await page.getByLabel('sort').selectOption('size-desc');
    await expect.poll(() => page.locator('.result-line').innerText(), { timeout: 5_000 }).toMatch(/^14 files/);
    expect(page.url()).toContain('kind=checkpoint');
    // the count can answer before the sort does: wait for the order itself
    await expect.poll(() => list.locator('.file-line').first().innerText(), { timeout: 5_000 }).toMatch(/9\.4 MB/);
    await page.screenshot({ path: join(SHOTS, 'files-checkpoints.png') });
    // the URL carries the filters: a reload keeps them
    await page.reload();
    await expect.poll(() => page.locator('.result-line').innerText(), { timeout: 10_000 }).toMatch(/^14 files/);
  });
});
