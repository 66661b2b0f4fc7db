import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/errors';
import { versionLabel, type AuditEntry, type ModelVersion, type RegisteredModel, type RegisteredModelDetail } from '../../../shared/registry';
import type { ReadableDb } from '../../db/connection';
import { listStoreRecords } from '../../db/stores';
import { createRegistry, type Registry } from '../../registry';
import { EXIT_FINDINGS, EXIT_OK, UsageError, printJson, type Command, type CommandContext } from '../command';
import { formatBytes, table } from '../format';

const USAGE = [
  'pedigree registry list',
  '       pedigree registry show NAME',
  '       pedigree registry register NAME PATH... [--description TEXT] [--tag KEY=VALUE]...',
  '       pedigree registry alias NAME VERSION ALIAS [--move]',
  '       pedigree registry unalias NAME ALIAS',
  '       pedigree registry stage NAME VERSION none|staging|production|archived',
  '       pedigree registry log [NAME] [--limit N]',
  '       pedigree registry export [--out FILE]',
  '       pedigree registry import FILE|-',
  '       pedigree registry import-stores [STORE]',
  '  (VERSION: 3, v3, the source\'s own version name, @alias or latest; every form takes --db FILE and --json)',
].join('\n');

/**
 * `pedigree registry …`: registered models, versions, aliases, stages, the
 * audit log, and moving a registry between machines. Exit codes: 0 ok; 1 when
 * `list` or `show` shows a version whose files were modified or are missing
 * since registration, or `import-stores` had to skip something; 2 for usage
 * and input errors (a refused registration, alias, stage or import).
 */
export const registryCommand: Command = {
  name: 'registry',
  summary: 'registered models and their immutable versions: register, alias, stage, audit log, export and import',
  usage: USAGE,
  json: true,
  options: { out: { type: 'string' }, move: { type: 'boolean' }, description: { type: 'string' }, tag: { type: 'string', multiple: true }, limit: { type: 'string' } },
  async run(ctx) {
    const [verb, ...args] = ctx.positionals;
    if (!verb) throw new UsageError('name an action: list, show, register, alias, unalias, stage, log, export, import or import-stores');
    const action = ACTIONS[verb];
    if (!action) throw new UsageError(`unknown action "${verb}"`);
    const ws = ctx.openWorkspace();
    return action(ctx, createRegistry(ws.db), args, ws.db);
  },
};

type Action = (ctx: CommandContext, r: Registry, args: string[], db: ReadableDb) => Promise<number> | number;

function arity(args: string[], min: number, max: number, what: string): void {
  if (args.length < min || args.length > max) throw new UsageError(`expected ${what}`);
}

