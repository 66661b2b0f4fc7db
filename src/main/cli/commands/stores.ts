import { resolve } from 'node:path';
import { EXIT_OK, UsageError, printJson, type Command } from '../command';
import { formatBytes, table } from '../format';

/** `pedigree stores [remove ID|PATH] [--findings]`: list stores, forget one, or read their findings. */
export const storesCommand: Command = {
  name: 'stores',
  summary: 'list stores, show their findings, or remove one from the index (files on disk are never touched)',
  usage: 'pedigree stores [--findings] | pedigree stores remove ID|PATH [--db FILE] [--json]',
  json: true,
  options: { findings: { type: 'boolean' } },
  async run(ctx) {
    const ws = ctx.openWorkspace();
    const h = ws.handlers();
    const [verb, target] = ctx.positionals;
    if (verb === 'remove') {
      if (!target) throw new UsageError('name the store to remove, by id or path');
      const abs = resolve(target);
      const store = ws.listStores().find((s) => String(s.id) === target || s.path === abs);
      if (!store) throw new UsageError(`no store ${target}`);
      const res = await h.removeStore({ storeId: store.id });
      if (ctx.json) printJson(ctx, { ...res, store: store.path });
      else ctx.out.write(`removed ${store.path} from the index (${store.counts.files} files forgotten; nothing on disk was touched)\n`);
      return EXIT_OK;
    }
    if (verb !== undefined) throw new UsageError(`unknown action "${verb}"`);
    if (ctx.flags.findings) {
      const res = await h.listFindings({ limit: 1000 });
      if (ctx.json) printJson(ctx, res);
      else ctx.out.write(`${table([['severity', 'code', 'path', 'message'], ...res.rows.map((f) => [f.severity, f.code, f.path, f.message])])}\n`);
      return EXIT_OK;
    }
    const stores = ws.listStores();
    if (ctx.json) printJson(ctx, stores);
    else {
      ctx.out.write(`${table([['id', 'name', 'status', 'files', 'bytes', 'path'], ...stores.map((s) => [String(s.id), s.name, s.status, String(s.counts.files), formatBytes(s.counts.bytes), s.path])])}\n`);
      for (const s of stores) if (s.offlineReason) ctx.out.write(`${s.name} is offline: ${s.offlineReason}; its index is kept\n`);
    }
    return EXIT_OK;
  },
};
