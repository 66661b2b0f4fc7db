import type { Migration } from '../migrate';

/**
 * The model registry: registered models, their versions, aliases and the
 * audit log. A version pins its files' digests, a lineage snapshot and its
 * card when it is registered, and SQLite itself refuses to change those
 * columns or to delete a version; audit entries can be neither changed nor
 * deleted. Nothing here references `stores` or `files`: forgetting a store
 * must not take a registry's history with it (pinned files name their store
 * by its folder instead).
 */
export const m003Registry: Migration = {
  version: 3,
  name: 'registry',
  up(db) {
    db.raw.exec(`
      CREATE TABLE registry_models (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        description TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL CHECK (source IN ('local', 'mlflow', 'gto')),
        source_store TEXT,
        source_name TEXT,
        -- the lineage key of the registered-model node it was read from (one store may hold two registries)
        source_ref TEXT,
        -- what the source said at the last import (description, tags, aliases), so that a re-import applies only what changed there
        source_state TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX registry_models_source ON registry_models(source, source_store, source_ref);

      CREATE TABLE registry_versions (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        model_id INTEGER NOT NULL REFERENCES registry_models(id),
        number INTEGER NOT NULL CHECK (number >= 1),
        name TEXT NOT NULL,
        files TEXT NOT NULL,
        lineage TEXT NOT NULL,
        card TEXT,
        source TEXT NOT NULL CHECK (source IN ('local', 'mlflow', 'gto')),
        source_ref TEXT,
        registered_at TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        stage TEXT NOT NULL DEFAULT 'none' CHECK (stage IN ('none', 'staging', 'production', 'archived')),
        source_state TEXT NOT NULL DEFAULT '{}',
        UNIQUE (model_id, number),
        UNIQUE (model_id, name)
      ) STRICT;

      CREATE TRIGGER registry_versions_pinned BEFORE UPDATE OF uid, model_id, number, name, files, lineage, card, source, source_ref, registered_at, registered_by ON registry_versions
      BEGIN SELECT RAISE(ABORT, 'registry versions are immutable: what a version pinned at registration never changes'); END;
      CREATE TRIGGER registry_versions_kept BEFORE DELETE ON registry_versions
      BEGIN SELECT RAISE(ABORT, 'registry versions are never deleted'); END;
      CREATE TRIGGER registry_models_identity BEFORE UPDATE OF uid, name, source, created_at, created_by ON registry_models
      BEGIN SELECT RAISE(ABORT, 'a registered model keeps its identity, name and source'); END;
      CREATE TRIGGER registry_models_kept BEFORE DELETE ON registry_models
      BEGIN SELECT RAISE(ABORT, 'registered models are never deleted'); END;

      CREATE TABLE registry_aliases (
        model_id INTEGER NOT NULL REFERENCES registry_models(id),
        alias TEXT NOT NULL CHECK (alias GLOB '[a-z]*' AND alias NOT GLOB '*[^a-z0-9_-]*' AND alias <> 'latest'),
        version_id INTEGER NOT NULL REFERENCES registry_versions(id),
        set_at TEXT NOT NULL,
        set_by TEXT NOT NULL,
        PRIMARY KEY (model_id, alias)
      ) STRICT;
      CREATE TRIGGER registry_aliases_same_model_insert BEFORE INSERT ON registry_aliases
      WHEN (SELECT model_id FROM registry_versions WHERE id = NEW.version_id) IS NOT NEW.model_id
      BEGIN SELECT RAISE(ABORT, 'an alias points at a version of its own model'); END;
      CREATE TRIGGER registry_aliases_same_model_update BEFORE UPDATE ON registry_aliases
      WHEN (SELECT model_id FROM registry_versions WHERE id = NEW.version_id) IS NOT NEW.model_id
      BEGIN SELECT RAISE(ABORT, 'an alias points at a version of its own model'); END;

      -- Append-only. Entries name models and versions by name (names never change), so
      -- that entries merged from another machine's export read the same as local ones.
      CREATE TABLE registry_audit (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('local', 'mlflow', 'gto')),
        model TEXT COLLATE NOCASE,
        version TEXT,
        alias TEXT,
        before TEXT,
        after TEXT
      ) STRICT;
      CREATE INDEX registry_audit_model ON registry_audit(model, at);
      CREATE TRIGGER registry_audit_no_update BEFORE UPDATE ON registry_audit
      BEGIN SELECT RAISE(ABORT, 'audit log entries are never edited'); END;
      CREATE TRIGGER registry_audit_no_delete BEFORE DELETE ON registry_audit
      BEGIN SELECT RAISE(ABORT, 'audit log entries are never deleted'); END;
    `);
  },
};
