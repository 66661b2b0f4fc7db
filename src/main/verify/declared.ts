import type { Collected, Declaration } from './types';
import { collectDvc, type StoreView } from './dvc';
import { collectHuggingFace } from './huggingface';
import type { Scope } from './paths';
import { collectSafetensorsIndexes } from './safetensors-index';

export type { StoreView } from './dvc';

/**
 * Every digest a store declares about the files in scope, read from the
 * declaring files on disk (found through the index). Problems with a
 * declaring file become findings; collection goes on with the next one.
 */
export function collectDeclared(store: StoreView, scope: Scope): Collected {
  const sink: Collected = { declarations: [], mismatches: [], findings: [] };
  collectDvc(store, scope, sink);
  collectHuggingFace(store, scope, sink);
  collectSafetensorsIndexes(store, scope, sink);
  sink.declarations = mergeDeclarations(sink.declarations);
  return sink;
}

/** The same digest declared twice for a path (a stage's out is the next stage's dep) is checked once, naming both. */
export function mergeDeclarations(list: Declaration[]): Declaration[] {
  const byKey = new Map<string, Declaration>();
  for (const d of list) {
    const key = `${d.path}\0${d.algorithm}\0${d.digest}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...d });
    else {
      if (!seen.source.split('; ').includes(d.source)) seen.source = `${seen.source}; ${d.source}`;
      seen.size ??= d.size;
    }
  }
  return [...byKey.values()];
}
