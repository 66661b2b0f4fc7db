import { graphAround, nodeDtos } from '../../lineage/dto';
import { checkpointsFromDigest } from '../../lineage/query';
import { EXIT_OK, UsageError, printJson, type Command } from '../command';
import { table } from '../format';
import { resolveNodes } from './lineage-target';

/** `pedigree lineage PATH|ID`: ancestors and descendants of a node, with the evidence of each edge. */
export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'ancestors and descendants of a file or node, each edge with its evidence; or every checkpoint derived from a digest',
  usage: 'pedigree lineage PATH|ID [--depth N] [--up N] [--down N] [--json] | pedigree lineage --derived-from DIGEST [--json]',
  json: true,
  options: { depth: { type: 'string' }, up: { type: 'string' }, down: { type: 'string' }, 'derived-from': { type: 'string' } },
  async run(ctx) {
    const ws = ctx.openWorkspace();
    const digest = ctx.flags['derived-from'];
    if (typeof digest === 'string') {
      if (!/^[0-9a-f]{32,64}$/i.test(digest)) throw new UsageError('--derived-from takes a whole sha256 or md5 digest');
      const found = checkpointsFromDigest(ws.db, digest);
      const dtos = nodeDtos(ws.db, found.map((n) => n.id));
      if (ctx.json) printJson(ctx, dtos);
      else if (dtos.length === 0) ctx.out.write(`no checkpoint is derived from ${digest}\n`);
      else ctx.out.write(`${table([['id', 'kind', 'checkpoint', 'store'], ...dtos.map((n) => [String(n.id), n.kind, n.label, n.storeName])])}\n`);
      return EXIT_OK;
    }
    const target = ctx.positionals[0];
    if (!target) throw new UsageError('name a file, a node id or a node key');
    const num = (v: unknown, d: number) => {
      if (v === undefined) return d;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 50) throw new UsageError('depths are whole numbers from 0 to 50');
      return n;
    };
    const depth = num(ctx.flags.depth, 3);
    const [node] = resolveNodes(ws, target);
    const graph = graphAround(ws.db, node!.id, num(ctx.flags.up, depth), num(ctx.flags.down, depth));
    if (ctx.json) {
      printJson(ctx, { focus: node!.id, ...graph });
      return EXIT_OK;
    }
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const f = byId.get(node!.id)!;
    ctx.out.write(`${f.label} (${f.kind}, node ${f.id}, in ${f.storeName})${f.present ? '' : ' — declared, not present'}${f.mismatch ? ' — DIGEST MISMATCH' : ''}\n`);
    for (const side of ['ancestor', 'descendant'] as const) {
      const list = graph.nodes.filter((n) => n.side === side).sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0));
      ctx.out.write(`\n${side === 'ancestor' ? 'Ancestors' : 'Descendants'} (${list.length}):\n`);
      if (list.length) ctx.out.write(`${table([['depth', 'id', 'kind', 'node', 'notes'], ...list.map((n) => [String(n.depth ?? ''), String(n.id), n.kind, n.label, [n.present ? '' : 'declared, not present', n.mismatch ? 'MISMATCH' : '', n.summary ?? ''].filter(Boolean).join('; ')])])}\n`);
    }
    ctx.out.write(`\nEdges (${graph.edges.length}):\n`);
    ctx.out.write(
      `${table([['from', 'relation', 'to', 'strength', 'evidence'], ...graph.edges.map((e) => [byId.get(e.from)?.label ?? String(e.from), e.relation, byId.get(e.to)?.label ?? String(e.to), e.strength, `${e.evidence.file}${e.evidence.line ? `:${e.evidence.line}` : ''}${e.evidence.detail ? ` (${e.evidence.detail})` : ''}`])])}\n`,
    );
    return EXIT_OK;
  },
};
