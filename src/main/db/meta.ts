import type { ReadableDb, WritableDb } from './connection';

/** Small facts about the workspace itself, as key and text value. */
export function getMeta(db: ReadableDb, key: string): string | null {
  return (db.statement(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value ?? null;
}

export function setMeta(db: WritableDb, key: string, value: string): void {
  db.statement(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
}
