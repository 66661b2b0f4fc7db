import { readMeta, readValueFolder } from './file-values';
import type { FragmentBuilder } from './fragment';
import { dict, type ModelVersionRecord, type RegisteredModelRecord, type StoreRecords } from './records';
import { isRecord, num, str } from './safe-text';
import { joinPath, type StoreFiles } from './store-files';

/**
 * The folder model registry (`mlflow/store/model_registry/file_store.py`):
 *
 *   <root>/models/<name>/meta.yaml              name, description, timestamps (and,
 *                                               once rewritten, `aliases: {alias: version}`)
 *   <root>/models/<name>/tags/<key>
 *   <root>/models/<name>/aliases/<alias>        content: the version number (2.3+)
 *   <root>/models/<name>/version-<n>/meta.yaml  version, current_stage, source, run_id,
 *                                               status, storage_location, `aliases: [..]`
 *   <root>/models/<name>/version-<n>/tags/<key>
 *
 * Deleted versions stay on disk with `current_stage: Deleted_Internal`.
 */

const DELETED_STAGE = 'Deleted_Internal';

export async function readFileRegistry(files: StoreFiles, out: FragmentBuilder, root: string, records: StoreRecords): Promise<void> {
  const modelsDir = joinPath(root, 'models');
  for (const folder of files.subdirs(modelsDir)) {
    const dir = joinPath(modelsDir, folder);
    const metaPath = joinPath(dir, 'meta.yaml');
    if (!files.has(metaPath)) {
      out.finding(dir, 'mlflow-registered-model-meta-missing', 'warning', 'the registered-model folder has no meta.yaml');
      continue;
    }
    const meta = await readMeta(files, out, metaPath, ['name']);
    const name = str(meta?.name) ?? folder;
    const aliases = dict<string>();
    addInlineAliases(aliases, meta?.aliases);
    const aliasFiles = await readValueFolder(files, out, joinPath(dir, 'aliases'));
    for (const [alias, version] of Object.entries(aliasFiles)) aliases[alias] = version.trim();
    const rm: RegisteredModelRecord = {
      name,
      description: str(meta?.description) || undefined,
      creationTime: num(meta?.creation_timestamp),
      lastUpdatedTime: num(meta?.last_updated_timestamp),
      tags: await readValueFolder(files, out, joinPath(dir, 'tags')),
      aliases,
      evidence: { file: metaPath, detail: `registered model ${name}` },
    };
    records.registeredModels.push(rm);

    for (const sub of files.subdirs(dir)) {
      if (!/^version-\d+$/.test(sub)) continue;
      const versionDir = joinPath(dir, sub);
      const path = joinPath(versionDir, 'meta.yaml');
      if (!files.has(path)) {
        out.finding(versionDir, 'mlflow-model-version-meta-missing', 'warning', 'the model-version folder has no meta.yaml');
        continue;
      }
      const vm = await readMeta(files, out, path, ['version', 'source']);
      if (!vm) continue;
      const stage = str(vm.current_stage);
      if (stage === DELETED_STAGE) continue;
      const version = str(vm.version) ?? sub.slice('version-'.length);
      const mv: ModelVersionRecord = {
        name: str(vm.name) ?? name,
        version,
        stage,
        status: str(vm.status),
        statusMessage: str(vm.status_message) || undefined,
        source: str(vm.source),
        storageLocation: str(vm.storage_location),
        runId: str(vm.run_id) || undefined,
        runLink: str(vm.run_link) || undefined,
        modelId: str(vm.model_id) || undefined,
        userId: str(vm.user_id) || undefined,
        description: str(vm.description) || undefined,
        creationTime: num(vm.creation_timestamp),
        lastUpdatedTime: num(vm.last_updated_timestamp),
        tags: await readValueFolder(files, out, joinPath(versionDir, 'tags')),
        // Not the version's own `aliases:` list: that is a snapshot from the last time its meta.yaml was
        // rewritten (a stage change); MLflow reads a version's aliases from the model's aliases/ files.
        aliases: Object.keys(aliases).filter((a) => aliases[a] === version),
        evidence: { file: path, detail: `model version ${name}/${version}` },
      };
      records.modelVersions.push(mv);
    }
  }
}

/** `aliases:` in a registered model's meta.yaml: `{alias: version}` as RegisteredModel writes it, or `[{alias, version}]`. */
function addInlineAliases(into: Record<string, string>, v: unknown): void {
  if (isRecord(v)) {
    for (const [alias, version] of Object.entries(v)) {
      const s = str(version);
      if (s !== undefined) into[alias] = s;
    }
  } else if (Array.isArray(v)) {
    for (const a of v) {
      if (!isRecord(a)) continue;
      const alias = str(a.alias);
      const version = str(a.version);
      if (alias && version) into[alias] = version;
    }
  }
}
