/**
 * The alembic revisions of MLflow's tracking database
 * (`mlflow/store/db_migrations/versions/`), oldest first, with the release
 * that introduced the change this reader cares about. A database stamped with
 * a revision not listed here was written by an MLflow this reader does not
 * know (almost always a newer one): it is reported, and read by whichever
 * known tables and columns it still has.
 */
export const KNOWN_REVISIONS: readonly { revision: string; note: string }[] = [
  { revision: '451aebb31d03', note: '1.0: metric step' },
  { revision: '90e64c465722', note: '1.x: user column to tags' },
  { revision: '181f10493468', note: '1.x: nullable metric values' },
  { revision: 'df50e92ffc5e', note: '1.x: experiment tags' },
  { revision: '7ac759974ad8', note: '1.x: larger run tags' },
  { revision: '89d4b8295536', note: '1.x: latest_metrics' },
  { revision: '2b4d017a5e9b', note: '1.x: model registry tables' },
  { revision: 'cfd24bdc0731', note: '1.x: KILLED run status' },
  { revision: '0a8213491aaa', note: '1.x: drop duplicate KILLED constraint' },
  { revision: '728d730b5ebd', note: '1.x: registered model tags' },
  { revision: '27a6a02d2cf1', note: '1.x: model version tags' },
  { revision: '84291f40a231', note: '1.x: model version run_link' },
  { revision: 'a8c4a736bde6', note: '1.x: nullable model version run_id' },
  { revision: '39d1c3be5f05', note: '1.x: is_nan constraint' },
  { revision: 'c48cb773bb87', note: '1.x: is_nan default (MySQL)' },
  { revision: 'bd07f7e963c5', note: '1.x: run_uuid indexes' },
  { revision: '0c779009ac13', note: '2.0: runs.deleted_time' },
  { revision: 'cc1f77228345', note: '2.0: longer param values' },
  { revision: '97727af70f4d', note: '2.1: experiment creation/update times' },
  { revision: '3500859a5d39', note: '2.3: registered model aliases' },
  { revision: '7f2a7d5fae7d', note: '2.4: datasets, inputs, input_tags' },
  { revision: '2d6e25af4d3e', note: '2.5: params up to 8000 characters' },
  { revision: 'acf3f17fdcc7', note: '2.9: model version storage_location' },
  { revision: '867495a8f9d4', note: '2.13: trace tables' },
  { revision: '5b0e9adcef9c', note: '2.14: trace cascade deletes' },
  { revision: '4465047574b1', note: '2.15: larger dataset schemas' },
  { revision: 'f5a4f2784254', note: '2.16: larger run tag values' },
  { revision: '0584bdc529eb', note: '2.19: dataset cascade deletes' },
  { revision: '400f98739977', note: '3.0: logged model tables' },
  { revision: '6953534de441', note: '3.0: inputs.step' },
  { revision: 'bda7b8c39065', note: '3.x: larger model version tag values' },
  { revision: 'cbc13b556ace', note: '3.x: trace v3 columns' },
  { revision: '770bee3ae1dd', note: '3.x: assessments' },
  { revision: 'a1b2c3d4e5f6', note: '3.x: spans' },
  { revision: '1a0cddfcaa16', note: '3.x: webhooks' },
  { revision: '534353b11cbc', note: '3.x: scorers' },
  { revision: '71994744cf8e', note: '3.x: evaluation datasets' },
  { revision: '3da73c924c2f', note: '3.x: evaluation dataset record outputs' },
];

export function knownRevision(revision: string): { index: number; note: string } | undefined {
  const index = KNOWN_REVISIONS.findIndex((r) => r.revision === revision);
  return index < 0 ? undefined : { index, note: KNOWN_REVISIONS[index]!.note };
}

/**
 * The columns this reader selects, per table, as in
 * `mlflow/store/tracking/dbmodels/models.py` and
 * `mlflow/store/model_registry/dbmodels/models.py`. Only those a database
 * actually has are selected, so older and newer schemas both read.
 */
export const COLUMNS = {
  experiments: ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time'],
  experiment_tags: ['experiment_id', 'key', 'value'],
  runs: ['run_uuid', 'name', 'source_type', 'source_name', 'entry_point_name', 'user_id', 'status', 'start_time', 'end_time', 'deleted_time', 'source_version', 'lifecycle_stage', 'artifact_uri', 'experiment_id'],
  params: ['run_uuid', 'key', 'value'],
  tags: ['run_uuid', 'key', 'value'],
  metrics: ['key', 'value', 'timestamp', 'step', 'is_nan'],
  datasets: ['dataset_uuid', 'experiment_id', 'name', 'digest', 'dataset_source_type', 'dataset_source', 'dataset_schema', 'dataset_profile'],
  inputs: ['input_uuid', 'source_type', 'source_id', 'destination_type', 'destination_id', 'step'],
  input_tags: ['input_uuid', 'name', 'value'],
  logged_models: ['model_id', 'experiment_id', 'name', 'artifact_location', 'creation_timestamp_ms', 'last_updated_timestamp_ms', 'status', 'lifecycle_stage', 'model_type', 'source_run_id', 'status_message'],
  logged_model_params: ['model_id', 'param_key', 'param_value'],
  logged_model_tags: ['model_id', 'tag_key', 'tag_value'],
  logged_model_metrics: ['metric_name', 'metric_timestamp_ms', 'metric_step', 'metric_value', 'run_id', 'dataset_name', 'dataset_digest'],
  registered_models: ['name', 'creation_time', 'last_updated_time', 'description'],
  registered_model_tags: ['name', 'key', 'value'],
  registered_model_aliases: ['name', 'alias', 'version'],
  model_versions: ['name', 'version', 'creation_time', 'last_updated_time', 'description', 'user_id', 'current_stage', 'source', 'run_id', 'status', 'status_message', 'run_link', 'storage_location', 'model_id'],
  model_version_tags: ['name', 'version', 'key', 'value'],
} as const satisfies Record<string, readonly string[]>;

export type Table = keyof typeof COLUMNS;

/** Tables without which a database is not an MLflow tracking store. */
export const REQUIRED_TABLES: readonly Table[] = ['experiments', 'runs'];
