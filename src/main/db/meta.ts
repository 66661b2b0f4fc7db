import type { ReadableDb, WritableDb } from './connection';

/** Small facts about the workspace itself, as key and text value. */
export function getMeta(db: ReadableDb, key: string): string | null {
  return (db.statement(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value ?? null;
}

export function setMeta(db: WritableDb, key: string, value: string): void {
  db.statement(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
}

export function deleteMeta(db: WritableDb, key: string): void {
  db.statement(`DELETE FROM meta WHERE key = ?`).run(key);
}

/** Set while a process rebuilds the file indexes a first index dropped: its owner (pid, host, start), as JSON. */
export const FILE_INDEX_REBUILD = 'file-index-rebuild';
