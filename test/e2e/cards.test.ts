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

describe('generating a card from lineage', () => {
  it('writes a new README.md beside a checkpoint that has none, with the evaluation result edited in the form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-gencard-'));
    const store = join(dir, 'demo');
    ensureDemoStore(store);
    await runCli(['index', store, '--db', join(dir, 'workspace.db')]);
    const served = await startServe(['--db', join(dir, 'workspace.db'), '--port', '0']);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
      await page.goto(`${served.url.replace('/?', '/?')}#/cards`);
      await page.getByLabel('generate from checkpoint').fill('model.safetensors');
      const options = page.getByRole('listbox', { name: 'checkpoints' }).getByRole('option');
      await expect.poll(() => options.count(), { timeout: 10_000 }).toBe(2);
      await options.last().click(); // the fine-tune, which has no card
      await expect.poll(() => page.getByLabel('sections').innerText(), { timeout: 10_000 }).toMatch(/Intended use[\s\S]*Ethical considerations/i);
      await page.getByRole('button', { name: '+ add a result' }).click();
      await page.getByLabel('result 1 dataset', { exact: true }).fill('reviews');
      await page.getByLabel('result 1 type', { exact: true }).fill('local/reviews');
      await page.getByLabel('result 1 value', { exact: true }).fill('0.9');
      await page.getByRole('button', { name: 'Apply to the card' }).click();
      // applied: the form is read back from the edited text, so the button rests again
      await expect.poll(() => page.getByRole('button', { name: 'Apply to the card' }).isDisabled(), { timeout: 10_000 }).toBe(true);
      await page.getByRole('button', { name: 'Save' }).click();
      const readme = join(store, 'runs', '2026-04-finetune', 'README.md');
      await expect.poll(() => existsSync(readme), { timeout: 10_000 }).toBe(true);
      const text = readFileSync(readme, 'utf8');
      expect(text).toMatch(/^---\n/);
      expect(text).toContain('model-index');
      expect(text).toContain('0.9');
      expect(text).toMatch(/sha256:86fc61b5/);
      const check = await runCli(['card', 'check', readme, '--json']);
      const report = JSON.parse(check.stdout) as { findings: { severity: string }[] };
      expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    } finally {
      await browser.close();
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
