import type { ScanSummary } from '../../../shared/domain';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command } from '../command';
import { formatBytes, formatDuration, formatRate, table } from '../format';
import { createProgressPrinter } from '../progress';

/** `pedigree index PATH...`: adds each folder as a store (or rescans it) and prints what changed. */
export const indexCommand: Command = {
  name: 'index',
  summary: 'add folders as stores, or rescan them, and print what changed',
  usage: 'pedigree index PATH... [--db FILE] [--json] [--rehash] [--follow-symlinks]',
  json: true,
  options: { rehash: { type: 'boolean' }, 'follow-symlinks': { type: 'boolean' } },
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new UsageError('name at least one folder to index');
    const ws = ctx.openWorkspace();
    const summaries: (ScanSummary & { lineage?: { readers: string[]; nodes: number; edges: number; findings: number; mismatches: number } })[] = [];
    for (const path of ctx.positionals) {
      const { store } = ws.addStore({ path, followSymlinks: ctx.flags['follow-symlinks'] === true, scan: false });
      const handle = ws.rescan(store.id, ctx.flags.rehash === true);
      const printer = createProgressPrinter(ctx.err, store.name);
      const off = ws.onEvent((e) => {
        if (e.type === 'scan.progress' && e.progress.scanId === handle.scanId) printer.update(e.progress);
      });
      void ctx.interrupted.then(() => handle.cancel()); // Ctrl-C cancels, keeping what was finished
      const summary = await handle.done;
      off();
      printer.done();
      await ws.idle(); // the lineage readers run after a complete scan
      const lineage = ws.lineageSummary(store.id);
      summaries.push(lineage ? { ...summary, lineage: { readers: lineage.readers, nodes: lineage.nodes, edges: lineage.edges, findings: lineage.findings, mismatches: lineage.mismatches } } : summary);
      if (summary.status === 'cancelled') break;
    }
    if (ctx.json) printJson(ctx, summaries);
    else {
      const rows = [['store', 'status', 'files', 'bytes', 'new', 'changed', 'moved', 'missing', 'errors', 'seconds', 'throughput']];
      for (const s of summaries) {
        rows.push([s.storePath, s.status, String(s.files), formatBytes(s.bytes), String(s.new), String(s.changed), String(s.moved), String(s.missing), String(s.errors), formatDuration(s.seconds), `${formatRate(s.bytesPerSecond)}, ${Math.round(s.filesPerSecond)} files/s`]);
      }
      ctx.out.write(`${table(rows)}\n`);
      for (const s of summaries) if (s.message) ctx.err.write(`${s.storePath}: ${s.message}\n`);
      for (const s of summaries) {
        if (s.lineage && s.lineage.readers.length) ctx.out.write(`${s.storePath}: lineage read by ${s.lineage.readers.join(', ')}: ${s.lineage.nodes} nodes, ${s.lineage.edges} edges, ${s.lineage.findings} findings${s.lineage.mismatches ? `, ${s.lineage.mismatches} digest mismatches` : ''}\n`);
      }
      const errs = summaries.reduce((n, s) => n + s.errors, 0);
      if (errs > 0) ctx.err.write(`${errs} file(s) could not be indexed; see: pedigree stores --findings\n`);
    }
    return summaries.some((s) => s.status === 'failed' || s.status === 'cancelled' || s.errors > 0 || (s.lineage?.mismatches ?? 0) > 0) ? EXIT_FINDINGS : EXIT_OK;
  },
};
