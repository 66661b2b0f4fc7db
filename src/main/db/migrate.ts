import type { WritableDb } from './connection';
import { m001Workspace } from './migrations/001_workspace';
import { m002Lineage } from './migrations/002_lineage';
import { m003Registry } from './migrations/003_registry';
import { m004LineageSearch } from './migrations/004_lineage_search';
import { m005FilePaths } from './migrations/005_file_paths';
import { m006StoreRoots } from './migrations/006_store_roots';
import { m007FolderStamps } from './migrations/007_folder_stamps';
import { m008Sha256Key } from './migrations/008_sha256_key';

export interface Migration {
  version: number;
  name: string;
  up(db: WritableDb): void;
}

/** Every schema change, in order. A new change is a new file and one line here. */
export const migrations: readonly Migration[] = [m001Workspace, m002Lineage, m003Registry, m004LineageSearch, m005FilePaths, m006StoreRoots, m007FolderStamps, m008Sha256Key];

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly version: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Applies pending migrations in one transaction: either the database reaches the
 * latest version, or it is left exactly as it was. A database written by a newer
 * Pedigree is refused rather than guessed at.
 */
export function runMigrations(db: WritableDb, list: readonly Migration[]): { from: number; to: number } {
  const versions = list.map((m) => m.version);
  versions.forEach((v, i) => {
    if (v !== i + 1) throw new Error(`migrations must be numbered 1..n without gaps; found ${v} at position ${i + 1}`);
  });
  const from = db.raw.pragma('user_version', { simple: true }) as number;
  const latest = list.length;
  if (from > latest) {
    throw new MigrationError(from, `the workspace database ${db.path} has schema version ${from}, newer than this Pedigree understands (${latest}); open it with a newer Pedigree`);
  }
  if (from === latest) return { from, to: from };
  const apply = db.raw.transaction(() => {
    for (const m of list.slice(from)) {
      try {
        m.up(db);
      } catch (e) {
        throw new MigrationError(m.version, `migration ${m.version} (${m.name}) failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      db.raw.pragma(`user_version = ${m.version}`);
    }
  });
  apply.immediate();
  return { from, to: latest };
}
