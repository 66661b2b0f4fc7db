import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserType, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium';

/**
 * Browser mode as a user runs it: `pedigree serve` in its own process, the UI
 * in Debian's Chromium driven by playwright-core. playwright-core is loaded
 * from node_modules at run time (a plain `import` would pull it into the
 * esbuild bundle, which breaks its own file lookups).
 */
export interface Served {
  url: string;
  origin: string;
  token: string;
  child: ChildProcess;
  /** One API call over HTTP, as the renderer's transport makes it; throws on an error envelope. */
  call<T = unknown>(method: string, params: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `pedigree serve --db DB --port 0` and reads the URL (with its token) that it prints. */
export async function startServe(cli: string, db: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', '--db', db, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pedigree serve printed no URL in 30 s:\n${out}`)), 30_000);
      child.stdout!.on('data', () => {
        const m = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`pedigree serve exited with ${code}:\n${out}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const u = new URL(url);
  const token = u.searchParams.get('token')!;
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await fetch(`${u.origin}/api/${method}`, { method: 'POST', body: JSON.stringify(params), headers: { 'x-pedigree-token': token, 'content-type': 'application/json' } });
    const body = (await r.json()) as { ok: boolean; result?: T; error?: { kind?: string; message: string } };
    if (!body.ok) throw new Error(`${method}: ${body.error?.kind ?? 'error'}: ${body.error?.message ?? r.status}`);
    return body.result as T;
  };
  return { url, origin: u.origin, token, child, call, stop };
}

export function launchChromium(repoDir: string): Promise<Browser> {
  const load = createRequire(join(repoDir, 'package.json'));
  const { chromium } = load('playwright-core') as { chromium: BrowserType };
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A page on the app with its start-up done (the main navigation is drawn); `init` runs in the page before the app. */
export async function openApp(browser: Browser, url: string, opts: { hash?: string; init?: () => void } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  if (opts.init) await page.addInitScript(opts.init);
  await page.goto(`${url}${opts.hash ?? ''}`);
  await page.waitForSelector('nav[aria-label="main"]');
  return page;
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Nearest-rank quantile. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
