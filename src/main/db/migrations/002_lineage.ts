import type { Migration } from '../migrate';

/**
 * The lineage graph each store's readers produce: nodes (with the files they
 * stand for and the digests stores declare for them), edges with their
 * evidence and strength. Findings gain a source so that re-reading a store's
 * lineage replaces its own findings and leaves the scan's alone.
 */
export const m002Lineage: Migration = {
  version: 2,
  name: 'lineage',
  up(db) {
    db.raw.exec(`
      ALTER TABLE findings ADD COLUMN source TEXT NOT NULL DEFAULT 'scan';

      CREATE TABLE lineage_nodes (
        id INTEGER PRIMARY KEY,
        store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        props TEXT NOT NULL DEFAULT '{}',
        evidence TEXT NOT NULL DEFAULT '[]',
        readers TEXT NOT NULL,
        -- 0: a store declares it, but no indexed file is it ("declared, not present")
        present INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
        UNIQUE (store_id, key)
      ) STRICT;
      CREATE INDEX lineage_nodes_kind ON lineage_nodes(kind, store_id);

      CREATE TABLE lineage_node_files (
        id INTEGER PRIMARY KEY,
        node_id INTEGER NOT NULL REFERENCES lineage_nodes(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
        size INTEGER,
        algorithm TEXT,
        digest TEXT,
        declared_only INTEGER NOT NULL DEFAULT 0 CHECK (declared_only IN (0, 1))
      ) STRICT;
      CREATE INDEX lineage_node_files_node ON lineage_node_files(node_id);
      CREATE INDEX lineage_node_files_digest ON lineage_node_files(digest) WHERE digest IS NOT NULL;
      CREATE INDEX lineage_node_files_file ON lineage_node_files(file_id) WHERE file_id IS NOT NULL;

      CREATE TABLE lineage_edges (
        id INTEGER PRIMARY KEY,
        from_id INTEGER NOT NULL REFERENCES lineage_nodes(id) ON DELETE CASCADE,
        to_id INTEGER NOT NULL REFERENCES lineage_nodes(id) ON DELETE CASCADE,
        relation TEXT NOT NULL,
        strength TEXT NOT NULL CHECK (strength IN ('declared', 'hash-matched', 'inferred')),
        evidence_file TEXT NOT NULL,
        evidence_line INTEGER,
        evidence_detail TEXT,
        UNIQUE (from_id, to_id, relation)
      ) STRICT;
      CREATE INDEX lineage_edges_from ON lineage_edges(from_id);
      CREATE INDEX lineage_edges_to ON lineage_edges(to_id);
    `);
  },
};
