import { EXIT_OK, printJson, type Command } from '../command';
import { formatBytes, table } from '../format';

export const statusCommand: Command = {
  name: 'status',
  summary: 'the workspace: database, stores, files indexed and hashed, findings',
  usage: 'pedigree status [--db FILE] [--json]',
  json: true,
  async run(ctx) {
    const ws = ctx.openWorkspace();
    const h = ws.handlers();
    const status = await h.getStatus({});
    const stores = ws.listStores();
    if (ctx.json) printJson(ctx, { ...status, stores });
    else {
      ctx.out.write(`workspace ${status.dbPath} (schema ${status.schemaVersion})\n`);
      ctx.out.write(`${status.stores} stores, ${status.files} files (${formatBytes(status.bytes)}), ${status.hashed} hashed, ${status.missing} missing, ${status.findings} findings\n`);
      if (stores.length) {
        const rows = [['id', 'name', 'status', 'files', 'bytes', 'hashed', 'missing', 'findings', 'last scan', 'path']];
        for (const s of stores) rows.push([String(s.id), s.name, s.status, String(s.counts.files), formatBytes(s.counts.bytes), String(s.counts.hashed), String(s.counts.missing), String(s.counts.findings), s.lastScanAt ? `${s.lastScanAt} (${s.lastScanStatus})` : 'never', s.path]);
        ctx.out.write(`\n${table(rows)}\n`);
      }
    }
    return EXIT_OK;
  },
};
