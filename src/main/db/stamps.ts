import { inTransaction, type WritableDb } from './connection';

/** A store's folder stamps as its last complete scan left them (see migration 007). */
export interface StoreStamps {
  /** By the folder's store-relative path as latin1 (its raw bytes, one char a byte). */
  byDir: Map<string, Uint8Array>;
  /** Every file the index holds as present is in a stamped folder. */
  coverAll: boolean;
}

export interface NewFolderStamp {
  dir: Uint8Array;
  stamp: Uint8Array;
  files: number;
}

/**
 * A scan takes the store's stamps as it starts: they are read and deleted in
 * one transaction, so a scan that does not complete leaves none behind and
 * the next one compares every file with the index.
 */
export function takeFolderStamps(db: WritableDb, storeId: number): StoreStamps {
  return inTransaction(db, () => {
    const byDir = new Map<string, Uint8Array>();
    for (const [dir, stamp] of db.statement(`SELECT dir, stamp FROM folder_stamps WHERE store_id = ?`).raw(true).iterate(storeId) as Iterable<[Buffer, Buffer]>) {
      byDir.set(dir.toString('latin1'), new Uint8Array(stamp));
    }
    const coverAll = (db.statement(`SELECT stamps_cover_all FROM stores WHERE id = ?`).pluck().get(storeId) as number | undefined) === 1;
    if (byDir.size > 0) db.statement(`DELETE FROM folder_stamps WHERE store_id = ?`).run(storeId);
    if (coverAll) db.statement(`UPDATE stores SET stamps_cover_all = 0 WHERE id = ?`).run(storeId);
    return { byDir, coverAll };
  });
}

/** What a complete scan leaves for the next: the stamps of its clean folders, in place of any there (another scan's). */
export function saveFolderStamps(db: WritableDb, storeId: number, stamps: Iterable<NewFolderStamp>, coverAll: boolean): void {
  db.statement(`DELETE FROM folder_stamps WHERE store_id = ?`).run(storeId);
  const insert = db.statement(`INSERT OR REPLACE INTO folder_stamps (store_id, dir, stamp, files) VALUES (?, ?, ?, ?)`);
  for (const s of stamps) insert.run(storeId, s.dir, s.stamp, s.files);
  db.statement(`UPDATE stores SET stamps_cover_all = ? WHERE id = ?`).run(coverAll ? 1 : 0, storeId);
}
