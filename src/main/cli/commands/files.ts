import { resolve } from 'node:path';
import { FileKind } from '../../../shared/domain';
import { FileSort } from '../../../shared/api';
import { EXIT_OK, UsageError, printJson, type Command } from '../command';
import { formatBytes, table } from '../format';

/** `pedigree files [PATH]`: indexed files with kind, size and digests. */
export const filesCommand: Command = {
  name: 'files',
  summary: 'list indexed files with kind, size and digests',
  usage: 'pedigree files [PATH] [--kind KIND] [--search TEXT] [--sort path|size-desc|size-asc|mtime-desc] [--limit N] [--missing] [--db FILE] [--json]',
  json: true,
  options: { kind: { type: 'string' }, search: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'string' }, missing: { type: 'boolean' } },
  async run(ctx) {
    const kind = ctx.flags.kind === undefined ? undefined : FileKind.safeParse(ctx.flags.kind);
    if (kind && !kind.success) throw new UsageError(`--kind must be one of ${FileKind.options.join(', ')}`);
    const sort = FileSort.safeParse(ctx.flags.sort ?? 'path');
    if (!sort.success) throw new UsageError(`--sort must be one of ${FileSort.options.join(', ')}`);
    const limit = ctx.flags.limit === undefined ? 1000 : Number(ctx.flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
    const ws = ctx.openWorkspace();
    const handlers = ws.handlers();
    let storeId: number | undefined;
    let prefix: string | null = null;
    if (ctx.positionals[0]) {
      const abs = resolve(ctx.positionals[0]);
      const store = ws.listStores().find((s) => abs === s.path || abs.startsWith(`${s.path}/`));
      if (!store) throw new UsageError(`${abs} is not inside any store; add it with: pedigree index ${ctx.positionals[0]}`);
      storeId = store.id;
      prefix = abs === store.path ? null : abs.slice(store.path.length + 1);
    }
    const rows: Awaited<ReturnType<typeof handlers.searchFiles>>['rows'] = [];
    let total = 0;
    for (let offset = 0; rows.length < limit; ) {
      const page = await handlers.searchFiles({ storeId, kind: kind?.success ? kind.data : undefined, query: typeof ctx.flags.search === 'string' ? ctx.flags.search : undefined, includeMissing: ctx.flags.missing === true, sort: sort.data, offset, limit: 1000 });
      total = page.total;
      for (const r of page.rows) if (!prefix || r.path === prefix || r.path.startsWith(`${prefix}/`)) rows.push(r);
      offset += page.rows.length;
      if (page.rows.length < 1000 || offset >= total) break;
    }
    const shown = rows.slice(0, limit);
    if (ctx.json) printJson(ctx, shown);
    else {
      const lines = [['kind', 'format', 'size', 'sha256', 'state', 'path']];
      for (const r of shown) lines.push([r.kind, r.format ?? '-', formatBytes(r.size), r.sha256 ? r.sha256.slice(0, 16) : '(not hashed)', r.state, r.absPath]);
      ctx.out.write(`${table(lines)}\n`);
      if (rows.length > shown.length || total > rows.length) ctx.err.write(`showing ${shown.length}; use --limit or --search to see others\n`);
    }
    return EXIT_OK;
  },
};
