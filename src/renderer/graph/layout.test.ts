import { describe, expect, it } from 'vitest';
import { layeredLayout } from './layout';

/** A lineage-shaped random graph: datasets → stages → checkpoints → versions, with some shared inputs. */
export function lineageLike(n: number, seed = 7) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const nodes = Array.from({ length: n }, (_, id) => ({ id }));
  const edges: { from: number; to: number }[] = [];
  for (let i = 1; i < n; i++) {
    const fanIn = 1 + Math.floor(rnd() * 2.5);
    for (let k = 0; k < fanIn; k++) edges.push({ from: Math.floor(rnd() * i * 0.98), to: i });
  }
  return { nodes, edges };
}

describe('layeredLayout', () => {
  it('puts every edge left to right and no two nodes of a layer on top of each other', () => {
    const g = lineageLike(300);
    const r = layeredLayout(g);
    for (const e of g.edges) expect(r.positions.get(e.from)!.x).toBeLessThan(r.positions.get(e.to)!.x);
    const byLayer = new Map<number, number[]>();
    for (const p of r.positions.values()) byLayer.set(p.layer, [...(byLayer.get(p.layer) ?? []), p.y]);
    for (const ys of byLayer.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(45.9);
    }
  });

  it('survives cycles and self loops and keeps a route for every edge', () => {
    const r = layeredLayout({ nodes: [{ id: 1 }, { id: 2 }, { id: 3 }], edges: [{ from: 1, to: 2 }, { from: 2, to: 3 }, { from: 3, to: 1 }, { from: 2, to: 2 }] });
    expect(r.positions.size).toBe(3);
    expect(r.routes).toHaveLength(3);
    for (const route of r.routes) {
      expect(route.points[0]).toEqual([r.positions.get(route.from)!.x, r.positions.get(route.from)!.y]);
      expect(route.points.at(-1)).toEqual([r.positions.get(route.to)!.x, r.positions.get(route.to)!.y]);
    }
  });

  it('lays out 2,000 lineage-shaped nodes in a fraction of a second', () => {
    const r = layeredLayout(lineageLike(2000));
    expect(r.positions.size).toBe(2000);
    // a loose bound for a loaded CI machine; the benchmark prints the real figure
    expect(r.ms).toBeLessThan(1500);
  });
});
