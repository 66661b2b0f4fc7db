import type { Mismatch, VerifyResult } from '../../verify/types';
import { resolveVerifyTarget } from '../../verify/target';
import { verifyFiles } from '../../verify/verify';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command } from '../command';
import { formatBytes, formatDuration, table } from '../format';
import { createProgressPrinter } from '../progress';

/** `pedigree verify [STORE|PATH]`: re-hash and compare with the index and with every digest the store declares. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 're-hash files and compare them with the index and with the digests their store declares (DVC, Hugging Face cache, safetensors index)',
  usage: 'pedigree verify [STORE|PATH] [--db FILE] [--json]',
  json: true,
  async run(ctx) {
    if (ctx.positionals.length > 1) throw new UsageError('name one store (by id or path) or one path inside a store, or nothing for every store');
    const ws = ctx.openWorkspace();
    const resolved = resolveVerifyTarget(ws, ctx.positionals[0]);
    if (!resolved.ok) throw new UsageError(resolved.message);
    const abort = new AbortController();
    void ctx.interrupted.then(() => abort.abort());
    const printer = ctx.json ? null : createProgressPrinter(ctx.err, 'verify');
    const result = await verifyFiles(ws, resolved.targets, {
      signal: abort.signal,
      // Quick runs print no progress at all.
      onProgress: (p) =>
        p.elapsedSeconds >= 1 &&
        printer?.update({
          scanId: 0,
          storeId: 0,
          phase: 'hashing',
          filesSeen: p.filesToHash,
          filesToHash: p.filesToHash,
          filesHashed: p.filesHashed,
          bytesToHash: p.bytesToHash,
          bytesHashed: p.bytesHashed,
          bytesPerSecond: p.elapsedSeconds > 0 ? p.bytesHashed / p.elapsedSeconds : 0,
          etaSeconds: null,
          expectedBytes: null,
          currentFile: p.currentFile,
          elapsedSeconds: p.elapsedSeconds,
        }),
    });
    printer?.done();
    if (ctx.json) printJson(ctx, result);
    else ctx.out.write(render(result));
    return result.mismatches.length > 0 || !result.complete ? EXIT_FINDINGS : EXIT_OK;
  },
};

function render(r: VerifyResult): string {
  const lines: string[] = [];
  const where = r.stores.map((s) => (s.scope ? `${s.path}/${s.scope}` : s.path));
  lines.push(`verified ${r.checked} file${r.checked === 1 ? '' : 's'} (${formatBytes(r.bytes)} read) in ${formatDuration(r.seconds)}: ${r.ok} ok, ${r.mismatches.length} mismatch${r.mismatches.length === 1 ? '' : 'es'}, ${r.findings.length} other finding${r.findings.length === 1 ? '' : 's'}`);
  for (const w of where) lines.push(`  ${w}`);
  if (!r.complete) lines.push('INCOMPLETE: interrupted, or a store could not be reached; files not reached were not verified');
  for (const m of r.mismatches) lines.push('', ...renderMismatch(m));
  if (r.findings.length > 0) {
    lines.push('', table([['severity', 'code', 'path', 'message'], ...r.findings.map((f) => [f.severity, f.code, f.absPath, f.message])]));
  }
  return `${lines.join('\n')}\n`;
}

function renderMismatch(m: Mismatch): string[] {
  const from = m.source === 'index' ? 'recorded by the last scan' : `declared by ${m.source}`;
  const out = [`MISMATCH ${m.code}  ${m.absPath}`];
  if (m.expected !== null || m.actual !== null) {
    out.push(`  expected  ${m.algorithm ?? ''} ${m.expected ?? '(none)'}  (${from})`);
    out.push(`  actual    ${m.algorithm ?? ''} ${m.actual ?? '(none)'}`);
  } else out.push(`  ${from}`);
  out.push(`  ${m.message}`);
  return out;
}
