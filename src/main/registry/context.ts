import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { WritableDb } from '../db/connection';

/**
 * What every registry operation is given: the workspace database, who is
 * acting, the clock and the id source. Tests inject all three; the CLI and
 * the app take the OS user.
 */
export interface RegistryContext {
  db: WritableDb;
  actor: string;
  now(): string;
  newId(): string;
}

export interface RegistryOptions {
  actor?: string;
  now?: () => string;
  newId?: () => string;
}

/** The OS user (as `whoami` says), else $USER, else "unknown". */
export function currentUser(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no passwd entry for this uid (containers): fall through
  }
  return process.env.USER || process.env.USERNAME || 'unknown';
}

export function registryContext(db: WritableDb, options: RegistryOptions = {}): RegistryContext {
  return {
    db,
    actor: options.actor ?? currentUser(),
    now: options.now ?? (() => new Date().toISOString()),
    newId: options.newId ?? randomUUID,
  };
}
