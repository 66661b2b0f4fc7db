import { auditCheckpoint } from '../../lineage/audit';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command } from '../command';
import { resolveNodes } from './lineage-target';

const MARK = { complete: '✓', partial: '~', missing: '✗' } as const;

/** `pedigree audit PATH|ID`: the four axes of a checkpoint; exit 1 when one is missing. */
export const auditCommand: Command = {
  name: 'audit',
  summary: "a checkpoint's reproducibility: data, code, hyperparameters and compute, each complete, partial or missing, with evidence",
  usage: 'pedigree audit PATH|ID [--json]',
  json: true,
  async run(ctx) {
    const target = ctx.positionals[0];
    if (!target) throw new UsageError('name a checkpoint file, a node id or a node key');
    const ws = ctx.openWorkspace();
    const node = resolveNodes(ws, target)[0]!;
    if (node.kind !== 'checkpoint') throw new UsageError(`${node.label} is a ${node.kind}, not a checkpoint`);
    const audit = auditCheckpoint(ws.db, node.id)!;
    if (ctx.json) printJson(ctx, audit);
    else {
      ctx.out.write(`${audit.label} (node ${audit.nodeId}): ${audit.status}\n`);
      for (const a of audit.axes) {
        ctx.out.write(`\n${MARK[a.status]} ${a.axis}: ${a.status}\n`);
        for (const f of a.found) ctx.out.write(`    ${f.what}: ${f.value}${f.evidence ? `   [${f.evidence.file}${f.evidence.line ? `:${f.evidence.line}` : ''}]` : ''}\n`);
        for (const m of a.missing) ctx.out.write(`    missing: ${m}\n`);
      }
    }
    return audit.axes.some((a) => a.status === 'missing') ? EXIT_FINDINGS : EXIT_OK;
  },
};
