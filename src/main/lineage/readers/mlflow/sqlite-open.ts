import Database from 'better-sqlite3';
import { constants } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FragmentBuilder } from './fragment';
import type { StoreFiles } from './store-files';

/**
 * Opens a store's `mlflow.db` without changing anything in the store.
 *
 * A read-only connection to a WAL-mode database still creates `-wal` and
 * `-shm` files beside it, so a WAL database is read from a private snapshot
 * (the database and its `-wal`, copied to a temporary folder; reflinked where
 * the file system allows). Rollback-journal databases are opened in place,
 * read-only. A writer holding the lock makes the read wait briefly, then
 * become a finding.
 */

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Past this size a WAL database is opened in place rather than copied. */
const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024 * 1024;
const BUSY_TIMEOUT_MS = 2000;

export interface OpenedDb {
  db: Database.Database;
  close(): Promise<void>;
}

export type Header = { sqlite: false } | { sqlite: true; wal: boolean };

export async function sqliteHeader(files: StoreFiles, path: string): Promise<Header> {
  const { bytes } = await files.readPrefix(path, 100);
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) return { sqlite: false };
  // Bytes 18 and 19: file format write/read version, 2 meaning WAL.
  return { sqlite: true, wal: bytes[18] === 2 || bytes[19] === 2 };
}

export async function openReadOnly(files: StoreFiles, out: FragmentBuilder, path: string): Promise<OpenedDb | undefined> {
  let header: Header;
  try {
    header = await sqliteHeader(files, path);
  } catch (e) {
    out.finding(path, 'mlflow-db-unreadable', 'error', `cannot read the database file: ${(e as Error).message}`);
    return undefined;
  }
  if (!header.sqlite) {
    out.finding(path, 'mlflow-db-not-sqlite', 'error', 'the file is not an SQLite database');
    return undefined;
  }
  if (files.has(`${path}-journal`)) {
    out.finding(path, 'mlflow-db-hot-journal', 'warning', 'a rollback journal sits beside the database: a write was interrupted, and the read may fail or miss it');
  }
  const size = files.size(path) ?? 0;
  if (header.wal && size <= MAX_SNAPSHOT_BYTES) return openSnapshot(files, out, path);
  if (header.wal) out.finding(path, 'mlflow-db-opened-in-place', 'info', `the WAL database is over ${MAX_SNAPSHOT_BYTES} bytes, so it was opened in place; SQLite may create ${path}-shm beside it`);
  return openAt(out, path, files.abs(path), async () => undefined);
}

async function openSnapshot(files: StoreFiles, out: FragmentBuilder, path: string): Promise<OpenedDb | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'pedigree-mlflow-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, 'mlflow.db');
    await copyFile(files.abs(path), copy, constants.COPYFILE_FICLONE);
    try {
      await copyFile(`${files.abs(path)}-wal`, `${copy}-wal`, constants.COPYFILE_FICLONE);
      out.finding(path, 'mlflow-db-wal-pending', 'info', 'the database has a write-ahead log with changes not yet checkpointed; they were read from a snapshot');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return openAt(out, path, copy, cleanup);
  } catch (e) {
    await cleanup();
    out.finding(path, 'mlflow-db-open-failed', 'error', `cannot snapshot the database for reading: ${(e as Error).message}`);
    return undefined;
  }
}

async function openAt(out: FragmentBuilder, path: string, abs: string, cleanup: () => Promise<unknown>): Promise<OpenedDb | undefined> {
  let db: Database.Database;
  try {
    db = new Database(abs, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    // Touch the schema now, so a lock or corruption shows up here and not mid-read.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    await cleanup();
    reportSqliteError(out, path, e, 'cannot open the database');
    return undefined;
  }
  return {
    db,
    async close() {
      db.close();
      await cleanup();
    },
  };
}

/** SQLite errors in a few kinds: locked, corrupt, or anything else. */
export function reportSqliteError(out: FragmentBuilder, path: string, e: unknown, what: string): void {
  const code = (e as { code?: string }).code ?? '';
  const message = e instanceof Error ? e.message : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    out.finding(path, 'mlflow-db-locked', 'error', `${what}: another process holds a lock on it (${message})`);
  } else if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    out.finding(path, 'mlflow-db-corrupt', 'error', `${what}: ${message}`);
  } else {
    out.finding(path, 'mlflow-db-query-failed', 'warning', `${what}: ${message}`);
  }
}
