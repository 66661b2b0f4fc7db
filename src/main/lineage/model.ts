import type { FileKind, Severity } from '../../shared/domain';

/**
 * The lineage model that every store reader produces: a fragment of nodes and
 * edges, each edge carrying its evidence (which file said so) and strength.
 * Readers are pure: they read files under a store root (never executing
 * anything) and return a fragment; the lineage layer merges fragments, joins
 * nodes by content digest and writes them to the workspace database.
 */

export type NodeKind = 'checkpoint' | 'dataset' | 'run' | 'stage' | 'code' | 'config' | 'environment' | 'card' | 'model-version' | 'registered-model' | 'experiment';

/** How sure an edge is: a store says so, digests are equal, or a name/folder pattern suggests it. */
export type EdgeStrength = 'declared' | 'hash-matched' | 'inferred';

export type EdgeRelation =
  | 'input' // from: dataset/config/code → to: run/stage (consumed)
  | 'output' // from: run/stage → to: checkpoint/dataset (produced)
  | 'config' // from: config → to: run/checkpoint
  | 'code' // from: code revision → to: run/stage/checkpoint
  | 'environment' // from: environment → to: run/checkpoint
  | 'card' // from: card → to: checkpoint/model-version
  | 'base-model' // from: base checkpoint/model → to: derived checkpoint
  | 'version-of' // from: checkpoint/run → to: model-version
  | 'registered' // from: model-version → to: registered-model
  | 'member' // from: run → to: experiment, child run → parent run
  | 'same-content'; // two nodes whose digests are equal

export interface Digest {
  algorithm: 'sha256' | 'md5' | 'md5-dos2unix' | 'git-sha1';
  value: string;
}

/** A file a node stands for or was read from: path relative to the store root. */
export interface NodeFile {
  path: string;
  size?: number;
  digests?: Digest[];
  /** True when the path is where a store says the file is, not (yet) seen on disk. */
  declaredOnly?: boolean;
}

export interface Evidence {
  /** Store-relative path of the file that says so. */
  file: string;
  /** 1-based line in that file, where the reader knows it. */
  line?: number;
  /** What in the file says so, e.g. "stages.train.deps[0]" or "tag mlflow.source.git.commit". */
  detail?: string;
}

export interface LineageNode {
  /**
   * Stable key, unique within a store: `<reader>:<kind>:<id>` e.g.
   * `mlflow:run:0a1b…`, `dvc:stage:dvc.yaml:train`, `file:data/train.csv`,
   * `git:commit:<sha>`. The same key from two readers is the same node.
   */
  key: string;
  kind: NodeKind;
  label: string;
  /** Small JSON-serialisable facts: params, metrics, tags, commit, stage cmd… */
  props: Record<string, unknown>;
  files: NodeFile[];
  evidence: Evidence[];
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: EdgeRelation;
  strength: EdgeStrength;
  evidence: Evidence;
}

export interface ReaderFinding {
  path: string;
  code: string;
  severity: Severity;
  message: string;
}

export interface LineageFragment {
  reader: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  findings: ReaderFinding[];
}

/** What a store reader is given: the store root and what the index knows of its files. */
export interface ReaderContext {
  root: string;
  /**
   * Store-relative paths of indexed files (present), with digests when hashed,
   * and the kind the index gave each (by name, corrected by its first bytes).
   */
  files: ReadonlyMap<string, { size: number; sha256: string | null; md5: string | null; kind?: FileKind }>;
}

export interface StoreReader {
  id: string;
  /** Cheap check: does this store (or part of it) look like one this reader understands? */
  match(ctx: ReaderContext): boolean;
  read(ctx: ReaderContext): Promise<LineageFragment>;
}

export function emptyFragment(reader: string): LineageFragment {
  return { reader, nodes: [], edges: [], findings: [] };
}
