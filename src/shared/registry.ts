import { z } from 'zod';

/**
 * The model registry as it crosses the API: registered models, their
 * immutable versions (pinned file digests, a lineage snapshot, the model
 * card), aliases, stages, the append-only audit log, and the export document
 * that carries all of it to another machine. Pure: zod and small validators
 * that the UI's forms and the core both use.
 */

export const REGISTRY_STAGES = ['none', 'staging', 'production', 'archived'] as const;
export const RegistryStage = z.enum(REGISTRY_STAGES);
export type RegistryStage = z.infer<typeof RegistryStage>;

/** Where a model's versions come from: registered here, or read from a store's own registry. */
export const RegistrySource = z.enum(['local', 'mlflow', 'gto']);
export type RegistrySource = z.infer<typeof RegistrySource>;

export const INTEGRITY_STATUSES = ['intact', 'modified', 'missing'] as const;
export const IntegrityStatus = z.enum(INTEGRITY_STATUSES);
export type IntegrityStatus = z.infer<typeof IntegrityStatus>;

// ---------------------------------------------------------------- validators

const NAME_CHAR = /[A-Za-z0-9._/-]/;
export const MODEL_NAME_MAX = 200;

/** Null when `name` is a valid registered-model name, else why not (naming the first bad character). */
export function modelNameProblem(name: string): string | null {
  if (name.length === 0) return 'a model name cannot be empty';
  if (name.length > MODEL_NAME_MAX) return `a model name is at most ${MODEL_NAME_MAX} characters; "${name.slice(0, 40)}…" has ${name.length}`;
  for (const ch of name) {
    if (!NAME_CHAR.test(ch)) {
      const shown = ch === ' ' ? '" " (a space)' : /^[\x21-\x7e]$/.test(ch) ? `"${ch}"` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      return `invalid character ${shown} in model name "${name}": use letters, digits, "-", "_", "." and "/"`;
    }
  }
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return `model name "${name}": "/" separates namespace parts and cannot start, end or repeat`;
  if (name.split('/').some((p) => p === '.' || p === '..')) return `model name "${name}": "." and ".." are not names`;
  return null;
}

export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]*$/;
export const ALIAS_MAX = 100;
export const RESERVED_ALIASES = ['latest'] as const;

/** Accepts `champion` or `@champion`; `latest` is reserved (MLflow resolves it to the newest version). */
export function parseAlias(input: string): { ok: true; alias: string } | { ok: false; message: string } {
  const alias = input.startsWith('@') ? input.slice(1) : input;
  if (!ALIAS_PATTERN.test(alias) || alias.length > ALIAS_MAX) {
    return { ok: false, message: `invalid alias "${input}": an alias starts with a lower-case letter, then lower-case letters, digits, "_" or "-" (at most ${ALIAS_MAX})` };
  }
  if ((RESERVED_ALIASES as readonly string[]).includes(alias)) return { ok: false, message: `"@${alias}" is reserved: it always means the newest version` };
  return { ok: true, alias };
}

export function parseStage(input: string): { ok: true; stage: RegistryStage } | { ok: false; message: string } {
  const r = RegistryStage.safeParse(input.toLowerCase());
  return r.success ? { ok: true, stage: r.data } : { ok: false, message: `no stage "${input}": the stages are ${REGISTRY_STAGES.join(', ')}` };
}

/** How a version is shown: `v3` for numbered names, the source's own name (e.g. GTO's `v1.2.0`) otherwise. */
export function versionLabel(name: string): string {
  return /^\d+$/.test(name) ? `v${name}` : name;
}

// ---------------------------------------------------------------- pinned records

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A file as it was when the version was registered. `store` is the store's folder. */
export const PinnedFile = z.object({
  store: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: Sha256,
});
export type PinnedFile = z.infer<typeof PinnedFile>;

export const PinnedCard = z.object({
  store: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: Sha256,
  /** Null when the card is larger than the registry keeps (its digest is still pinned). */
  text: z.string().nullable(),
});
export type PinnedCard = z.infer<typeof PinnedCard>;

export const SnapshotFile = z.object({
  path: z.string(),
  sha256: z.string().nullable(),
  md5: z.string().nullable(),
  /** Digests a store declares for the file (DVC md5, git blob sha1…). */
  declared: z.array(z.object({ algorithm: z.string(), value: z.string() })),
});
export type SnapshotFile = z.infer<typeof SnapshotFile>;

export const SnapshotNode = z.object({
  /** Identifies the node inside this snapshot only (`n1`, `n2`…). */
  ref: z.string(),
  store: z.string(),
  key: z.string(),
  kind: z.string(),
  label: z.string(),
  depth: z.number().int().nonnegative(),
  present: z.boolean(),
  props: z.record(z.string(), z.unknown()),
  files: z.array(SnapshotFile),
});
export type SnapshotNode = z.infer<typeof SnapshotNode>;

