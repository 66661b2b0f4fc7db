import { statSync, type BigIntStats } from 'node:fs';
import { realParent } from '../core/fs-paths';
import { join, resolve } from 'node:path';
import { ApiError } from '../../shared/errors';
import type { ReadableDb } from '../db/connection';
import { indexedFileAt, indexedFilesUnder, type IndexedFile } from '../db/registry';
import { listStoreRecords, type StoreRecord } from '../db/stores';
import { compareText } from './canonical';

/**
 * Turns the paths given to `register` into indexed, hashed files whose stat
 * still matches the index, or refuses with every problem listed. A version
 * pins the index's digests without reading the bytes again, so a file that
 * changed since the last scan must be scanned first.
 */
export function resolveRegisterPaths(db: ReadableDb, paths: string[], cwd = process.cwd()): IndexedFile[] {
  const stores = listStoreRecords(db);
  const problems: string[] = [];
  const found = new Map<number, IndexedFile>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const located = locate(stores, abs);
    if (!located) {
      problems.push(`${p}: not inside any indexed store; add its folder with: pedigree index DIR`);
      continue;
    }
    const { store, rel } = located;
    const st = statOrNull(join(store.path, rel));
    const rescan = `run: pedigree index ${store.path}`;
    if (!st) {
      const row = rel === '' ? null : indexedFileAt(db, store.id, rel);
      if (row) problems.push(`${p}: missing: the file is gone from disk (the index last saw it ${row.lastSeen}); a version pins files that are there`);
      else if (rel !== '' && indexedFilesUnder(db, store.id, rel).length > 0) problems.push(`${p}: missing: the folder is gone from disk`);
      else problems.push(`${p}: no such file or folder`);
      continue;
    }
    const candidates: IndexedFile[] = [];
    if (st.isDirectory()) {
      const rows = indexedFilesUnder(db, store.id, rel).filter((r) => r.state === 'present');
      if (rows.length === 0) {
        problems.push(`${p}: the index holds no files in this folder; ${rescan}`);
        continue;
      }
      candidates.push(...rows);
    } else {
      const row = indexedFileAt(db, store.id, rel);
      if (!row) {
        problems.push(`${p}: not indexed; ${rescan}`);
        continue;
      }
      if (row.state === 'missing') {
        problems.push(`${p}: the index last saw it missing; ${rescan}`);
        continue;
      }
      candidates.push(row);
    }
    for (const row of candidates) {
      const shown = candidates.length === 1 ? p : `${p}: ${row.path}`;
      const now = row === candidates[0] && !st.isDirectory() ? st : statOrNull(join(store.path, row.path));
      if (!now) problems.push(`${shown}: missing: the file is gone from disk since the last scan; ${rescan}`);
      else if (row.sha256 === null) problems.push(`${shown}: indexed but not hashed yet; ${rescan}`);
      else if (now.size !== BigInt(row.size) || now.mtimeNs !== row.mtimeNs) problems.push(`${shown}: changed since it was indexed (size or modification time differ); ${rescan}`);
      else found.set(row.id, row);
    }
  }
  if (problems.length > 0) {
    throw new ApiError('invalid-input', problems.length === 1 ? `cannot register ${problems[0]}` : `cannot register:\n${problems.map((x) => `  ${x}`).join('\n')}`, { problems });
  }
  return [...found.values()].sort((a, b) => compareText(a.storePath, b.storePath) || compareText(a.path, b.path));
}

/** The store holding `abs`, tried as given and with its folder's links resolved (the name itself may be a link, as in a Hugging Face snapshot). */
function locate(stores: StoreRecord[], abs: string): { store: StoreRecord; rel: string } | null {
  for (const candidate of new Set([realParent(abs), abs])) {
    for (const store of stores) {
      const root = store.path.replace(/\/+$/, '');
      if (candidate === root) return { store, rel: '' };
      if (candidate.startsWith(`${root}/`)) return { store, rel: candidate.slice(root.length + 1) };
    }
  }
  return null;
}


function statOrNull(path: string): BigIntStats | null {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}
