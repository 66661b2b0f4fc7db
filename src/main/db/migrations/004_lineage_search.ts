import type { Migration } from '../migrate';

/**
 * Full-text search over lineage nodes (names, keys, paths, params, card
 * metadata), and each checkpoint's audit status, kept when its lineage is
 * read, so search can filter by it without auditing every checkpoint again.
 */
export const m004LineageSearch: Migration = {
  version: 4,
  name: 'lineage search',
  up(db) {
    db.raw.exec(`
      CREATE VIRTUAL TABLE lineage_fts USING fts5(label, key, body, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'");

      CREATE TABLE lineage_audit (
        node_id INTEGER PRIMARY KEY REFERENCES lineage_nodes(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'missing')),
        data TEXT NOT NULL,
        code TEXT NOT NULL,
        hyperparameters TEXT NOT NULL,
        compute TEXT NOT NULL
      ) STRICT;
      CREATE INDEX lineage_audit_status ON lineage_audit(status);

      -- nodes go when their store's lineage is read again or the store is removed: their text goes too
      CREATE TRIGGER lineage_nodes_fts_delete AFTER DELETE ON lineage_nodes BEGIN
        DELETE FROM lineage_fts WHERE rowid = old.id;
      END;
    `);
  },
};
