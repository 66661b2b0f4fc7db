import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoStore } from '../../src/main/demo/demo-store';
import { launchChromium, REPO, startServe, type Served } from './support/serve';

const SHOTS = join(REPO, 'test-results');

/** A raw request with full control of the headers (fetch won't send a foreign Host). */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser mode', () => {
  let dir: string;
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pedigree-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    const store = join(dir, 'store');
    ensureDemoStore(store);
    served = await startServe(['--db', join(dir, 'workspace.db'), store]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the app shell with its navigation, and the stores view', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('request', (r) => {
      if (!r.url().startsWith(served.origin)) failed.push(`outside request: ${r.url()}`);
    });
    await page.goto(served.url);
    await expect.poll(() => page.getByRole('navigation', { name: 'main' }).isVisible()).toBe(true);
    const nav = await page.getByRole('navigation', { name: 'main' }).getByRole('link').allInnerTexts();
    expect(nav.map((t) => t.trim())).toEqual(['Stores', 'Files', 'Registry', 'Lineage', 'Compare', 'Cards']);
    await expect.poll(() => page.getByRole('heading', { name: 'Stores' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('article', { name: 'store store' }).isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.getByRole('article', { name: 'store store' }).getByText('online').isVisible(), { timeout: 30_000 }).toBe(true);
    // the token left the address bar; the cookie carries it
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: join(SHOTS, 'shell-stores.png'), fullPage: true });
    await page.getByRole('link', { name: 'Files' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'files' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(page.url()).toMatch(/#\/files/);
    await page.screenshot({ path: join(SHOTS, 'shell-files.png') });
    await page.goBack();
    await expect.poll(() => page.getByRole('heading', { name: 'Stores' }).isVisible()).toBe(true);
    // the demo's lineage: the fine-tune, its base, data, configs and environment
    await page.getByRole('link', { name: 'Lineage' }).click();
    await expect.poll(() => page.locator('g.node').count(), { timeout: 20_000 }).toBeGreaterThan(5);
    await page.locator('g.node[data-kind="checkpoint"]').last().click();
    await expect.poll(() => page.getByLabel('audit', { exact: true }).isVisible(), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'shell-lineage.png') });
    expect(failed).toEqual([]);
    await page.close();
  });

  it('refuses requests without the token, or with a foreign Host or Origin', async () => {
    const host = `127.0.0.1:${served.port}`;
    expect(await rawGet(served.port, '/', { host })).toBe(403);
    expect(await rawGet(served.port, '/assets/x.js', { host })).toBe(403);
    expect(await rawGet(served.port, `/?token=${served.token}`, { host })).toBe(200);
    expect(await rawGet(served.port, '/?token=wrong', { host })).toBe(403);
    expect(await rawGet(served.port, `/?token=${served.token}`, { host: `evil.example:${served.port}` })).toBe(403);
    expect(await rawGet(served.port, `/?token=${served.token}`, { host, origin: 'http://evil.example' })).toBe(403);
    expect(await rawGet(served.port, '/', { host, cookie: `pedigree_token=${served.token}` })).toBe(200);
    // a bookmark: the cookie alone opens the API, even with an empty token header
    const viaCookie = await fetch(`${served.origin}/api/listStores`, { method: 'POST', body: '{}', headers: { cookie: `pedigree_token=${served.token}`, 'x-pedigree-token': '' } });
    expect(viaCookie.status).toBe(200);
    expect(await rawGet(served.port, `/..%2f..%2fetc/passwd?token=${served.token}`, { host })).not.toBe(200);
    const api = await fetch(`${served.origin}/api/listStores`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(403);
    const ok = await fetch(`${served.origin}/api/listStores`, { method: 'POST', body: '{}', headers: { 'x-pedigree-token': served.token } });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${served.origin}/api/listStores`, { method: 'POST', body: '{not json', headers: { 'x-pedigree-token': served.token } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { kind: 'bad-request' } });
  });
});
