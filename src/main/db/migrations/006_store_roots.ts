import type { Migration } from '../migrate';

/**
 * What a store's folder was at its last complete scan (device and inode, and
 * whether a file system was mounted there): an empty mount point left by an
 * unmounted disk is then told from a folder whose files were deleted, and the
 * store goes offline instead of having every file marked missing.
 *
 * Which process runs a scan (pid, host, and the process's start as the kernel
 * counts it, so that a reused pid is told apart): a second Pedigree opening
 * the workspace marks as interrupted only the scans of processes that are gone.
 *
 * files_name indexed a column no query filters or sorts on, and cost every
 * inserted row a b-tree insert.
 */
export const m006StoreRoots: Migration = {
  version: 6,
  name: 'store roots, scan owners',
  up(db) {
    db.raw.exec(`
      ALTER TABLE stores ADD COLUMN root_id TEXT;
      ALTER TABLE stores ADD COLUMN root_is_mount INTEGER CHECK (root_is_mount IN (0, 1));
      ALTER TABLE scans ADD COLUMN owner_pid INTEGER;
      ALTER TABLE scans ADD COLUMN owner_host TEXT;
      ALTER TABLE scans ADD COLUMN owner_start TEXT;
      DROP INDEX files_name;
    `);
  },
};
