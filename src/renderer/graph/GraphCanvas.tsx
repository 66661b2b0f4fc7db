import { select } from 'd3-selection';
import 'd3-transition';
import { curveBumpX, line } from 'd3-shape';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { LineageEdgeDto, LineageNodeDto } from '../../shared/lineage';
import type { Layout } from './layout-client';

/**
 * The lineage graph, drawn by D3 inside this leaf component only. The data
 * join runs when the layout changes; selection, path and collapse marks only
 * toggle classes; pan and zoom move one transform, so they stay at frame rate.
 */
export const NODE_W = 176;
/** Below this zoom a node's text is a few pixels high: it is hidden, not drawn. */
const LABEL_MIN_ZOOM = 0.45;
export const NODE_H = 36;

export interface GraphHandle {
  fit(): void;
  centerOn(nodeId: number): void;
}

interface Props {
  nodes: LineageNodeDto[];
  edges: LineageEdgeDto[];
  layout: Layout;
  hidden: Set<number>;
  collapsed: number[];
  selected: number | null;
  focusId: number | null;
  pathNodes: number[] | null;
  onSelect(nodeId: number | null, withShift: boolean): void;
  onToggleCollapse(nodeId: number): void;
  onRendered?(ms: number): void;
}

const KIND_GLYPH: Record<string, string> = {
  checkpoint: '◆',
  dataset: '▤',
  run: '▶',
  stage: '⚙',
  code: '⌥',
  config: '≡',
  environment: '▣',
  card: '✎',
  'model-version': '★',
  'registered-model': '✦',
  experiment: '◎',
};

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const GraphCanvas = forwardRef<GraphHandle, Props>(function GraphCanvas(props, ref) {
  const svgRef = useRef<SVGSVGElement>(null);
  const miniRef = useRef<SVGSVGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const transformRef = useRef<ZoomTransform>(zoomIdentity);
  /** The canvas size, kept by a ResizeObserver: reading it on every zoom event would force a layout. */
  const sizeRef = useRef({ width: 800, height: 600 });
  const propsRef = useRef(props);
  propsRef.current = props;

  const fit = () => {
    const svg = svgRef.current;
    const z = zoomRef.current;
    if (!svg || !z) return;
    const { width, height } = sizeRef.current;
    const l = propsRef.current.layout;
    const w = l.width + NODE_W + 80;
    const h = l.height + NODE_H + 80;
    const k = Math.min(1.4, Math.max(0.05, Math.min(width / w, height / h)));
    const t = zoomIdentity.translate((width - l.width * k) / 2, (height - l.height * k) / 2).scale(k);
    select(svg).call(z.transform, t);
  };
  const centerOn = (nodeId: number) => {
    const svg = svgRef.current;
    const z = zoomRef.current;
    const p = propsRef.current.layout.positions.get(nodeId);
    if (!svg || !z || !p) return;
    const { width, height } = sizeRef.current;
    const k = Math.max(transformRef.current.k, 0.7);
    select(svg).transition().duration(250).call(z.transform, zoomIdentity.translate(width / 2 - p.x * k, height / 2 - p.y * k).scale(k));
  };
  useImperativeHandle(ref, () => ({ fit, centerOn }));

  // zoom and pan, set up once
  useEffect(() => {
    const svg = svgRef.current!;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.03, 4])
      .on('zoom', (e: D3ZoomEvent<SVGSVGElement, unknown>) => {
        transformRef.current = e.transform;
        select(svg).select<SVGGElement>('g.viewport').attr('transform', e.transform.toString());
        // Level of detail: labels too small to read are not laid out at all (SVG text layout dominates panning).
        svg.classList.toggle('far', e.transform.k < LABEL_MIN_ZOOM);
        drawViewportBox();
      })
      .on('end', () => markOffscreen());
    zoomRef.current = z;
    select(svg).call(z).on('dblclick.zoom', null);
    const first = svg.getBoundingClientRect();
    sizeRef.current = { width: first.width, height: first.height };
    const ro = new ResizeObserver(() => {
      const r = svg.getBoundingClientRect();
      sizeRef.current = { width: r.width, height: r.height };
    });
    ro.observe(svg);
    return () => {
      ro.disconnect();
      select(svg).on('.zoom', null);
    };
  }, []);

  /**
   * Labels of nodes well outside the view are not laid out either: at a readable zoom, panning
   * then lays out tens of labels, not thousands. Recomputed when a gesture ends, with a margin of
   * a screen on every side so that what a pan brings into view already has its labels.
   */
  const markOffscreen = () => {
    const svg = svgRef.current;
    if (!svg) return;
    const t = transformRef.current;
    const { width, height } = sizeRef.current;
    const mx = width / t.k;
    const my = height / t.k;
    const x0 = -t.x / t.k - mx;
    const y0 = -t.y / t.k - my;
    const x1 = x0 + 3 * mx;
    const y1 = y0 + 3 * my;
    const positions = propsRef.current.layout.positions;
    select(svg)
      .selectAll<SVGGElement, LineageNodeDto>('g.node')
      .classed('offscreen', (n) => {
        const p = positions.get(n.id);
        return !p || p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1;
      });
  };

  const drawViewportBox = () => {
    const mini = miniRef.current;
    const svg = svgRef.current;
    if (!mini || !svg) return;
    const l = propsRef.current.layout;
    const { width, height } = sizeRef.current;
    const t = transformRef.current;
    const s = miniScale(l);
    select(mini)
      .select('rect.view')
      .attr('x', ((-t.x / t.k + MINI_PAD_X) * s).toFixed(1))
      .attr('y', ((-t.y / t.k + MINI_PAD_Y) * s).toFixed(1))
      .attr('width', ((width / t.k) * s).toFixed(1))
      .attr('height', ((height / t.k) * s).toFixed(1));
  };

  // the data join: whenever the layout (or what is hidden) changes
  useEffect(() => {
    const t0 = performance.now();
    const svg = select(svgRef.current!);
    const { nodes, edges, layout, hidden } = props;
    const shown = nodes.filter((n) => !hidden.has(n.id) && layout.positions.has(n.id));
    const routes = new Map(layout.routes.map((r) => [`${r.from}>${r.to}`, r.points]));
    const shownEdges = edges.filter((e) => routes.has(`${e.from}>${e.to}`) || routes.has(`${e.to}>${e.from}`));
    const path = line<[number, number]>().curve(curveBumpX);
    const edgeLayer = svg.select<SVGGElement>('g.edges');
    edgeLayer
      .selectAll<SVGPathElement, LineageEdgeDto>('path')
      .data(shownEdges, (e) => e.id)
      .join('path')
      .attr('class', (e) => `edge strength-${e.strength} rel-${e.relation}`)
      .attr('marker-end', 'url(#arrow)')
      .attr('d', (e) => {
        const pts = (routes.get(`${e.from}>${e.to}`) ?? routes.get(`${e.to}>${e.from}`)!.slice().reverse()).map((p) => [p[0], p[1]] as [number, number]);
        pts[0] = [pts[0]![0] + NODE_W / 2, pts[0]![1]];
        pts[pts.length - 1] = [pts[pts.length - 1]![0] - NODE_W / 2 - 4, pts[pts.length - 1]![1]];
        return path(pts);
      })
      .selectAll('title')
      .data((e) => [e])
      .join('title')
      .text((e) => `${e.relation} (${e.strength}) — ${e.evidence.file}${e.evidence.line ? `:${e.evidence.line}` : ''}${e.evidence.detail ? ` ${e.evidence.detail}` : ''}`);

    const nodeLayer = svg.select<SVGGElement>('g.nodes');
    const groups = nodeLayer
      .selectAll<SVGGElement, LineageNodeDto>('g.node')
      .data(shown, (n) => n.id)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'node');
        g.append('rect').attr('class', 'body').attr('width', NODE_W).attr('height', NODE_H).attr('rx', 7);
        g.append('rect').attr('class', 'stripe').attr('width', 5).attr('height', NODE_H).attr('rx', 2);
        g.append('text').attr('class', 'glyph').attr('x', 16).attr('y', NODE_H / 2 + 5);
        g.append('text').attr('class', 'label').attr('x', 30).attr('y', 15);
        g.append('text').attr('class', 'sub').attr('x', 30).attr('y', 29);
        g.append('text').attr('class', 'badge').attr('x', NODE_W - 8).attr('y', 14).attr('text-anchor', 'end');
        g.append('circle').attr('class', 'audit').attr('cx', NODE_W - 9).attr('cy', NODE_H - 9).attr('r', 4);
        g.append('title');
        return g;
      });
    groups
      .attr('transform', (n) => {
        const p = layout.positions.get(n.id)!;
        return `translate(${p.x - NODE_W / 2},${p.y - NODE_H / 2})`;
      })
      .attr('data-id', (n) => n.id)
      .attr('data-kind', (n) => n.kind);
    groups.select('text.glyph').text((n) => KIND_GLYPH[n.kind] ?? '•');
    groups.select('circle.audit').attr('class', (n) => `audit${n.audit ? ` axis-${n.audit}` : ''}`);
    groups.select('text.label').text((n) => clip(n.label, 22));
    groups.select('text.sub').text((n) => clip(n.present ? (n.summary ?? `${n.kind} · ${n.storeName}`) : `declared, not present`, 26));
    groups.select('title').text((n) => `${n.label}\n${n.kind} in ${n.storeName}${n.present ? '' : '\ndeclared, not present'}${n.mismatch ? '\ndigest mismatch' : ''}${n.audit ? `\naudit ${n.audit}` : ''}${n.summary ? `\n${n.summary}` : ''}`);
    groups
      .on('click', (e: MouseEvent, n) => {
        e.stopPropagation();
        propsRef.current.onSelect(n.id, e.shiftKey);
      })
      .on('dblclick', (e: MouseEvent, n) => {
        e.stopPropagation();
        propsRef.current.onToggleCollapse(n.id);
      });
    svg.on('click', () => propsRef.current.onSelect(null, false));

    // the minimap: every node as a dot
    const mini = select(miniRef.current!);
    const s = miniScale(layout);
    mini
      .select('g.dots')
      .selectAll<SVGRectElement, LineageNodeDto>('rect')
      .data(shown, (n) => n.id)
      .join('rect')
      .attr('class', (n) => `dot kind-${n.kind}`)
      .attr('x', (n) => ((layout.positions.get(n.id)!.x - NODE_W / 2 + MINI_PAD_X) * s).toFixed(1))
      .attr('y', (n) => ((layout.positions.get(n.id)!.y - NODE_H / 2 + MINI_PAD_Y) * s).toFixed(1))
      .attr('width', Math.max(1.5, NODE_W * s))
      .attr('height', Math.max(1.5, NODE_H * s));
    mini.on('click', (e: MouseEvent) => {
      const [mx, my] = [e.offsetX, e.offsetY];
      const svgEl = svgRef.current!;
      const { width, height } = sizeRef.current;
      const k = transformRef.current.k;
      const x = mx / s - MINI_PAD_X;
      const y = my / s - MINI_PAD_Y;
      select(svgEl).call(zoomRef.current!.transform, zoomIdentity.translate(width / 2 - x * k, height / 2 - y * k).scale(k));
    });
    fit();
    markOffscreen();
    props.onRendered?.(performance.now() - t0);
  }, [props.layout, props.hidden, props.nodes, props.edges]);

  // marks: selection, path, collapse, focus — classes only
  useEffect(() => {
    const svg = select(svgRef.current!);
    const onPath = new Set(props.pathNodes ?? []);
    const pathEdges = new Set<string>();
    const pn = props.pathNodes ?? [];
    for (let i = 0; i + 1 < pn.length; i++) {
      pathEdges.add(`${pn[i]}>${pn[i + 1]}`);
      pathEdges.add(`${pn[i + 1]}>${pn[i]}`);
    }
    const collapsed = new Set(props.collapsed);
    svg
      .selectAll<SVGGElement, LineageNodeDto>('g.node')
      .classed('selected', (n) => n.id === props.selected)
      .classed('focus', (n) => n.id === props.focusId)
      .classed('absent', (n) => !n.present)
      .classed('mismatch', (n) => n.mismatch)
      .classed('on-path', (n) => onPath.has(n.id))
      .classed('dim', (n) => onPath.size > 0 && !onPath.has(n.id))
      .classed('collapsed', (n) => collapsed.has(n.id))
      .select('text.badge')
      .text((n) => (n.mismatch ? '!' : collapsed.has(n.id) ? '+' : ''));
    svg
      .selectAll<SVGPathElement, LineageEdgeDto>('path.edge')
      .classed('on-path', (e) => pathEdges.has(`${e.from}>${e.to}`))
      .classed('dim', (e) => pathEdges.size > 0 && !pathEdges.has(`${e.from}>${e.to}`));
  }, [props.selected, props.pathNodes, props.collapsed, props.focusId, props.layout, props.hidden]);

  return (
    <div className="graph-wrap">
      <svg ref={svgRef} className="graph" role="img" aria-label="lineage graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
        </defs>
        <g className="viewport">
          <g className="edges" />
          <g className="nodes" />
        </g>
      </svg>
      <svg ref={miniRef} className="minimap" aria-label="minimap" viewBox={`0 0 ${MINI_W} ${MINI_H}`}>
        <g className="dots" />
        <rect className="view" />
      </svg>
    </div>
  );
});

const MINI_W = 180;
const MINI_H = 110;
/** Minimap coordinates are layout coordinates shifted so the leftmost and topmost node edges sit 10 px in. */
const MINI_PAD_X = NODE_W / 2 + 10;
const MINI_PAD_Y = NODE_H / 2 + 10;
function miniScale(l: Layout): number {
  return Math.min(MINI_W / (l.width + NODE_W + 20), MINI_H / (l.height + NODE_H + 20));
}
