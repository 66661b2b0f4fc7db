import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/errors';
import type { PinnedCard } from '../../shared/registry';
import type { ReadableDb } from '../db/connection';
import { cardInFolder, type IndexedFile } from '../db/registry';

/** Cards larger than this keep their digest but not their text. */
export const CARD_TEXT_MAX = 1024 * 1024;

/**
 * The model card of a version: README.md beside the first registered file
 * that has one (indexed and hashed). Its text is read now and must have the
 * digest the index holds, so that the pinned text and digest agree.
 */
export function pinCard(db: ReadableDb, files: IndexedFile[]): PinnedCard | null {
  const seen = new Set<string>();
  for (const f of files) {
    const folder = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    const key = `${f.storeId}\u0000${folder}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const card = cardInFolder(db, f.storeId, folder);
    if (!card || card.sha256 === null) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(card.storePath, card.path));
    } catch (e) {
      throw new ApiError('io', `cannot read the model card ${join(card.storePath, card.path)}: ${(e as Error).message}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== card.sha256) throw new ApiError('invalid-input', `the model card ${join(card.storePath, card.path)} changed since it was indexed; run: pedigree index ${card.storePath}`);
    return { store: card.storePath, path: card.path, size: bytes.length, sha256, text: bytes.length <= CARD_TEXT_MAX ? bytes.toString('utf8') : null };
  }
  return null;
}
