import { z } from 'zod';
import { AppInfo, FileKind, FileRow, Finding, ScanProgress, ScanSummary, Store, WorkspaceStatus } from './domain';
import { ApiErrorShape } from './errors';
import { CheckpointAudit, LineageGraph, LineageNodeDto, NodeDetails, NodeKind } from './lineage';
import { cardMethods } from './cards';
import { compareMethods } from './compare';
import { registryMethods } from './registry';

/**
 * The one API contract. The renderer calls it; the preload bridge (Electron)
 * and the HTTP/WebSocket bridge (browser mode) carry it; `src/main` implements it.
 * Every method takes one params object and returns one result, both validated
 * at run time on each side of a boundary.
 */
const Empty = z.object({}).strict();
const StoreRef = z.object({ storeId: z.number().int().positive() }).strict();

export const FileSort = z.enum(['path', 'size-desc', 'size-asc', 'mtime-desc']);
export type FileSort = z.infer<typeof FileSort>;

export const methods = {
  getAppInfo: { params: Empty, result: AppInfo },
  getStatus: { params: Empty, result: WorkspaceStatus },
  listStores: { params: Empty, result: z.array(Store) },
  addStore: {
    params: z
      .object({
        path: z.string().min(1).max(4096),
        name: z.string().min(1).max(200).optional(),
        followSymlinks: z.boolean().optional(),
        scan: z.boolean().optional(),
      })
      .strict(),
    result: Store,
  },
  rescanStore: {
    params: StoreRef.extend({ rehash: z.boolean().optional() }).strict(),
    result: z.object({ scanId: z.number().int() }),
  },
  /** The desktop app's folder dialog; browser mode answers that it has none (the UI offers a path field). */
  pickFolder: { params: Empty, result: z.object({ path: z.string().nullable() }) },
  removeStore: { params: StoreRef, result: z.object({ removed: z.boolean() }) },
  cancelScan: {
    params: z.object({ scanId: z.number().int().positive() }).strict(),
    result: z.object({ cancelled: z.boolean() }),
  },
  listScans: {
    params: z.object({ storeId: z.number().int().positive().optional(), limit: z.number().int().min(1).max(500).optional() }).strict(),
    result: z.array(ScanSummary),
  },
  searchFiles: {
    params: z
      .object({
        query: z.string().max(1000).optional(),
        kind: FileKind.optional(),
        storeId: z.number().int().positive().optional(),
        includeMissing: z.boolean().optional(),
        sort: FileSort.optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    result: z.object({ total: z.number().int(), rows: z.array(FileRow) }),
  },
  listFindings: {
    params: z
      .object({
        storeId: z.number().int().positive().optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    result: z.object({ total: z.number().int(), rows: z.array(Finding) }),
  },
  /** The graph around a node (ancestors `up`, descendants `down`), or, with no node, the whole graph (capped). */
  getLineage: {
    params: z
      .object({
        nodeId: z.number().int().positive().optional(),
        storeId: z.number().int().positive().optional(),
        up: z.number().int().min(0).max(50).optional(),
        down: z.number().int().min(0).max(50).optional(),
        limit: z.number().int().min(1).max(20_000).optional(),
      })
      .strict(),
    result: LineageGraph,
  },
  getNodeDetails: { params: z.object({ nodeId: z.number().int().positive() }).strict(), result: NodeDetails },
  findLineagePath: { params: z.object({ from: z.number().int().positive(), to: z.number().int().positive() }).strict(), result: z.object({ path: z.array(z.number().int()).nullable() }) },
  searchLineage: {
    params: z
      .object({
        query: z.string().max(1000),
        kind: NodeKind.optional(),
        storeId: z.number().int().positive().optional(),
        auditStatus: z.enum(['complete', 'partial', 'missing']).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    result: z.object({ total: z.number().int(), rows: z.array(LineageNodeDto) }),
  },
  nodesForFile: { params: z.object({ fileId: z.number().int().positive() }).strict(), result: z.array(LineageNodeDto) },
  auditNode: { params: z.object({ nodeId: z.number().int().positive() }).strict(), result: CheckpointAudit.nullable() },
  ...registryMethods,
  ...compareMethods,
  ...cardMethods,
  /** What a card learns from a lineage node dropped on it (data digests, base model, code revision, hyperparameters). */
  cardFactsForNode: {
    params: z.object({ nodeId: z.number().int().positive() }).strict(),
    result: z.object({
      datasets: z.array(z.object({ name: z.string(), digest: z.string().optional() })),
      baseModel: z.string().optional(),
      codeRevision: z.string().optional(),
      hyperparameters: z.record(z.string(), z.unknown()),
    }),
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Events pushed from the core to every connected view. */
export const ApiEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('scan.started'), scanId: z.number().int(), storeId: z.number().int() }),
  z.object({ type: z.literal('scan.progress'), progress: ScanProgress }),
  z.object({ type: z.literal('scan.finished'), summary: ScanSummary }),
  z.object({ type: z.literal('finding'), finding: Finding }),
  z.object({ type: z.literal('stores.changed') }),
  z.object({ type: z.literal('lineage.changed'), storeId: z.number().int() }),
  z.object({ type: z.literal('registry.changed') }),
]);
export type ApiEvent = z.infer<typeof ApiEvent>;

/** What a bridge sends back for one call. */
export const CallEnvelope = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorShape }),
]);
export type CallEnvelope = z.infer<typeof CallEnvelope>;

/** A call as it travels: the method name and its params. */
export const CallRequest = z.object({ method: z.string().min(1).max(100), params: z.unknown() });
export type CallRequest = z.infer<typeof CallRequest>;

/** The typed surface the renderer programs against. */
export type Api = { [M in MethodName]: (params: Params<M>) => Promise<Result<M>> } & {
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

/** Server-side implementation: the same methods, params already validated. */
export type ApiHandlers = { [M in MethodName]: (params: z.output<Methods[M]['params']>) => Promise<Result<M>> | Result<M> };

export { IPC_CALL, IPC_EVENT, IPC_PREFIX } from './ipc';
