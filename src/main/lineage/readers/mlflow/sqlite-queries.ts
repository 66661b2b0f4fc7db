import type Database from 'better-sqlite3';
import { COLUMNS, type Table } from './sqlite-schema';

/**
 * Every SQL statement the MLflow reader runs, against a connection opened
 * read-only. Identifiers come only from `COLUMNS` (never from the file), and
 * only the columns a table really has are selected, so a schema from an older
 * or newer MLflow reads without errors; missing columns come back undefined.
 */
export type Row = Record<string, unknown>;

export class MlflowQueries {
  private readonly columns = new Map<string, Set<string>>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      const cols = db.prepare(`SELECT name FROM pragma_table_info('${name}')`).all() as { name: string }[];
      this.columns.set(name, new Set(cols.map((c) => c.name)));
    }
  }

  hasTable(table: string): boolean {
    return this.columns.has(table);
  }

  hasColumn(table: string, column: string): boolean {
    return this.columns.get(table)?.has(column) ?? false;
  }

  /** Columns this reader expects that the table lacks (empty when the table itself is missing). */
  missingColumns(table: Table): string[] {
    const have = this.columns.get(table);
    return have ? COLUMNS[table].filter((c) => !have.has(c)) : [];
  }

  alembicRevisions(): string[] {
    if (!this.hasColumn('alembic_version', 'version_num')) return [];
    return (this.db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: unknown }[]).map((r) => String(r.version_num));
  }

  experiments(): Iterable<Row> {
    return this.select('experiments', 'ORDER BY experiment_id');
  }

  experimentTags(): Iterable<Row> {
    return this.select('experiment_tags');
  }

  runs(): Iterable<Row> {
    return this.select('runs', 'ORDER BY run_uuid');
  }

  params(): Iterable<Row> {
    return this.select('params');
  }

  tags(): Iterable<Row> {
    return this.select('tags');
  }

  /**
   * One run's metric history, streamed (histories run to millions of rows);
   * `index_metrics_run_uuid` makes this a range scan. No other statement may
   * run on the connection until the iteration ends.
   */
  metricsOfRun(runId: string): Iterable<Row> {
    return this.select('metrics', 'WHERE run_uuid = ?', [runId], true);
  }

  datasets(): Iterable<Row> {
    return this.select('datasets');
  }

  inputs(): Iterable<Row> {
    return this.select('inputs');
  }

  inputTags(): Iterable<Row> {
    return this.select('input_tags');
  }

  loggedModels(): Iterable<Row> {
    return this.select('logged_models', 'ORDER BY model_id');
  }

  loggedModelParams(): Iterable<Row> {
    return this.select('logged_model_params');
  }

  loggedModelTags(): Iterable<Row> {
    return this.select('logged_model_tags');
  }

  metricsOfLoggedModel(modelId: string): Iterable<Row> {
    return this.select('logged_model_metrics', 'WHERE model_id = ?', [modelId], true);
  }

  registeredModels(): Iterable<Row> {
    return this.select('registered_models', 'ORDER BY name');
  }

  registeredModelTags(): Iterable<Row> {
    return this.select('registered_model_tags');
  }

  registeredModelAliases(): Iterable<Row> {
    return this.select('registered_model_aliases');
  }

  modelVersions(): Iterable<Row> {
    return this.select('model_versions', 'ORDER BY name, version');
  }

  modelVersionTags(): Iterable<Row> {
    return this.select('model_version_tags');
  }

  /** Rows as an array (the connection is free again), or streamed when `stream` is set. */
  private select(table: Table, tail = '', params: unknown[] = [], stream = false): Iterable<Row> {
    const have = this.columns.get(table);
    if (!have) return [];
    const cols = COLUMNS[table].filter((c) => have.has(c));
    if (cols.length === 0) return [];
    // The tail only ever names run_uuid/model_id/ordering columns, all in the oldest schemas.
    const sql = `SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${table}" ${tail}`.trim();
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return (stream ? stmt.iterate(...params) : stmt.all(...params)) as Iterable<Row>;
  }
}
