import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareSubjects, formatComparison, renderComparisonHtml } from '../../compare';
import { EXIT_OK, UsageError, printJson, type Command } from '../command';

/**
 * `pedigree compare A B [C...]`: which of the four axes drifted between
 * checkpoints or registry versions, then config, pins, metrics, tensors and
 * cards side by side. Exit 0 when the comparison is made: drift is the answer,
 * not a failure.
 */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'which axis drifted between checkpoints or registry versions (data, code, hyperparameters, compute), with config, pins, metrics, tensors and card diffs',
  usage: 'pedigree compare PATH|ID|MODEL@VERSION PATH|ID|MODEL@VERSION [...] [--json] [--html FILE]',
  options: { html: { type: 'string' } },
  json: true,
  async run(ctx) {
    if (ctx.positionals.length < 2) throw new UsageError('name at least two checkpoints (path, node id or key) or registry versions (model@v2, model@champion)');
    const html = ctx.flags.html;
    if (html !== undefined && (typeof html !== 'string' || html === '')) throw new UsageError('--html needs a file name');
    const ws = ctx.openWorkspace();
    const abort = new AbortController();
    void ctx.interrupted.then(() => abort.abort());
    const comparison = await compareSubjects(ws.db, ctx.positionals, { workersDir: ctx.paths.workersDir, hashThreads: ws.options.hashThreads, signal: abort.signal });
    if (typeof html === 'string') {
      writeFileSync(resolve(html), renderComparisonHtml(comparison));
      if (!ctx.json) ctx.err.write(`wrote ${resolve(html)}\n`);
    }
    if (ctx.json) printJson(ctx, comparison);
    else ctx.out.write(formatComparison(comparison));
    return EXIT_OK;
  },
};
