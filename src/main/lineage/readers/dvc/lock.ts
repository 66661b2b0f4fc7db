import type { ReaderContext } from '../../model';
import { readDocument, type FragmentBuilder } from '../plain/fragment';
import { isRecord, type DocPath } from '../plain/safe-yaml';

/**
 * `dvc.lock`: what each stage ran with. Schema 2.0 (DVC 2 and 3) nests the
 * stages under `stages:` beside `schema: '2.0'`; DVC 1's lock has no schema
 * key and the stages at the top level. Any other schema is not guessed at.
 */

export interface LockedStage {
  name: string;
  raw: Record<string, unknown>;
  /** Path of the stage in the lock, e.g. ['stages', 'train'] or ['train']. */
  docPath: DocPath;
}

export interface Lock {
  rel: string;
  schema: '1' | '2.0';
  stages: Map<string, LockedStage>;
  lineOf(path: DocPath): number | undefined;
}

export const KNOWN_SCHEMAS = ['2.0'];

export async function readLock(ctx: ReaderContext, b: FragmentBuilder, rel: string): Promise<Lock | undefined> {
  const doc = await readDocument(ctx, b, rel, 'dvc-lock');
  if (!doc) return undefined;
  const lock: Lock = { rel, schema: '2.0', stages: new Map(), lineOf: doc.lineOf };
  if (doc.value === null || doc.value === undefined) return lock;
  if (!isRecord(doc.value)) {
    b.finding(rel, 'dvc-lock-invalid', 'error', `${rel}: the top level is not a mapping; the lock was not read`);
    return undefined;
  }
  let stages: unknown;
  let prefix: DocPath;
  if (Object.hasOwn(doc.value, 'schema')) {
    const schema = String(doc.value.schema);
    if (!KNOWN_SCHEMAS.includes(schema)) {
      b.finding(rel, 'dvc-lock-unknown-schema', 'error', `${rel}: dvc.lock schema "${schema.slice(0, 40)}" is not one Pedigree knows (2.0, or DVC 1's lock without a schema); the lock was not read`);
      return undefined;
    }
    stages = doc.value.stages ?? {};
    prefix = ['stages'];
  } else {
    lock.schema = '1';
    stages = doc.value;
    prefix = [];
  }
  if (!isRecord(stages)) {
    b.finding(rel, 'dvc-lock-invalid', 'error', `${rel}: "stages" is not a mapping; the lock was not read`);
    return undefined;
  }
  for (const [name, raw] of Object.entries(stages)) {
    if (!isRecord(raw)) {
      b.finding(rel, 'dvc-lock-stage-invalid', 'warning', `${rel}: stage ${name} is not a mapping; skipped`);
      continue;
    }
    lock.stages.set(name, { name, raw, docPath: [...prefix, name] });
  }
  return lock;
}
