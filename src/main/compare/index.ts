import { dirname } from 'node:path';
import { ApiError } from '../../shared/errors';
import type { Comparison } from '../../shared/compare';
import type { ReadableDb } from '../db/connection';
import { compareAxes } from './axes';
import { compareCards } from './card';
import { metricRows } from './diff';
import { subjectFacts } from './facts';
import { metricsInFolder } from './metrics-files';
import { resolveSubject } from './subjects';
import { createTensorHasher, type TensorHasher } from './tensor-hasher';
import { compareTensorLists, readTensorList, safetensorsFiles } from './tensors';

/**
 * Compares two or more checkpoints or registry versions: which of the four
 * axes drifted (with the facts), the config, pins, metrics, tensors and
 * model cards side by side. Drift is the answer, not an error.
 */

export const MAX_COLUMNS = 8;

export interface CompareOptions {
  /** Where `tensor-hash.js` is built; without it tensors are hashed on this thread. */
  workersDir: string | null;
  hashThreads?: number;
  /** A hasher to use (and not destroy) instead of a new pool. */
  hasher?: TensorHasher;
  signal?: AbortSignal;
  now?: () => Date;
}

export async function compareSubjects(db: ReadableDb, refs: string[], opts: CompareOptions): Promise<Comparison> {
  if (refs.length < 2) throw new ApiError('invalid-input', 'name at least two checkpoints or registry versions to compare');
  if (refs.length > MAX_COLUMNS) throw new ApiError('invalid-input', `at most ${MAX_COLUMNS} columns can be compared at once; ${refs.length} were named`);
  const subjects = refs.map((r) => resolveSubject(db, r));
  const facts = subjects.map((s) => {
    const main = s.files.find((f) => f.absPath)?.absPath;
    return subjectFacts(s, main ? metricsInFolder(dirname(main)) : new Map());
  });
  const { axes, config, pins } = compareAxes(facts);
  const hasher = opts.hasher ?? createTensorHasher(opts.workersDir, opts.hashThreads);
  let tensors: Comparison['tensors'];
  try {
    const lists = [];
    for (const s of subjects) lists.push(await readTensorList(await safetensorsFiles(s.files)));
    tensors = await compareTensorLists(lists, hasher, opts.signal);
  } finally {
    if (!opts.hasher) await hasher.destroy();
  }
  return {
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
    columns: subjects.map((s) => s.column),
    axes,
    drifted: axes.filter((a) => a.status === 'changed').map((a) => a.axis),
    config,
    pins,
    metrics: metricRows(facts.map((f) => f.metrics)),
    tensors,
    card: compareCards(subjects.map((s) => s.card)),
  };
}

export { renderComparisonHtml } from './html';
export { formatComparison } from './text';
