import type { ParseArgsConfig } from 'node:util';
import type { Workspace } from '../core/workspace';

/** Where the built pieces are, resolved once by the entry point. */
export interface AppPaths {
  workersDir: string;
  rendererDir: string;
  version: string;
}

export interface CommandContext {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  dbPath: string;
  paths: AppPaths;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WriteStream;
  openWorkspace(extra?: { demoStorePath?: string | null; dbPath?: string }): Workspace;
  /** Resolves when the user interrupts (Ctrl-C); long commands race against it. */
  interrupted: Promise<void>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra options beyond --db, --json and --help. */
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Accepts --json (every command that reads does). */
  json: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out.write(`${JSON.stringify(value, null, 2)}\n`);
}
