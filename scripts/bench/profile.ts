import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

/**
 * `--profile`: what the renderer's main thread did during a timed UI step.
 * A Chrome trace gives time per kind of work (script, style, layout, paint,
 * GC) by self time on the main thread; a V8 CPU profile, mapped through the
 * renderer's source maps, gives script time per source file and function.
 * Both files are kept for DevTools; the summaries go into the table's notes.
 * Tracing and sampling slow the page down, so profiled figures are not the
 * benchmark's figures.
 */
export interface Profiler {
  /** Runs `fn` under a trace and a CPU profile; returns its result and summary lines. */
  around<T>(page: Page, step: string, fn: () => Promise<T>): Promise<{ result: T; summary: string[] }>;
}

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink', 'blink.user_timing', 'loading'];

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/** Main-thread self time by event name, for the renderer that ran the page. */
export function summariseTrace(events: TraceEvent[]): { name: string; ms: number }[] {
  const mainThread = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && events.some((x) => x.pid === e.pid && x.name === 'FunctionCall'));
  if (!mainThread) return [];
  const xs = events.filter((e) => e.pid === mainThread.pid && e.tid === mainThread.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const stack: { end: number; name: string }[] = [];
  for (const e of xs) {
    while (stack.length && stack[stack.length - 1]!.end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur!);
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur!);
    stack.push({ end: e.ts + e.dur!, name: e.name });
  }
  // The profiler's own start-up is not the page's work.
  return [...self].map(([name, us]) => ({ name, ms: us / 1000 })).filter((x) => x.ms >= 1 && !x.name.startsWith('CpuProfiler')).sort((a, b) => b.ms - a.ms);
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per original source file and per function, through the bundle's source map. */
export function summariseProfile(profile: CpuProfile, assetsDir: string): { files: { name: string; ms: number }[]; functions: { name: string; ms: number }[] } {
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string) => {
    const file = basename(url.split('?')[0]!);
    if (!maps.has(file)) {
      const path = join(assetsDir, `${file}.map`);
      maps.set(file, file && existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : null);
    }
    return maps.get(file) ?? null;
  };
  const where = new Map<number, { file: string; fn: string }>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = n.callFrame;
    const map = url ? mapFor(url) : null;
    const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number; name?: string } | undefined;
    const src = entry?.originalSource ? entry.originalSource.replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '') : url ? basename(url) : functionName || '(native)';
    const pkg = src.startsWith('src/') ? src : src.split('/').slice(0, src.startsWith('@') ? 2 : 1).join('/');
    // A DOM method with no script behind it (getBoundingClientRect, setAttribute) is the browser's own work, often a forced style and layout.
    const native = !url && !functionName.startsWith('(');
    const label = native ? `${functionName} (native)` : functionName.startsWith('(') ? functionName : `${functionName || entry?.name || '(anonymous)'} ${src}${entry?.originalLine !== undefined ? `:${entry.originalLine + 1}` : ''}`;
    where.set(n.id, { file: native || functionName.startsWith('(') ? label : pkg, fn: label });
  }
  const files = new Map<string, number>();
  const fns = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const w = where.get(id)!;
    const us = profile.timeDeltas[i] ?? 0;
    files.set(w.file, (files.get(w.file) ?? 0) + us);
    fns.set(w.fn, (fns.get(w.fn) ?? 0) + us);
  });
  const top = (m: Map<string, number>) => [...m].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { files: top(files).filter((x) => x.name !== '(idle)'), functions: top(fns).filter((x) => !x.name.startsWith('(idle)')) };
}

export function createProfiler(browser: Browser, outDir: string, assetsDir: string): Profiler {
  mkdirSync(outDir, { recursive: true });
  return {
    async around(page, step, fn) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await browser.startTracing(page, { categories: CATEGORIES });
      await cdp.send('Profiler.start');
      const result = await fn();
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
      const trace = await browser.stopTracing();
      await cdp.detach();
      const file = step.replace(/[^\w-]+/g, '-');
      writeFileSync(join(outDir, `${file}.cpuprofile`), JSON.stringify(profile));
      writeFileSync(join(outDir, `${file}.trace.json`), trace);
      const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
      const work = summariseTrace(events).slice(0, 8);
      const js = summariseProfile(profile, assetsDir);
      const fmt = (xs: { name: string; ms: number }[]) => xs.map((x) => `${x.name} ${x.ms.toFixed(0)} ms`).join(', ');
      return {
        result,
        summary: [
          `profile of "${step}" (separate, traced run; ${join(outDir, file)}.{trace.json,cpuprofile}): main-thread self time by trace event: ${fmt(work)}`,
          `  script self time by package or source file: ${fmt(js.files.slice(0, 8))}`,
          `  hottest functions: ${fmt(js.functions.slice(0, 6))}`,
        ],
      };
    },
  };
}
