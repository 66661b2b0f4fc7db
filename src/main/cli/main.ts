import { parseArgs } from 'node:util';
import { ApiError } from '../../shared/errors';
import { defaultDbPath } from '../core/paths';
import { Workspace } from '../core/workspace';
import { MigrationError } from '../db/migrate';
import { EXIT_USAGE, UsageError, type AppPaths, type Command, type CommandContext } from './command';
import { filesCommand } from './commands/files';
import { indexCommand } from './commands/index-store';
import { inspectCommand } from './commands/inspect';
import { lineageCommand } from './commands/lineage';
import { auditCommand } from './commands/audit';
import { compareCommand } from './commands/compare';
import { registryCommand } from './commands/registry';
import { cardCommand } from './commands/card';
import { serveCommand } from './commands/serve';
import { statusCommand } from './commands/status';
import { storesCommand } from './commands/stores';
import { verifyCommand } from './commands/verify';

/** Every subcommand, in the order `--help` lists them. */
export const commands: Command[] = [serveCommand, indexCommand, filesCommand, statusCommand, storesCommand, verifyCommand, inspectCommand, lineageCommand, auditCommand, compareCommand, registryCommand, cardCommand];

const COMMON = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function overview(version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `pedigree ${version}: offline lineage explorer for ML checkpoints and datasets`,
    '',
    'Usage: pedigree <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    '  --db FILE    workspace database (default: $PEDIGREE_DB, else the user-data folder)',
    '  --json       machine-readable output (commands that read)',
    '  -h, --help   help for a command',
    '  --version    print the version',
    '',
    'Exit codes: 0 ok, 1 findings (mismatches, missing axes), 2 usage or input error.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const lines = [`Usage: ${c.usage}`, '', c.summary, '', 'Options:', '  --db FILE    workspace database'];
  if (c.json) lines.push('  --json       machine-readable output');
  for (const [name, o] of Object.entries(c.options ?? {})) {
    lines.push(`  --${name}${o.type === 'string' ? ' VALUE' : ''}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[], paths: AppPaths, io: { out?: NodeJS.WritableStream; err?: NodeJS.WriteStream } = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    out.write(`${paths.version}\n`);
    return 0;
  }
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    out.write(`${overview(paths.version)}\n`);
    return first ? 0 : EXIT_USAGE;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    err.write(`pedigree: unknown command "${first}"\n\n${overview(paths.version)}\n`);
    return EXIT_USAGE;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON, ...(command.options ?? {}) }, allowPositionals: true, strict: true });
  } catch (e) {
    err.write(`pedigree ${command.name}: ${(e as Error).message}\n\n${commandHelp(command)}\n`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    out.write(`${commandHelp(command)}\n`);
    return 0;
  }
  if (parsed.values.json && !command.json) {
    err.write(`pedigree ${command.name}: --json is not available for this command\n`);
    return EXIT_USAGE;
  }
  const dbPath = typeof parsed.values.db === 'string' ? parsed.values.db : defaultDbPath();
  let onInterrupt: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => (onInterrupt = resolve));
  const sigint = () => onInterrupt();
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigint);
  const opened: Workspace[] = [];
  const ctx: CommandContext = {
    positionals: parsed.positionals,
    flags: parsed.values as CommandContext['flags'],
    json: parsed.values.json === true,
    dbPath,
    paths,
    out,
    err,
    interrupted,
    openWorkspace: (extra = {}) => {
      const ws = Workspace.open({ dbPath: extra.dbPath ?? dbPath, workersDir: paths.workersDir, mode: 'cli', version: paths.version, demoStorePath: extra.demoStorePath ?? null, throttleMs: process.env.PEDIGREE_TEST_THROTTLE_MS ? Number(process.env.PEDIGREE_TEST_THROTTLE_MS) : undefined });
      opened.push(ws);
      return ws;
    },
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`pedigree ${command.name}: ${e.message}\n\n${commandHelp(command)}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof ApiError || e instanceof MigrationError) {
      err.write(`pedigree ${command.name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && code.startsWith('SQLITE')) {
      err.write(`pedigree ${command.name}: workspace database ${dbPath}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    err.write(`pedigree ${command.name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_USAGE;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigint);
    await Promise.allSettled(opened.map((w) => w.close()));
  }
}
