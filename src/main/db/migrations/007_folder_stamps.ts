import type { Migration } from '../migrate';

/**
 * Folder stamps: for each folder of a store whose every file ended the last
 * complete scan hashed and not racy, a 16-byte mix of its files' names and
 * stats (src/native/walkhash.c). A re-scan whose listing of a folder has the
 * same stamp knows the folder unchanged without comparing its files one by
 * one against the index, and without reading the index's rows for them: git's
 * untracked cache does the like for folders. `stores.stamps_cover_all`: every
 * file the index holds as present is in a stamped folder, so a re-scan that
 * found every stamped folder unchanged and listed no file has nothing missing.
 *
 * A scan takes the stamps when it starts (they are deleted) and only a
 * complete scan writes them back: a cancelled, failed or killed scan leaves
 * none, and the next one compares every file.
 */
export const m007FolderStamps: Migration = {
  version: 7,
  name: 'folder stamps',
  up(db) {
    db.raw.exec(`
      CREATE TABLE folder_stamps (
        store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        dir BLOB NOT NULL,
        stamp BLOB NOT NULL CHECK (length(stamp) = 16),
        files INTEGER NOT NULL CHECK (files > 0),
        PRIMARY KEY (store_id, dir)
      ) STRICT, WITHOUT ROWID;
      ALTER TABLE stores ADD COLUMN stamps_cover_all INTEGER NOT NULL DEFAULT 0 CHECK (stamps_cover_all IN (0, 1));
    `);
  },
};
