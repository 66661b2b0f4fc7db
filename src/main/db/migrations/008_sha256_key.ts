import type { Migration } from '../migrate';

/**
 * `files_sha256` indexes the first 8 bytes of each digest (`sha256Is` in
 * files.ts) instead of its 64 hex characters: a third of the size, and on a
 * first index, whose end waits for it, built in about two thirds of the time
 * (the largest of the five file indexes, 240 ms of 100,000 files' 400 ms
 * rebuild on a 2-core machine, is now about 150 ms). Two digests that share
 * 8 bytes are told apart by the whole digest, which every lookup compares too.
 *
 * A workspace with files only drops the old index here: opening it builds the
 * missing one on a worker thread (as after a killed first index), instead of
 * holding the window for a second or two per million files. The definition
 * is written out as it was when this migration was made; `fileIndexDefinitions`
 * is the current one, which a test holds to what a new workspace gets.
 */
const SHA256_KEY_INDEX = `CREATE INDEX files_sha256 ON files(unhex(substr(sha256, 1, 16))) WHERE sha256 IS NOT NULL`;

export const m008Sha256Key: Migration = {
  version: 8,
  name: 'sha256 index on an 8-byte key',
  up(db) {
    const empty = db.raw.prepare(`SELECT 1 FROM files LIMIT 1`).get() === undefined;
    db.raw.exec(`DROP INDEX IF EXISTS files_sha256`);
    if (empty) db.raw.exec(SHA256_KEY_INDEX);
  },
};
