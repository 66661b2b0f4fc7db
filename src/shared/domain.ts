import { z } from 'zod';

/** Domain records that cross the API boundary. Pure data: no behaviour here. */

export const FILE_KINDS = ['checkpoint', 'dataset', 'config', 'card', 'code', 'environment', 'other'] as const;
export const FileKind = z.enum(FILE_KINDS);
export type FileKind = z.infer<typeof FileKind>;

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const StoreStatus = z.enum(['online', 'offline']);
export type StoreStatus = z.infer<typeof StoreStatus>;

export const StoreCounts = z.object({
  files: z.number().int(),
  bytes: z.number(),
  hashed: z.number().int(),
  missing: z.number().int(),
  findings: z.number().int(),
  byKind: z.record(z.string(), z.number().int()),
});
export type StoreCounts = z.infer<typeof StoreCounts>;

export const Store = z.object({
  id: z.number().int(),
  name: z.string(),
  path: z.string(),
  status: StoreStatus,
  followSymlinks: z.boolean(),
  addedAt: z.string(),
  lastScanAt: z.string().nullable(),
  lastScanStatus: z.string().nullable(),
  /** Why an offline store cannot be reached (its folder is gone, nothing is mounted on it any more); null when online. */
  offlineReason: z.string().nullable(),
  counts: StoreCounts,
});
export type Store = z.infer<typeof Store>;

export const FileState = z.enum(['present', 'missing']);
export type FileState = z.infer<typeof FileState>;

export const FileRow = z.object({
  id: z.number().int(),
  storeId: z.number().int(),
  storeName: z.string(),
  path: z.string(),
  absPath: z.string(),
  kind: FileKind,
  format: z.string().nullable(),
  size: z.number(),
  mtime: z.string(),
  sha256: z.string().nullable(),
  md5: z.string().nullable(),
  state: FileState,
  lastSeen: z.string(),
  missingSince: z.string().nullable(),
});
export type FileRow = z.infer<typeof FileRow>;

export const Finding = z.object({
  id: z.number().int(),
  storeId: z.number().int().nullable(),
  scanId: z.number().int().nullable(),
  path: z.string(),
  code: z.string(),
  severity: Severity,
  message: z.string(),
  createdAt: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export const ScanPhase = z.enum(['walking', 'hashing', 'finishing']);
export type ScanPhase = z.infer<typeof ScanPhase>;

export const ScanProgress = z.object({
  scanId: z.number().int(),
  storeId: z.number().int(),
  phase: ScanPhase,
  filesSeen: z.number().int(),
  filesToHash: z.number().int(),
  filesHashed: z.number().int(),
  bytesToHash: z.number(),
  bytesHashed: z.number(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  /**
   * A first index of a store that is a whole mounted disk (a USB drive, say):
   * the disk's used bytes, what the scan will about hash. While the walk goes
   * on, the bar and the ETA are reckoned from it (an estimate); null otherwise.
   */
  expectedBytes: z.number().nullable(),
  currentFile: z.string().nullable(),
  elapsedSeconds: z.number(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

export const ScanStatus = z.enum(['running', 'done', 'cancelled', 'failed', 'interrupted']);
export type ScanStatus = z.infer<typeof ScanStatus>;

export const ScanSummary = z.object({
  scanId: z.number().int(),
  storeId: z.number().int(),
  storePath: z.string(),
  status: ScanStatus,
  files: z.number().int(),
  bytes: z.number(),
  new: z.number().int(),
  changed: z.number().int(),
  moved: z.number().int(),
  missing: z.number().int(),
  unchanged: z.number().int(),
  /** Folders whose stamp showed them unchanged (see migration 007): their files were not compared with the index one by one. */
  unchangedFolders: z.number().int(),
  hashed: z.number().int(),
  bytesHashed: z.number(),
  errors: z.number().int(),
  seconds: z.number(),
  bytesPerSecond: z.number(),
  filesPerSecond: z.number(),
  message: z.string().nullable(),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

export const WorkspaceStatus = z.object({
  dbPath: z.string(),
  schemaVersion: z.number().int(),
  stores: z.number().int(),
  files: z.number().int(),
  bytes: z.number(),
  hashed: z.number().int(),
  missing: z.number().int(),
  findings: z.number().int(),
  activeScans: z.array(ScanProgress),
});
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>;

export const AppInfo = z.object({
  name: z.literal('Pedigree'),
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  dbPath: z.string(),
  schemaVersion: z.number().int(),
  platform: z.string(),
  demoStorePath: z.string().nullable(),
});
export type AppInfo = z.infer<typeof AppInfo>;
