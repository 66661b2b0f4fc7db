import type { Page } from 'playwright-core';

/**
 * What the benchmark watches in the lineage view's page: when a layout comes
 * back from the worker, when D3 joins it into the SVG, long tasks, and frame
 * times under real mouse input.
 */
/** What the init script keeps in the page: layout replies and D3 joins, with their times. */
interface Probe {
  replies: number[];
  /** The last time a `g.node` got its transform set: the data join ran. */
  lastJoin: number;
  joins: number;
  longTasks: { start: number; ms: number }[];
  /** Frames that followed a join of a fresh layout: when, and how many nodes were drawn. */
  drawn: { t: number; nodes: number }[];
}
export type ProbeWindow = Window & { __probe: Probe };

/** Runs before the app: counts layout-worker replies and node joins, and records long tasks. */
export function installProbe(): void {
  const probe: Probe = { replies: [], lastJoin: 0, joins: 0, longTasks: [], drawn: [] };
  (window as unknown as ProbeWindow).__probe = probe;
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('message', () => probe.replies.push(performance.now()));
    }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if ((r.target as Element).classList?.contains('node')) {
        probe.lastJoin = performance.now();
        probe.joins++;
        if (probe.lastJoin > (probe.replies[probe.replies.length - 1] ?? Infinity)) requestAnimationFrame(() => probe.drawn.push({ t: performance.now(), nodes: document.querySelectorAll('g.node').length }));
        return;
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['transform'] });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => probe.longTasks.push({ start: e.startTime, ms: e.duration }))).observe({ type: 'longtask', buffered: true });
}

export const DRAW_TIMEOUT_MS = 60_000;

export interface Drawn {
  ms: number;
  timedOut: boolean;
  nodes: number;
  status: string;
  /** Long tasks on the main thread in the timed interval. */
  longTasks: number[];
}

/**
 * Does `action` in the page and times it to the first frame after a new
 * layout has come back from the worker and been joined into the SVG with
 * `expect` nodes (or as many as the status line says are shown).
 */
export function timeToDrawn(page: Page, action: { hash?: string; dblclickNode?: number }, expect: number | 'status'): Promise<Drawn> {
  return page.evaluate(
    ({ action, expect, timeoutMs }) => {
      const probe = (window as unknown as ProbeWindow).__probe;
      const replies = probe.replies.length;
      const t0 = performance.now();
      if (action.hash !== undefined) location.hash = action.hash;
      if (action.dblclickNode !== undefined) document.querySelector(`g.node[data-id="${action.dblclickNode}"]`)!.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
      return new Promise<Drawn>((resolve) => {
        const check = () => {
          const status = document.querySelector('.graph-status')?.textContent ?? '';
          const want = expect === 'status' ? Number(/^(\d+) nodes/.exec(status)?.[1] ?? -1) : expect;
          const nodes = document.querySelectorAll('g.node').length;
          const reply = probe.replies[probe.replies.length - 1] ?? Infinity;
          const done = probe.replies.length > replies && probe.lastJoin > reply && nodes === want;
          const timedOut = performance.now() - t0 > timeoutMs;
          if (done || timedOut) {
            // the next frame begins once this one, with the new nodes, is on screen
            requestAnimationFrame(() => resolve({ ms: performance.now() - t0, timedOut: !done, nodes, status, longTasks: probe.longTasks.filter((t) => t.start >= t0).map((t) => t.ms) }));
          } else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
    },
    { action, expect, timeoutMs: DRAW_TIMEOUT_MS },
  );
}

export interface Frames {
  seconds: number;
  frameMs: number[];
  /** Zoom transforms the view applied. */
  updates: number;
}

/** requestAnimationFrame intervals (one per frame the page produced) while `drive` runs. */
export async function recordFrames(page: Page, drive: () => Promise<void>): Promise<Frames> {
  type Recording = { t: number[]; on: boolean; updates: number };
  await page.evaluate(() => {
    const rec: Recording = { t: [], on: true, updates: 0 };
    (window as unknown as { __frames: Recording }).__frames = rec;
    const vp = document.querySelector('svg.graph g.viewport');
    const watch = new MutationObserver(() => rec.updates++);
    if (vp) watch.observe(vp, { attributes: true, attributeFilter: ['transform'] });
    const f = (ts: number) => {
      rec.t.push(ts);
      if (rec.on) requestAnimationFrame(f);
      else watch.disconnect();
    };
    requestAnimationFrame(f);
  });
  await drive();
  return page.evaluate(() => {
    const rec = (window as unknown as { __frames: Recording }).__frames;
    rec.on = false;
    const t = rec.t;
    return { seconds: (t[t.length - 1]! - t[0]!) / 1000, frameMs: t.slice(1).map((x, i) => x - t[i]!), updates: rec.updates };
  });
}

/** Real input through CDP: wheel zooms at the cursor and mouse drags, mixed, for `seconds`; `wheel: false` pans only. */
export async function panAndZoom(page: Page, seconds: number, opts: { wheel?: boolean } = {}): Promise<void> {
  const { x, y } = await graphCentre(page);
  const until = performance.now() + seconds * 1000;
  await page.mouse.move(x, y);
  for (let round = 0; performance.now() < until; round++) {
    if (opts.wheel !== false) for (let i = 0; i < 4; i++) await page.mouse.wheel(0, round % 2 === 0 ? -120 : 120);
    for (const dx of [240, -240]) {
      await page.mouse.move(x - dx / 2, y - dx / 8);
      await page.mouse.down();
      await page.mouse.move(x + dx / 2, y + dx / 8, { steps: 24 });
      await page.mouse.up();
    }
  }
}

async function graphCentre(page: Page): Promise<{ x: number; y: number }> {
  const box = (await page.locator('svg.graph').boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** The view's zoom scale, read from the transform D3 sets on g.viewport. */
export const zoomScale = (page: Page): Promise<number> => page.evaluate(() => Number(/scale\(([\d.e-]+)\)/.exec(document.querySelector('svg.graph g.viewport')?.getAttribute('transform') ?? '')?.[1] ?? 1));

/** Wheel-zooms in at the centre until the scale reaches `k` (labels readable at 1). */
export async function zoomIn(page: Page, k: number): Promise<number> {
  const { x, y } = await graphCentre(page);
  await page.mouse.move(x, y);
  for (let i = 0; i < 60 && (await zoomScale(page)) < k; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(20);
  }
  return zoomScale(page);
}

/** A draw that never completed has no figure (and so fails its target). */
export const drawnMs = (d: Drawn) => (d.timedOut ? null : d.ms);

export const fps = (f: Frames) => (f.frameMs.length ? f.frameMs.length / f.seconds : 0);

