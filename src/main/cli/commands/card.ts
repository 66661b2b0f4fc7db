import { ApiError } from '../../../shared/errors';
import { backupPath, CardConflictError, CardEditError, CardFileError, checkCard, openCard, parseAssignment, readMetadata, saveCard, setMetadata, splitCard, splitSections } from '../../cards';
import type { CardFinding } from '../../../shared/cards';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command, type CommandContext } from '../command';

/**
 * `pedigree card show|check|set FILE`: a Hugging Face model card's metadata
 * and sections, its validation findings, and metadata edits that leave every
 * other byte of the file as it was. Works on the file alone; no workspace.
 */
export const cardCommand: Command = {
  name: 'card',
  summary: 'show, check or edit a model card (README.md with YAML metadata), byte for byte',
  usage: 'pedigree card show FILE [--json] | card check FILE [--json] | card set FILE KEY=VALUE... [--force]',
  options: { force: { type: 'boolean' } },
  json: true,
  async run(ctx) {
    const [sub, file, ...rest] = ctx.positionals;
    if (!sub || !['show', 'check', 'set'].includes(sub)) throw new UsageError(sub ? `no subcommand "card ${sub}": use show, check or set` : 'name a subcommand: show, check or set');
    if (!file) throw new UsageError(`card ${sub}: name a card file`);
    try {
      if (sub === 'show') return await show(ctx, file, rest);
      if (sub === 'check') return await check(ctx, file, rest);
      if (sub === 'set') return await set(ctx, file, rest);
    } catch (e) {
      // refused edits, conflicts and unreadable files: exit 2 with the message (main prints ApiError without usage text)
      if (e instanceof CardConflictError) throw new ApiError('conflict', e.message, { diff: e.diff });
      if (e instanceof CardEditError || e instanceof CardFileError) throw new ApiError('invalid-input', e.message);
      throw e;
    }
    return EXIT_OK;
  },
};

function noExtra(sub: string, rest: string[]): void {
  if (rest.length > 0) throw new UsageError(`card ${sub} takes one file; unexpected "${rest[0]}"`);
}

function printFindings(ctx: CommandContext, findings: CardFinding[]): void {
  for (const f of findings) ctx.out.write(`  ${f.severity}${f.line ? ` (line ${f.line})` : ''}: ${f.message} [${f.code}]\n`);
}

async function show(ctx: CommandContext, file: string, rest: string[]): Promise<number> {
  noExtra('show', rest);
  const card = await openCard(file);
  const parts = splitCard(card.text);
  const metadata = readMetadata(card.text);
  const sections = splitSections(parts.body).map(({ text, ...s }) => ({ ...s, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) }));
  const findings = checkCard(card.text);
  if (ctx.json) {
    printJson(ctx, { path: file, sha256: card.sha256, size: card.size, lineEnding: parts.eol === '\r\n' ? 'crlf' : 'lf', bom: parts.bom !== '', frontMatter: parts.fence, metadata: metadata ?? null, sections, findings });
    return EXIT_OK;
  }
  ctx.out.write(`${file}\n  ${card.size} bytes, ${parts.eol === '\r\n' ? 'CRLF' : 'LF'} line endings${parts.bom ? ', byte-order mark' : ''}, front matter: ${parts.fence}\n`);
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      ctx.out.write(`  ${k}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}\n`);
    }
  }
  if (sections.length > 0) ctx.out.write(`  sections:\n${sections.map((s) => `    ${s.level > 0 ? `${'#'.repeat(s.level)} ${s.title}` : '(before the first heading)'}${s.mitchell ? `  [${s.mitchell}]` : ''}`).join('\n')}\n`);
  printFindings(ctx, findings);
  return EXIT_OK;
}

async function check(ctx: CommandContext, file: string, rest: string[]): Promise<number> {
  noExtra('check', rest);
  const card = await openCard(file);
  const findings = checkCard(card.text);
  if (ctx.json) printJson(ctx, { path: file, findings });
  else if (findings.length === 0) ctx.out.write(`${file}: no findings\n`);
  else {
    ctx.out.write(`${file}: ${findings.length} finding${findings.length === 1 ? '' : 's'}\n`);
    printFindings(ctx, findings);
  }
  return findings.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}

async function set(ctx: CommandContext, file: string, assignments: string[]): Promise<number> {
  if (assignments.length === 0) throw new UsageError('card set: give at least one KEY=VALUE');
  const changes = assignments.map((a) => parseAssignment(a));
  const card = await openCard(file);
  const text = setMetadata(card.text, changes.map((c): [string, unknown] => [c.key, c.value]));
  // an edit may not bring new errors about the keys it sets (an unknown license, a list of numbers) unless forced
  const known = new Set(checkCard(card.text).map((f) => `${f.code} ${f.key}`));
  const keys = new Set(changes.map((c) => c.key));
  const fresh = checkCard(text).filter((f) => f.severity === 'error' && f.key !== undefined && keys.has(f.key) && !known.has(`${f.code} ${f.key}`));
  if (fresh.length > 0 && ctx.flags.force !== true) {
    throw new ApiError('invalid-input', `not saved: ${fresh.map((f) => f.message).join('; ')} (--force saves anyway)`);
  }
  if (text === card.text) {
    if (ctx.json) printJson(ctx, { path: file, changed: false });
    else ctx.out.write(`${file}: unchanged\n`);
    return EXIT_OK;
  }
  const saved = await saveCard(card, text);
  if (ctx.json) printJson(ctx, { path: file, changed: true, sha256: saved.sha256, backup: backupPath(file), keys: [...keys] });
  else ctx.out.write(`${file}: set ${[...keys].join(', ')} (previous text in ${backupPath(file)})\n`);
  return EXIT_OK;
}
