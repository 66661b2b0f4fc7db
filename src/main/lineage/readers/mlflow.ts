import type { LineageFragment, ReaderContext, StoreReader } from '../model';
import { ModelDirs } from './mlflow/artifacts';
import { emitRecords } from './mlflow/emit';
import { readFileRegistry } from './mlflow/file-registry';
import { findArtifacts, readFileTracking } from './mlflow/file-tracking';
import { FragmentBuilder } from './mlflow/fragment';
import { emptyRecords, type StoreRecords } from './mlflow/records';
import { openReadOnly } from './mlflow/sqlite-open';
import { readSqliteStore } from './mlflow/sqlite-store';
import { baseName, joinPath, parentDir, StoreFiles } from './mlflow/store-files';

/**
 * MLflow tracking data, from either backend, as users copy it off clusters:
 * the folder store (`mlruns/`, with its registry under `mlruns/models/`) and
 * the SQLite store (`mlflow.db`, opened read-only). Artifact URIs were written
 * on another machine, so they are relocated against this store's files.
 *
 * Start reading at `read` below; `mlflow/records.ts` is what both backends
 * produce, `mlflow/emit.ts` turns it into lineage.
 */

const READER = 'mlflow';
const RUN_META = /(?:^|\/)[^/]+\/[0-9a-f]{32}\/meta\.yaml$/i;
const VERSION_META = /(?:^|\/)models\/[^/]+\/version-\d+\/meta\.yaml$/;
const DEFAULT_EXPERIMENT_META = /(?:^|\/)mlruns\/0\/meta\.yaml$/;
const DB_NAME = /^(?:mlflow|mlruns|tracking)(?:[._-][^/]*)?\.(?:db|sqlite|sqlite3)$/i;
/** Folders next to a run or dataset id that are not experiment folders. */
const NOT_EXPERIMENT = new Set(['datasets', 'inputs', 'outputs', 'models', 'traces', 'tags', 'params', 'metrics', 'artifacts']);

export const mlflowReader: StoreReader = {
  id: READER,
  match(ctx: ReaderContext): boolean {
    for (const path of ctx.files.keys()) {
      if (RUN_META.test(path) || VERSION_META.test(path) || DEFAULT_EXPERIMENT_META.test(path) || DB_NAME.test(baseName(path))) return true;
    }
    return false;
  },
  read: readMlflow,
};

export async function readMlflow(ctx: ReaderContext): Promise<LineageFragment> {
  const files = new StoreFiles(ctx);
  const out = new FragmentBuilder(READER);
  const models = new ModelDirs();
  for (const root of fileStoreRoots(files)) {
    await guarded(out, root || '.', async () => {
      const records = emptyRecords({ id: root || '.', backend: 'file', artifactBases: artifactBases(root) });
      await readFileTracking(files, out, root, records);
      await readFileRegistry(files, out, root, records);
      await emitRecords(files, out, records, models);
    });
  }
  for (const dbPath of databases(files)) {
    await guarded(out, dbPath, async () => {
      const records = emptyRecords({ id: dbPath, backend: 'sqlite', artifactBases: artifactBases(joinPath(parentDir(dbPath), 'mlruns')) });
      const opened = await openReadOnly(files, out, dbPath);
      if (!opened) return;
      try {
        readSqliteStore(opened.db, out, dbPath, records);
      } finally {
        await opened.close();
      }
      locateSqliteArtifacts(files, out, records);
      await emitRecords(files, out, records, models);
    });
  }
  return out.build();
}

/**
 * Folders that are folder-store roots: they hold `<experiment>/<32-hex run>/meta.yaml`,
 * a `.trash` of such, a registry (`models/<name>/version-<n>/meta.yaml`), or are
 * called `mlruns` and hold the default experiment `0/meta.yaml`.
 */
export function fileStoreRoots(files: StoreFiles): string[] {
  const roots = new Set<string>();
  for (const path of files.paths) {
    if (!path.endsWith('meta.yaml')) continue;
    const segs = path.split('/');
    const n = segs.length;
    if (n >= 3 && /^[0-9a-f]{32}$/i.test(segs[n - 2]!) && !NOT_EXPERIMENT.has(segs[n - 3]!)) {
      roots.add(segs.slice(0, segs[n - 4] === '.trash' ? n - 4 : n - 3).join('/'));
    } else if (n >= 4 && segs[n - 4] === 'models' && /^version-\d+$/.test(segs[n - 2]!)) {
      roots.add(segs.slice(0, n - 4).join('/'));
    } else if (n >= 3 && segs[n - 2] === '0' && segs[n - 3] === 'mlruns') {
      roots.add(segs.slice(0, n - 2).join('/'));
    }
  }
  // An artifacts folder can hold a copy of a store; the outer store already reads it as artifacts.
  return [...roots].filter((r) => ![...roots].some((o) => o !== r && (o === '' || r.startsWith(`${o}/`)) && /\/artifacts(\/|$)/.test(r.slice(o.length))));
}

function databases(files: StoreFiles): string[] {
  return files.paths.filter((p) => DB_NAME.test(baseName(p)));
}

/** Where relocated artifact paths may live for a store rooted at `mlruns`: beside it, in it, or in a server's `mlartifacts/`. */
function artifactBases(mlruns: string): string[] {
  const parent = parentDir(mlruns);
  return [...new Set([parent, mlruns, joinPath(parent, 'mlartifacts'), ''])];
}

/** The SQLite store records only URIs; its artifacts, if copied along, sit in `mlruns/` or `mlartifacts/`. */
function locateSqliteArtifacts(files: StoreFiles, out: FragmentBuilder, records: StoreRecords): void {
  for (const run of records.runs) {
    run.artifactsDir = findArtifacts(files, out, run.evidence.file, run.artifactUri, run.id, undefined, records.scope.artifactBases);
  }
  for (const m of records.loggedModels) {
    m.artifactsDir = findArtifacts(files, out, m.evidence.file, m.artifactLocation, m.id, undefined, records.scope.artifactBases);
  }
}

/** A bug or an unexpected file must cost one store, never the whole read. */
async function guarded(out: FragmentBuilder, path: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    out.finding(path, 'mlflow-read-failed', 'error', `reading stopped early: ${e instanceof Error ? e.message : String(e)}`);
  }
}