export const SnapshotEdge = z.object({
  from: z.string(),
  to: z.string(),
  relation: z.string(),
  strength: z.string(),
  evidence: z.object({ file: z.string(), line: z.number().int().optional(), detail: z.string().optional() }),
});
export type SnapshotEdge = z.infer<typeof SnapshotEdge>;

/** The lineage upstream of a version's files as it was read at registration. */
export const LineageSnapshot = z.object({
  capturedAt: z.string(),
  nodes: z.array(SnapshotNode),
  edges: z.array(SnapshotEdge),
});
export type LineageSnapshot = z.infer<typeof LineageSnapshot>;

const LinkRef = z.object({ label: z.string(), key: z.string(), store: z.string(), digests: z.array(z.string()), detail: z.string().nullable() });
/** The snapshot read as the questions: which run, data, code, config and environment. */
export const LineageLinks = z.object({
  runs: z.array(LinkRef),
  data: z.array(LinkRef),
  code: z.array(LinkRef),
  config: z.array(LinkRef),
  environment: z.array(LinkRef),
  baseModels: z.array(LinkRef),
});
export type LineageLinks = z.infer<typeof LineageLinks>;

// ---------------------------------------------------------------- read records

export const FileIntegrity = z.object({
  store: z.string(),
  path: z.string(),
  absPath: z.string(),
  status: IntegrityStatus,
  registeredSha256: z.string(),
  /** What the index holds now: null when the file is gone, or changed and not hashed again yet. */
  currentSha256: z.string().nullable(),
  /** Where else indexed files with the registered content are, when this one is missing or modified. */
  foundElsewhere: z.array(z.string()),
});
export type FileIntegrity = z.infer<typeof FileIntegrity>;

export const VersionIntegrity = z.object({
  /** The worst of its files and card: missing over modified over intact. */
  status: IntegrityStatus,
  files: z.array(FileIntegrity),
  card: FileIntegrity.nullable(),
});
export type VersionIntegrity = z.infer<typeof VersionIntegrity>;

export const ModelVersion = z.object({
  uid: z.string(),
  model: z.string(),
  number: z.number().int().positive(),
  /** `3` for versions numbered here and in MLflow; the tag's version (e.g. `v1.2.0`) for GTO. */
  name: z.string(),
  label: z.string(),
  stage: RegistryStage,
  aliases: z.array(z.string()),
  files: z.array(PinnedFile),
  card: PinnedCard.nullable(),
  links: LineageLinks,
  source: RegistrySource,
  /** The lineage key of the model-version node it was read from (imported versions). */
  sourceRef: z.string().nullable(),
  /** What the source said at the last import: its stage, aliases, status, deprecation, run… */
  sourceState: z.record(z.string(), z.unknown()),
  registeredAt: z.string(),
  registeredBy: z.string(),
  integrity: VersionIntegrity,
});
export type ModelVersion = z.infer<typeof ModelVersion>;

export const RegistryAlias = z.object({ alias: z.string(), version: z.string(), number: z.number().int(), setAt: z.string(), setBy: z.string() });
export type RegistryAlias = z.infer<typeof RegistryAlias>;

export const RegisteredModel = z.object({
  uid: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  source: RegistrySource,
  /** The store folder an imported model was read from. */
  sourceStore: z.string().nullable(),
  /** The model's own name in its source (imported models); it differs from `name` when that had to be made valid here. */
  sourceName: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  versionCount: z.number().int(),
  latest: z.object({ number: z.number().int(), name: z.string(), label: z.string() }).nullable(),
  aliases: z.array(RegistryAlias),
  /** Versions per stage other than none, by label. */
  stages: z.record(z.string(), z.array(z.string())),
  integrity: z.object({ intact: z.number().int(), modified: z.number().int(), missing: z.number().int() }),
});
export type RegisteredModel = z.infer<typeof RegisteredModel>;

export const RegisteredModelDetail = RegisteredModel.extend({ versions: z.array(ModelVersion) });
export type RegisteredModelDetail = z.infer<typeof RegisteredModelDetail>;

export const AUDIT_ACTIONS = ['model.create', 'model.update', 'version.register', 'version.source-update', 'stage.set', 'alias.set', 'alias.remove', 'registry.import'] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** Where a change came from: a person here (or on the machine an export came from), or a store's registry. */
export const AuditOrigin = z.enum(['local', 'mlflow', 'gto']);
export type AuditOrigin = z.infer<typeof AuditOrigin>;

