import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { runCli } from '../helpers/cli';
import { launchChromium, REPO, startServe, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

describe('registry view', () => {
  let dir: string;
  let store: string;
  let db: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-registry-'));
    mkdirSync(SHOTS, { recursive: true });
    store = join(dir, 'demo');
    db = join(dir, 'workspace.db');
    ensureDemoStore(store);
    await runCli(['index', store, '--db', db]);
    for (const run of ['2026-03-base', '2026-04-finetune']) {
      const r = await runCli(['registry', 'register', 'acme/sentiment', join(store, 'runs', run, 'model.safetensors'), '--db', db]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    await runCli(['registry', 'alias', 'acme/sentiment', '1', 'champion', '--db', db]);
    await runCli(['registry', 'stage', 'acme/sentiment', '1', 'production', '--db', db]);
    served = await startServe(['--db', db, '--port', '0']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(served.url);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists models with their latest version, aliases and stages, and opens one', async () => {
    await page.getByRole('link', { name: 'Registry' }).click();
    const item = page.getByRole('navigation', { name: 'registered models' }).getByRole('button', { name: /acme\/sentiment/ });
    await expect.poll(() => item.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await item.innerText()).toMatch(/2 versions[\s\S]*latest v2[\s\S]*@champion[\s\S]*production v1/);
    await item.click();
    await expect.poll(() => page.getByRole('table', { name: 'versions' }).isVisible(), { timeout: 10_000 }).toBe(true);
    expect(page.url()).toContain('model=acme%2Fsentiment');
    expect(await page.getByRole('row', { name: 'version v1' }).innerText()).toMatch(/@champion[\s\S]*intact/);
  });

  it('moves an alias by dragging its chip onto another version, and the audit log shows it', async () => {
    const chip = page.getByRole('row', { name: 'version v1' }).locator('.alias-chip', { hasText: '@champion' });
    await chip.dragTo(page.getByRole('row', { name: 'version v2' }));
    await expect.poll(() => page.getByRole('row', { name: 'version v2' }).innerText(), { timeout: 10_000 }).toContain('@champion');
    expect(await page.getByRole('row', { name: 'version v1' }).innerText()).not.toContain('@champion');
    await expect.poll(() => page.getByLabel('audit log').innerText(), { timeout: 10_000 }).toMatch(/set an alias on v2/);
    await page.screenshot({ path: join(SHOTS, 'registry-model.png'), fullPage: true });
  });

  it('flags a version whose file changed on disk as modified since registration, with both digests', async () => {
    appendFileSync(join(store, 'runs', '2026-03-base', 'model.safetensors'), Buffer.from('tampered'));
    await runCli(['index', store, '--db', db]);
    await page.reload();
    await expect.poll(() => page.getByRole('row', { name: 'version v1' }).innerText(), { timeout: 10_000 }).toMatch(/modified since registration[\s\S]*→/);
    expect(await page.getByRole('row', { name: 'version v2' }).innerText()).toContain('intact');
    await page.screenshot({ path: join(SHOTS, 'registry-modified.png'), fullPage: true });
  });
});
