import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { runCli } from '../helpers/cli';
import { launchChromium, REPO, startServe, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

describe('compare view', () => {
  let dir: string;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let refs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-compare-'));
    mkdirSync(SHOTS, { recursive: true });
    const store = join(dir, 'demo');
    const db = join(dir, 'workspace.db');
    ensureDemoStore(store);
    await runCli(['index', store, '--db', db]);
    refs = [];
    for (const run of ['2026-03-base', '2026-04-finetune']) {
      const r = await runCli(['lineage', join(store, 'runs', run, 'model.safetensors'), '--db', db, '--depth', '0', '--json']);
      refs.push(`#${(JSON.parse(r.stdout) as { focus: number }).focus}`);
    }
    served = await startServe(['--db', db, '--port', '0']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    await page.goto(served.url);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the drifted axes and the changed tensors of a fine-tune against its base', async () => {
    await page.goto(`${served.origin}/#/compare?refs=${encodeURIComponent(refs.join('|'))}`);
    const answer = page.getByRole('status');
    await expect.poll(() => answer.innerText(), { timeout: 20_000 }).toMatch(/Drifted: Code, Hyperparameters/);
    expect(await page.getByLabel('hyperparameters drift changed').innerText()).toMatch(/seed[\s\S]*1234[\s\S]*99/);
    expect(await page.getByLabel('data drift same').count()).toBe(1);
    const changed = await page.getByRole('table', { name: 'changed tensors' }).innerText();
    expect(changed).toContain('encoder.layer.1.mlp.weight');
    expect(changed).toContain('classifier.weight');
    expect(changed).toContain('classifier.bias');
    expect(changed).not.toContain('encoder.layer.0');
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  });

  it('exports one self-contained HTML file', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export HTML' }).click()]);
    const file = join(dir, 'export.html');
    await download.saveAs(file);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<html/i);
    expect(html).toContain('encoder.layer.1.mlp.weight');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:|src=["']https?:/i);
  });

  it('adds a checkpoint by searching for it', async () => {
    await page.goto(`${served.origin}/#/compare?refs=${encodeURIComponent(refs[0]!)}`);
    await page.getByLabel('add subject').fill('finetune');
    const hit = page.getByRole('option').first();
    await expect.poll(() => hit.isVisible(), { timeout: 10_000 }).toBe(true);
    await hit.click();
    await expect.poll(() => page.getByRole('status').innerText(), { timeout: 20_000 }).toMatch(/Drifted/);
  });
});
