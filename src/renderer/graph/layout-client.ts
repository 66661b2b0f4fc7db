import type { LayoutInput } from './layout';
import type { LayoutReply, LayoutRequest } from './layout.worker';

export interface Layout {
  positions: Map<number, { x: number; y: number; layer: number }>;
  routes: LayoutReply['routes'];
  width: number;
  height: number;
  ms: number;
}

/**
 * Lays out graphs in a worker, with a timeout and cancel: a newer request
 * supersedes an older one, and positions are cached by the graph's shape, so
 * going back to a graph already seen costs nothing.
 */
let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, { resolve(l: Layout): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
const cache = new Map<string, Layout>();
const CACHE_SIZE = 20;
const TIMEOUT_MS = 15_000;

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<LayoutReply>) => {
      const w = waiting.get(e.data.id);
      if (!w) return; // superseded
      waiting.delete(e.data.id);
      clearTimeout(w.timer);
      const positions = new Map<number, { x: number; y: number; layer: number }>();
      const p = e.data.positions;
      for (let i = 0; i < p.length; i += 4) positions.set(p[i]!, { x: p[i + 1]!, y: p[i + 2]!, layer: p[i + 3]! });
      w.resolve({ positions, routes: e.data.routes, width: e.data.width, height: e.data.height, ms: e.data.ms });
    };
  }
  return worker;
}

function signature(input: LayoutInput): string {
  const ids = input.nodes.map((n) => n.id).sort((a, b) => a - b);
  const edges = input.edges.map((e) => `${e.from}>${e.to}`).sort();
  return `${ids.join(',')}|${edges.join(',')}`;
}

export function layoutGraph(input: LayoutInput): Promise<Layout> {
  const key = signature(input);
  const hit = cache.get(key);
  if (hit) return Promise.resolve(hit);
  // a new request cancels the ones still waiting: only the latest graph is drawn
  for (const [id, w] of waiting) {
    clearTimeout(w.timer);
    w.reject(new Error('superseded'));
    waiting.delete(id);
  }
  const id = ++seq;
  return new Promise<Layout>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      // a layout that hangs is abandoned with its worker; the next request starts a fresh one
      worker?.terminate();
      worker = null;
      reject(new Error(`the layout took longer than ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    waiting.set(id, {
      resolve: (l) => {
        cache.set(key, l);
        if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
        resolve(l);
      },
      reject,
      timer,
    });
    const req: LayoutRequest = { id, input };
    getWorker().postMessage(req);
  });
}
