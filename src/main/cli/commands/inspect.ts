import { inspectFile } from '../../formats';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command } from '../command';
import { formatBytes } from '../format';

/** `pedigree inspect FILE`: what the format readers find in one file, reading only what they need. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'what the format readers find in one file (never executes or unpickles anything)',
  usage: 'pedigree inspect FILE... [--json]',
  json: true,
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new UsageError('name a file to inspect');
    const reports = [];
    for (const path of ctx.positionals) reports.push({ path, ...(await inspectFile(path)) });
    if (ctx.json) printJson(ctx, reports.length === 1 ? reports[0] : reports);
    else {
      for (const r of reports) {
        ctx.out.write(`${r.path}\n  format: ${r.format} (${r.kind}), read ${formatBytes(r.bytesRead)}\n`);
        for (const [k, v] of Object.entries(r.summary)) {
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          ctx.out.write(`  ${k}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}\n`);
        }
        for (const f of r.findings) ctx.out.write(`  ${f.severity}: ${f.message} (${f.code})\n`);
      }
    }
    return reports.some((r) => r.findings.some((f) => f.severity === 'error')) ? EXIT_FINDINGS : EXIT_OK;
  },
};
