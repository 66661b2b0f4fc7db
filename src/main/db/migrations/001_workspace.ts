import type { Migration } from '../migrate';

/** Stores, the files indexed in them, scans and findings. */
export const m001Workspace: Migration = {
  version: 1,
  name: 'workspace',
  up(db) {
    db.raw.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE stores (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        follow_symlinks INTEGER NOT NULL DEFAULT 0 CHECK (follow_symlinks IN (0, 1)),
        status TEXT NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'offline')),
        added_at TEXT NOT NULL,
        last_scan_at TEXT,
        last_scan_status TEXT
      ) STRICT;

      CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
        summary TEXT
      ) STRICT;
      CREATE INDEX scans_store ON scans(store_id, id);

      -- rel_path holds the raw bytes of the path below the store: file names need not be UTF-8.
      -- Stat fields are what git's index and DVC's state keep: a file whose
      -- (device, inode, size, mtime_ns, ctime_ns) did not change is not read again.
      CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        rel_path BLOB NOT NULL,
        display_path TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        inode TEXT NOT NULL,
        device TEXT NOT NULL,
        kind TEXT NOT NULL,
        format TEXT,
        sha256 TEXT,
        md5 TEXT,
        hashed_at TEXT,
        racy INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'present' CHECK (state IN ('present', 'missing')),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        missing_since TEXT,
        UNIQUE (store_id, rel_path)
      ) STRICT;
      CREATE INDEX files_sha256 ON files(sha256) WHERE sha256 IS NOT NULL;
      CREATE INDEX files_md5 ON files(md5) WHERE md5 IS NOT NULL;
      CREATE INDEX files_store_kind ON files(store_id, kind);
      CREATE INDEX files_size ON files(size);
      CREATE INDEX files_name ON files(name);

      CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        store_id INTEGER REFERENCES stores(id) ON DELETE CASCADE,
        scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX findings_store ON findings(store_id, id);
    `);
  },
};