const ACTIONS: Record<string, Action> = {
  list(ctx, r, args) {
    arity(args, 0, 0, 'no arguments: pedigree registry list');
    const models = r.list();
    if (ctx.json) printJson(ctx, models);
    else if (models.length === 0) ctx.out.write('the registry is empty; register a model with: pedigree registry register NAME PATH...\n');
    else ctx.out.write(`${table([['name', 'source', 'versions', 'latest', 'aliases', 'stages', 'integrity'], ...models.map(listRow)])}\n`);
    return models.some(hasProblem) ? EXIT_FINDINGS : EXIT_OK;
  },

  show(ctx, r, args) {
    arity(args, 1, 1, 'NAME: pedigree registry show NAME');
    const m = r.show(args[0]!);
    if (ctx.json) printJson(ctx, m);
    else ctx.out.write(renderModel(m));
    return hasProblem(m) ? EXIT_FINDINGS : EXIT_OK;
  },

  register(ctx, r, args) {
    if (args.length < 2) throw new UsageError('expected NAME and at least one PATH: pedigree registry register NAME PATH...');
    const [name, ...paths] = args as [string, ...string[]];
    const v = r.register({ name, paths, description: stringFlag(ctx, 'description'), tags: tagsFlag(ctx), cwd: process.cwd() });
    if (ctx.json) printJson(ctx, v);
    else {
      const links = countLinks(v);
      const lineage = links ? `lineage of ${links} upstream node${links === 1 ? '' : 's'}` : 'no upstream lineage recorded';
      ctx.out.write(`registered ${v.model} ${v.label}: ${v.files.length} file${v.files.length === 1 ? '' : 's'}, ${v.card ? `card ${v.card.path}` : 'no model card'}, ${lineage}\n`);
      for (const f of v.files) ctx.out.write(`  ${f.sha256}  ${formatBytes(f.size).padStart(10)}  ${join(f.store, f.path)}\n`);
    }
    return EXIT_OK;
  },

  alias(ctx, r, args) {
    arity(args, 3, 3, 'NAME VERSION ALIAS: pedigree registry alias NAME VERSION ALIAS [--move]');
    const [name, version, alias] = args as [string, string, string];
    const res = r.setAlias({ name, version, alias, move: ctx.flags.move === true });
    if (ctx.json) printJson(ctx, res);
    else if (!res.changed) ctx.out.write(`${res.version.model} @${res.alias} already points at ${res.version.label}\n`);
    else ctx.out.write(`${res.version.model} @${res.alias} → ${res.version.label}${res.movedFrom ? ` (moved from ${versionLabel(res.movedFrom)})` : ''}\n`);
    return EXIT_OK;
  },

  unalias(ctx, r, args) {
    arity(args, 2, 2, 'NAME ALIAS: pedigree registry unalias NAME ALIAS');
    const res = r.removeAlias({ name: args[0]!, alias: args[1]! });
    if (ctx.json) printJson(ctx, res);
    else ctx.out.write(`removed ${args[1]!.replace(/^@?/, '@')} from ${args[0]} (it pointed at ${versionLabel(res.version ?? '?')})\n`);
    return EXIT_OK;
  },

  stage(ctx, r, args) {
    arity(args, 3, 3, 'NAME VERSION STAGE: pedigree registry stage NAME VERSION none|staging|production|archived');
    const [name, version, stage] = args as [string, string, string];
    const res = r.setStage({ name, version, stage });
    if (ctx.json) printJson(ctx, res);
    else ctx.out.write(res.changed ? `${res.version.model} ${res.version.label}: ${res.previous} → ${res.version.stage}\n` : `${res.version.model} ${res.version.label} is already ${res.version.stage}\n`);
    return EXIT_OK;
  },

  log(ctx, r, args) {
    arity(args, 0, 1, 'at most one NAME: pedigree registry log [NAME]');
    const limit = ctx.flags.limit === undefined ? undefined : Number(ctx.flags.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a positive whole number');
    const entries = r.log({ name: args[0], limit });
    if (ctx.json) printJson(ctx, entries);
    else if (entries.length === 0) ctx.out.write('the audit log is empty\n');
    else {
      const flagged = modifiedVersions(r, entries);
      ctx.out.write(`${table([['at', 'actor', 'origin', 'action', 'model', 'version', 'change'], ...entries.map((e) => [e.at, e.actor, e.origin, e.action, e.model ?? '-', e.version ? versionLabel(e.version) : '-', describeChange(e) + (flagged.get(`${e.model}\u0000${e.version}`) ?? '')])])}\n`);
    }
    return EXIT_OK;
  },

  export(ctx, r, args) {
    arity(args, 0, 0, 'no arguments: pedigree registry export [--out FILE]');
    const doc = r.exportDocument();
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const out = stringFlag(ctx, 'out');
    if (out === undefined || out === '-') ctx.out.write(text);
    else {
      writeAtomically(resolve(out), text);
      ctx.err.write(`exported ${doc.models.length} model${doc.models.length === 1 ? '' : 's'}, ${doc.versions.length} version${doc.versions.length === 1 ? '' : 's'} and ${doc.audit.length} audit entr${doc.audit.length === 1 ? 'y' : 'ies'} to ${resolve(out)} (${doc.checksum})\n`);
      if (ctx.json) printJson(ctx, { file: resolve(out), checksum: doc.checksum, models: doc.models.length, versions: doc.versions.length, aliases: doc.aliases.length, audit: doc.audit.length });
    }
    return EXIT_OK;
  },

  import(ctx, r, args) {
    arity(args, 1, 1, 'FILE: pedigree registry import FILE (or - for standard input)');
    const file = args[0]!;
    let text: string;
    try {
      text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(file), 'utf8');
    } catch (e) {
      throw new ApiError('invalid-input', `cannot read ${file}: ${(e as Error).message}`);
    }
    const res = r.importDocument(text);
    if (ctx.json) printJson(ctx, res);
    else if (!res.changed) ctx.out.write(`nothing to import: this registry already holds everything in ${file}\n`);
    else {
      const a = res.added;
      const parts = [[a.models, 'model'], [a.versions, 'version'], [a.stages, 'stage change'], [a.aliases, 'alias change'], [a.modelUpdates, 'model update'], [a.audit, 'audit entry']] as const;
      ctx.out.write(`imported ${parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${n === 1 ? w : w === 'audit entry' ? 'audit entries' : `${w}s`}`).join(', ')} from ${file}\n`);
    }
    return EXIT_OK;
  },

  'import-stores'(ctx, r, args, db) {
    arity(args, 0, 1, 'at most one STORE (id or folder): pedigree registry import-stores [STORE]');
    let storeId: number | undefined;
    if (args[0] !== undefined) {
      const abs = resolve(args[0]);
      const store = listStoreRecords(db).find((s) => String(s.id) === args[0] || s.path === abs);
      if (!store) throw new UsageError(`no store ${args[0]}; see: pedigree stores`);
      storeId = store.id;
    }
    const res = r.importFromStores({ storeId });
    if (ctx.json) printJson(ctx, res);
    else {
      if (res.models.length === 0) ctx.out.write('no MLflow registry or GTO tags in the lineage of the indexed stores (index them first: pedigree index PATH)\n');
      for (const m of res.models) {
        const what = [m.created ? 'new' : null, m.versionsAdded.length ? `added ${m.versionsAdded.join(', ')}` : null, ...m.updates].filter(Boolean);
        ctx.out.write(`${m.name}  (${m.source}, ${m.store}): ${what.length ? what.join('; ') : 'up to date'}\n`);
      }
      for (const s of res.skipped) ctx.err.write(`skipped ${s.what}: ${s.reason}\n`);
    }
    return res.skipped.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  },
};

function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function tagsFlag(ctx: CommandContext): Record<string, string> | undefined {
  const raw = ctx.flags.tag;
  if (raw === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const t of Array.isArray(raw) ? raw : [String(raw)]) {
    const i = t.indexOf('=');
    if (i <= 0) throw new UsageError(`--tag takes KEY=VALUE; got "${t}"`);
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return tags;
}

function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${process.pid}.registry-export.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new ApiError('io', `cannot write ${path}: ${(e as Error).message}`);
  }
}

const hasProblem = (m: RegisteredModel) => m.integrity.modified + m.integrity.missing > 0;

function listRow(m: RegisteredModel): string[] {
  const integrity = hasProblem(m) ? [m.integrity.modified ? `${m.integrity.modified} MODIFIED` : null, m.integrity.missing ? `${m.integrity.missing} MISSING` : null].filter(Boolean).join(', ') : m.versionCount ? 'intact' : '-';
  return [
    m.name,
    m.source,
    String(m.versionCount),
    m.latest?.label ?? '-',
    m.aliases.map((a) => `@${a.alias}→${versionLabel(a.version)}`).join(' ') || '-',
    Object.entries(m.stages).map(([s, vs]) => `${s}: ${vs.join(',')}`).join('; ') || '-',
    integrity,
  ];
}

function renderModel(m: RegisteredModelDetail): string {
  const lines = [`${m.name}  (${m.source === 'local' ? 'registered here' : `read from ${m.source} in ${m.sourceStore}${m.sourceName && m.sourceName !== m.name ? ` as "${m.sourceName}"` : ''}`}; created ${m.createdAt} by ${m.createdBy})`];
  if (m.description) lines.push(`  ${m.description}`);
  if (Object.keys(m.tags).length) lines.push(`  tags: ${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (m.versions.length === 0) lines.push('', 'no versions');
  for (const v of [...m.versions].reverse()) lines.push('', ...renderVersion(v));
  return `${lines.join('\n')}\n`;
}

function renderVersion(v: ModelVersion): string[] {
  const status = v.integrity.status === 'intact' ? 'intact' : v.integrity.status === 'modified' ? 'MODIFIED SINCE REGISTRATION' : 'FILES MISSING SINCE REGISTRATION';
  const head = [v.label, `stage ${v.stage}`, ...v.aliases.map((a) => `@${a}`), `registered ${v.registeredAt} by ${v.registeredBy}`, status];
  if (v.source !== 'local' && v.sourceState.inSource === false) head.push(`no longer in ${v.source}`);
  const out = [head.join('  ')];
  for (const f of v.integrity.files) out.push(...renderFile(f, v.files.find((p) => p.path === f.path && p.store === f.store)?.size ?? null));
  if (v.files.length === 0) out.push('  (no files pinned)');
  if (v.integrity.card) out.push(...renderFile(v.integrity.card, v.card?.size ?? null, 'card'));
  const l = v.links;
  const link = (name: string, xs: { label: string; digests: string[]; detail: string | null }[]) => (xs.length ? `${name} ${xs.map((x) => x.label + (x.detail ? ` (${x.detail})` : x.digests[0] ? ` (${x.digests[0].slice(0, 19)}…)` : '')).join(', ')}` : null);
  const summary = [link('run', l.runs), link('data', l.data), link('code', l.code), link('config', l.config), link('environment', l.environment), link('base', l.baseModels)].filter(Boolean);
  out.push(`  lineage: ${summary.length ? summary.join('; ') : 'none recorded'}`);
  return out;
}

function renderFile(f: ModelVersion['integrity']['files'][number], size: number | null, what = 'file'): string[] {
  const out = [`  ${what} ${f.absPath}${size !== null ? `  ${formatBytes(size)}` : ''}  sha256 ${f.registeredSha256.slice(0, 16)}…  ${f.status}`];
  if (f.status === 'modified') out.push(`    MODIFIED since registration: registered sha256 ${f.registeredSha256}`, `                                 now        sha256 ${f.currentSha256 ?? '(changed; not hashed yet: run pedigree index)'}`);
  if (f.status === 'missing') out.push(`    MISSING since registration (registered sha256 ${f.registeredSha256})`);
  for (const p of f.foundElsewhere) out.push(`    the registered content is at ${p}`);
  return out;
}

function countLinks(v: ModelVersion): number {
  const l = v.links;
  return l.runs.length + l.data.length + l.code.length + l.config.length + l.environment.length + l.baseModels.length;
}

/** Log lines of versions whose files changed since registration say so, as everywhere a version is shown. */
function modifiedVersions(r: Registry, entries: AuditEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of new Set(entries.map((e) => e.model).filter((m): m is string => m !== null))) {
    let detail: RegisteredModelDetail;
    try {
      detail = r.show(name);
    } catch {
      continue;
    }
    for (const v of detail.versions) {
      if (v.integrity.status !== 'intact') out.set(`${name}\u0000${v.name}`, `  [${v.integrity.status === 'modified' ? 'modified' : 'files missing'} since registration]`);
    }
  }
  return out;
}

function describeChange(e: AuditEntry): string {
  const b = (e.before ?? {}) as Record<string, unknown>;
  const a = (e.after ?? {}) as Record<string, unknown>;
  const v = (x: unknown) => (typeof x === 'string' ? versionLabel(x) : '-');
  switch (e.action) {
    case 'model.create':
      return `created${e.origin !== 'local' ? ` from ${e.origin}` : ''}`;
    case 'model.update':
      return 'description or tags changed';
    case 'version.register':
      return `registered${Array.isArray(a.files) ? ` with ${a.files.length} file${a.files.length === 1 ? '' : 's'}` : ''}${typeof a.stage === 'string' && a.stage !== 'none' ? `, stage ${a.stage}` : ''}`;
    case 'version.source-update':
      return `source changed: ${Object.keys(a).join(', ')}`;
    case 'stage.set':
      return `stage ${String(b.stage ?? '-')} → ${String(a.stage ?? '-')}`;
    case 'alias.set':
      return e.before ? `@${e.alias} moved ${v(b.version)} → ${v(a.version)}` : `@${e.alias} → ${v(a.version)}`;
    case 'alias.remove':
      return `@${e.alias} removed (was ${v(b.version)})`;
    case 'registry.import':
      return `imported an export by ${String(a.exportedBy ?? '?')} (${String(a.checksum ?? '').slice(0, 19)}…)`;
    default:
      return '';
  }
}