export const AuditEntry = z.object({
  uid: z.string(),
  at: z.string(),
  actor: z.string(),
  action: AuditAction,
  origin: AuditOrigin,
  model: z.string().nullable(),
  version: z.string().nullable(),
  alias: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

// ---------------------------------------------------------------- export document

export const REGISTRY_EXPORT_FORMAT = 'pedigree-registry';
export const REGISTRY_EXPORT_SCHEMA_VERSION = 1;

export const ExportedModel = z.object({
  uid: z.string().min(1),
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  source: RegistrySource,
  sourceStore: z.string().nullable(),
  sourceName: z.string().nullable(),
  sourceRef: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type ExportedModel = z.infer<typeof ExportedModel>;

export const ExportedVersion = z.object({
  uid: z.string().min(1),
  modelUid: z.string(),
  number: z.number().int().positive(),
  name: z.string().min(1),
  stage: RegistryStage,
  files: z.array(PinnedFile),
  lineage: LineageSnapshot,
  card: PinnedCard.nullable(),
  source: RegistrySource,
  sourceRef: z.string().nullable(),
  sourceState: z.record(z.string(), z.unknown()),
  registeredAt: z.string(),
  registeredBy: z.string(),
});
export type ExportedVersion = z.infer<typeof ExportedVersion>;

export const ExportedAlias = z.object({ modelUid: z.string(), alias: z.string(), versionUid: z.string(), setAt: z.string(), setBy: z.string() });
export type ExportedAlias = z.infer<typeof ExportedAlias>;

export const RegistryExportDocument = z.object({
  format: z.literal(REGISTRY_EXPORT_FORMAT),
  schemaVersion: z.literal(REGISTRY_EXPORT_SCHEMA_VERSION),
  exportedAt: z.string(),
  exportedBy: z.string(),
  models: z.array(ExportedModel),
  versions: z.array(ExportedVersion),
  aliases: z.array(ExportedAlias),
  audit: z.array(AuditEntry),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type RegistryExportDocument = z.infer<typeof RegistryExportDocument>;

export const ImportCounts = z.object({
  models: z.number().int(),
  versions: z.number().int(),
  stages: z.number().int(),
  aliases: z.number().int(),
  modelUpdates: z.number().int(),
  audit: z.number().int(),
});
export type ImportCounts = z.infer<typeof ImportCounts>;

export const RegistryImportResult = z.object({ changed: z.boolean(), added: ImportCounts, checksum: z.string() });
export type RegistryImportResult = z.infer<typeof RegistryImportResult>;

export const StoreRegistryImportResult = z.object({
  changed: z.boolean(),
  models: z.array(z.object({ name: z.string(), source: RegistrySource, store: z.string(), created: z.boolean(), versionsAdded: z.array(z.string()), updates: z.array(z.string()) })),
  /** What could not be imported, and why (a name taken by another model, an alias that is not valid here…). */
  skipped: z.array(z.object({ what: z.string(), reason: z.string() })),
});
export type StoreRegistryImportResult = z.infer<typeof StoreRegistryImportResult>;

// ---------------------------------------------------------------- API methods (spread into `methods` in api.ts)

const ModelNameParam = z.string().min(1).max(MODEL_NAME_MAX);
const VersionRef = z.string().min(1).max(200);
const AliasParam = z.string().min(1).max(ALIAS_MAX + 1);
const Tags = z.record(z.string().max(200), z.string().max(5000));

export const AliasChange = z.object({ version: ModelVersion, alias: z.string(), movedFrom: z.string().nullable(), changed: z.boolean() });
export type AliasChange = z.infer<typeof AliasChange>;
export const StageChange = z.object({ version: ModelVersion, previous: RegistryStage, changed: z.boolean() });
export type StageChange = z.infer<typeof StageChange>;

export const registryMethods = {
  listRegisteredModels: { params: z.object({}).strict(), result: z.array(RegisteredModel) },
  getRegisteredModel: { params: z.object({ name: ModelNameParam }).strict(), result: RegisteredModelDetail },
  registerModelVersion: {
    params: z.object({ name: ModelNameParam, paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000), description: z.string().max(10_000).optional(), tags: Tags.optional() }).strict(),
    result: ModelVersion,
  },
  /** Moving an alias that another version holds needs `move: true`. */
  setRegistryAlias: { params: z.object({ name: ModelNameParam, version: VersionRef, alias: AliasParam, move: z.boolean().optional() }).strict(), result: AliasChange },
  removeRegistryAlias: { params: z.object({ name: ModelNameParam, alias: AliasParam }).strict(), result: z.object({ removed: z.boolean(), version: z.string().nullable() }) },
  setRegistryStage: { params: z.object({ name: ModelNameParam, version: VersionRef, stage: z.string().min(1).max(50) }).strict(), result: StageChange },
  updateRegisteredModel: { params: z.object({ name: ModelNameParam, description: z.string().max(10_000).optional(), tags: Tags.optional() }).strict(), result: RegisteredModel },
  listRegistryAudit: { params: z.object({ name: ModelNameParam.optional(), limit: z.number().int().min(1).max(100_000).optional() }).strict(), result: z.array(AuditEntry) },
  exportRegistry: { params: z.object({}).strict(), result: RegistryExportDocument },
  /** `document` is the export's text, exactly as written: its checksum is verified over it. */
  importRegistry: { params: z.object({ document: z.string().min(1).max(512 * 1024 * 1024) }).strict(), result: RegistryImportResult },
  importStoreRegistries: { params: z.object({ storeId: z.number().int().positive().optional() }).strict(), result: StoreRegistryImportResult },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;
