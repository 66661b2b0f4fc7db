import { existsSync, realpathSync } from 'node:fs';
import { realParent } from '../core/fs-paths';
import { resolve } from 'node:path';
import type { Workspace } from '../core/workspace';
import { filesForVerify } from '../db/files';
import { getStore, listStoreRecords, type StoreRecord } from '../db/stores';

/** A store, whole or one folder or file in it. */
export interface VerifyTarget {
  store: StoreRecord;
  /** Store-relative path; null for the whole store. */
  under: string | null;
}

export type ResolvedTarget = { ok: true; targets: VerifyTarget[] } | { ok: false; message: string };

/**
 * What `verify [STORE|PATH]` names: nothing (every store), a store id, a
 * store's folder, or any file or folder inside a store (which need not exist
 * any more, as long as the index knows it).
 */
export function resolveVerifyTarget(ws: Workspace, arg: string | undefined): ResolvedTarget {
  const stores = listStoreRecords(ws.db);
  if (arg === undefined) {
    if (stores.length === 0) return { ok: false, message: 'there are no stores to verify; add one with: pedigree index PATH' };
    return { ok: true, targets: stores.map((store) => ({ store, under: null })) };
  }
  if (/^\d+$/.test(arg) && !existsSync(arg)) {
    const store = getStore(ws.db, Number(arg));
    return store ? { ok: true, targets: [{ store, under: null }] } : { ok: false, message: `no store with id ${arg}` };
  }
  const abs = resolve(arg);
  for (const candidate of new Set([realParent(abs), realOrSelf(abs), abs])) {
    const store = stores.find((s) => candidate === s.path || candidate.startsWith(s.path.endsWith('/') ? s.path : `${s.path}/`));
    if (!store) continue;
    const under = candidate === store.path ? null : candidate.slice(store.path.replace(/\/+$/, '').length + 1);
    if (under !== null && !existsSync(candidate) && filesForVerify(ws.db, store.id, under).length === 0) {
      return { ok: false, message: `${arg}: no such file or folder, on disk or in the index of the store "${store.name}"` };
    }
    return { ok: true, targets: [{ store, under }] };
  }
  return { ok: false, message: `${abs} is not a store id and not inside any store; add it with: pedigree index ${arg}` };
}


function realOrSelf(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}
