import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { runCli } from '../helpers/cli';
import { launchChromium, REPO, startServe, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

describe('model card editor', () => {
  let dir: string;
  let store: string;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let card: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-cards-'));
    mkdirSync(SHOTS, { recursive: true });
    store = join(dir, 'demo');
    ensureDemoStore(store);
    card = join(store, 'runs', '2026-03-base', 'README.md');
    await runCli(['index', store, '--db', join(dir, 'workspace.db')]);
    served = await startServe(['--db', join(dir, 'workspace.db'), '--port', '0']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(served.url);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a card dropped on the window (browser mode finds it by its digest)', async () => {
    await page.getByRole('link', { name: 'Cards' }).click();
    const text = readFileSync(card, 'utf8');
    await page.evaluate((content) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], 'README.md', { type: 'text/markdown' }));
      const target = document.querySelector('.cards-view')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, text);
    await expect.poll(() => page.getByLabel('preview').innerText(), { timeout: 10_000 }).toContain('tiny-sentiment');
    expect(page.url()).toContain(encodeURIComponent('2026-03-base/README.md'));
    expect(await page.getByLabel('sections').innerText()).toMatch(/Model details[\s\S]*Intended use/);
  });

  it('reorders sections by drag and drop', async () => {
    const items = page.getByLabel('sections').locator('.section-item');
    const before = await items.allInnerTexts();
    await items.filter({ hasText: 'Intended use' }).dragTo(items.filter({ hasText: 'Model details' }));
    await expect.poll(() => items.allInnerTexts(), { timeout: 5_000 }).not.toEqual(before);
    const after = await items.allInnerTexts();
    expect(after.findIndex((t) => t.includes('Intended use'))).toBeLessThan(after.findIndex((t) => t.includes('Model details')));
    expect(await page.locator('.badge', { hasText: 'unsaved' }).count()).toBe(1);
  });

  it('links a checkpoint dragged onto the card: data digests, code revision and hyperparameters appear', async () => {
    await page.getByLabel('find lineage').fill('model.safetensors');
    const item = page.getByLabel('lineage palette').locator('.palette-item').first();
    await expect.poll(() => item.isVisible(), { timeout: 10_000 }).toBe(true);
    await item.dragTo(page.getByLabel('preview'));
    await expect.poll(() => page.getByLabel('preview').innerText(), { timeout: 10_000 }).toMatch(/sha256:[0-9a-f]{12}/);
    await page.screenshot({ path: join(SHOTS, 'cards-editor.png') });
  });

  it('saves atomically, keeping the previous text as a backup', async () => {
    const original = readFileSync(card, 'utf8');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText(/saved; the previous text is in/).isVisible(), { timeout: 10_000 }).toBe(true);
    expect(readFileSync(card, 'utf8')).not.toBe(original);
    expect(readFileSync(`${card}.bak`, 'utf8')).toBe(original);
  });

  it('refuses to save over an outside edit, showing what changed', async () => {
    const items = page.getByLabel('sections').locator('.section-item');
    await items.last().dragTo(items.first());
    appendFileSync(card, '\nAn edit made in another editor.\n');
    const onDisk = readFileSync(card, 'utf8');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.conflict-diff').innerText(), { timeout: 10_000 }).toContain('An edit made in another editor.');
    expect(readFileSync(card, 'utf8')).toBe(onDisk);
    expect(existsSync(card)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'cards-conflict.png') });
  });
});
