import type { ReadableDb } from '../db/connection';
import { joinStorePath } from '../db/files';
import { indexedFileAtStorePath, presentFilesWithSha256, type VersionRecord } from '../db/registry';
import type { FileIntegrity, IntegrityStatus, VersionIntegrity } from '../../shared/registry';

/**
 * A version never changes; the files it names can. Integrity is computed at
 * read time by comparing each pinned digest with what the index holds now at
 * the pinned place: the same digest is intact, another digest (or a file
 * changed and not hashed again yet) is modified, no present file is missing.
 * It is only as fresh as the last scan: `pedigree index` brings it up to date.
 */
export function fileIntegrity(db: ReadableDb, pinned: { store: string; path: string; sha256: string }): FileIntegrity {
  const now = indexedFileAtStorePath(db, pinned.store, pinned.path);
  const status: IntegrityStatus = !now || now.state === 'missing' ? 'missing' : now.sha256 === pinned.sha256 ? 'intact' : 'modified';
  const absPath = joinStorePath(pinned.store, pinned.path);
  const foundElsewhere = status === 'intact' ? [] : presentFilesWithSha256(db, pinned.sha256).map((f) => joinStorePath(f.storePath, f.path)).filter((p) => p !== absPath);
  return { store: pinned.store, path: pinned.path, absPath, status, registeredSha256: pinned.sha256, currentSha256: status === 'missing' ? null : (now?.sha256 ?? null), foundElsewhere };
}

const RANK: Record<IntegrityStatus, number> = { intact: 0, modified: 1, missing: 2 };

export function worst(statuses: IntegrityStatus[]): IntegrityStatus {
  return statuses.reduce<IntegrityStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'intact');
}

export function versionIntegrity(db: ReadableDb, v: Pick<VersionRecord, 'files' | 'card'>): VersionIntegrity {
  const files = v.files.map((f) => fileIntegrity(db, f));
  const card = v.card ? fileIntegrity(db, v.card) : null;
  return { status: worst([...files.map((f) => f.status), ...(card ? [card.status] : [])]), files, card };
}
