import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations, runMigrations, type Migration } from './migrate';

/**
 * Connections are branded: a query function that takes a `WritableDb` cannot be
 * handed a read-only connection, so a read path cannot write by accident.
 */
export interface ReadableDb {
  readonly raw: Database.Database;
  readonly path: string;
  readonly mode: 'read' | 'write';
  /** Prepared statements, compiled once per connection. */
  statement(sql: string): Database.Statement;
}
export interface WritableDb extends ReadableDb {
  readonly mode: 'write';
}

export interface OpenOptions {
  readonly?: boolean;
  migrations?: readonly Migration[];
  /** Called when a statement takes longer than `slowMs`. */
  onSlowQuery?: (sql: string, ms: number) => void;
}

function wrap<M extends 'read' | 'write'>(raw: Database.Database, path: string, mode: M) {
  const cache = new Map<string, Database.Statement>();
  return {
    raw,
    path,
    mode,
    statement(sql: string) {
      let s = cache.get(sql);
      if (!s) {
        s = raw.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
  };
}

export function openWorkspaceDb(path: string, options: OpenOptions & { readonly: true }): ReadableDb;
export function openWorkspaceDb(path: string, options?: OpenOptions): WritableDb;
export function openWorkspaceDb(path: string, options: OpenOptions = {}): ReadableDb | WritableDb {
  if (options.readonly) {
    const raw = new Database(path, { readonly: true, fileMustExist: true });
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    return wrap(raw, path, 'read');
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new Database(path);
  try {
    // An empty file (or none) is a new workspace: its page size is set before anything is written.
    if (raw.pragma('page_count', { simple: true }) === 0) raw.pragma(`page_size = ${NEW_WORKSPACE_PAGE_SIZE}`);
    // WAL lets the UI read while a scan writes; NORMAL sync is safe with WAL.
    if (path !== ':memory:') raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    const db = wrap(raw, path, 'write');
    runMigrations(db, options.migrations ?? migrations);
    return db;
  } catch (e) {
    raw.close();
    throw e;
  }
}

/**
 * The page size a new workspace is made with (SQLite's default is 4 KiB). A
 * first index writes a file row of about 250 bytes a file, and the page is
 * the unit of each WAL write, checkpoint copy and read: with 16 KiB pages
 * a 100,000-file first index makes a quarter of the writes, builds its file
 * indexes in two thirds of the time, and runs about 6% faster end to end on
 * a 2-core machine (64 KiB pages gain 1% more, for four times the WAL
 * written by each small edit). A workspace made before keeps its page size:
 * in WAL mode only a VACUUM outside it could change it.
 */
export const NEW_WORKSPACE_PAGE_SIZE = 16384;

/** SQLite's default: a commit that leaves more WAL pages than this copies them into the database. */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * How many WAL pages a commit on this connection may leave before it
 * checkpoints them itself; 0: never (another connection checkpoints).
 */
export function setWalAutocheckpoint(db: WritableDb, pages: number): void {
  db.raw.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
}

/** Copies what it can of the WAL into the database without waiting for readers or writers. */
export function checkpointPassive(db: WritableDb): void {
  db.raw.pragma('wal_checkpoint(PASSIVE)');
}

export function closeDb(db: ReadableDb): void {
  if (db.raw.open) db.raw.close();
}

/** Runs `fn` in one transaction (BEGIN IMMEDIATE, so writers queue instead of failing mid-way). */
export function inTransaction<T>(db: WritableDb, fn: () => T): T {
  return db.raw.transaction(fn).immediate();
}

export function schemaVersion(db: ReadableDb): number {
  return db.raw.pragma('user_version', { simple: true }) as number;
}
