/// <reference lib="webworker" />
import { layeredLayout, type LayoutInput } from './layout';

/** Runs the layout off the main thread, so a big graph never freezes the view. */
export interface LayoutRequest {
  id: number;
  input: LayoutInput;
}
export interface LayoutReply {
  id: number;
  /** [nodeId, x, y, layer] flattened */
  positions: Float64Array;
  routes: { from: number; to: number; points: [number, number][] }[];
  width: number;
  height: number;
  ms: number;
}

self.onmessage = (e: MessageEvent<LayoutRequest>) => {
  const { id, input } = e.data;
  const r = layeredLayout(input);
  const positions = new Float64Array(r.positions.size * 4);
  let i = 0;
  for (const [node, p] of r.positions) {
    positions[i++] = node;
    positions[i++] = p.x;
    positions[i++] = p.y;
    positions[i++] = p.layer;
  }
  const reply: LayoutReply = { id, positions, routes: r.routes, width: r.width, height: r.height, ms: r.ms };
  (self as unknown as Worker).postMessage(reply, [positions.buffer]);
};
