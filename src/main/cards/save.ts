import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { unifiedDiff } from './diff';

/**
 * Opening and saving a card file so that a save never loses anyone's work:
 *
 * - `openCard` remembers the exact bytes' SHA-256; `saveCard` re-reads the
 *   file and refuses when they changed on disk (another editor, a `git pull`),
 *   with a diff of that outside change.
 * - The new text goes to `<file>.pedigree-tmp-<pid>` in the same folder,
 *   fsynced, then renamed over the card, and the folder fsynced: a crash
 *   leaves either the old or the new card, never a partial one.
 * - The text before the save is kept as `<file>.bak` (one backup, replaced by
 *   each save, like an editor's: predictable, and no pile of timestamped
 *   copies beside a model's files). It is written the same atomic way.
 * - The file's permission bits are kept (and its owner, where allowed).
 */

export const MAX_CARD_BYTES = 10 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface OpenedCard {
  path: string;
  text: string;
  sha256: string;
  size: number;
  mtimeNs: bigint;
  mode: number;
}

export class CardFileError extends Error {
  override readonly name: string = 'CardFileError';
}

/** The card changed on disk since it was opened; `diff` shows that outside change. */
export class CardConflictError extends CardFileError {
  override readonly name = 'CardConflictError';
  constructor(
    message: string,
    readonly diff: string,
  ) {
    super(message);
  }
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function openCard(path: string): Promise<OpenedCard> {
  const st = await fsp.stat(path, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
    throw new CardFileError(e.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${e.message}`);
  });
  if (!st.isFile()) throw new CardFileError(`${path}: not a regular file`);
  if (st.size > BigInt(MAX_CARD_BYTES)) throw new CardFileError(`${path}: ${st.size} bytes, over the ${MAX_CARD_BYTES}-byte limit for a card`);
  const bytes = await fsp.readFile(path);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CardFileError(`${path}: not valid UTF-8; Pedigree edits UTF-8 cards only (the Hub requires UTF-8)`);
  }
  return { path, text, sha256: sha256(bytes), size: bytes.length, mtimeNs: st.mtimeNs, mode: Number(st.mode & 0o7777n) };
}

export interface SaveOptions {
  /** Replaced in tests to simulate a crash or an outside edit at the last moment. */
  rename?: (from: string, to: string) => Promise<void>;
}

export function backupPath(path: string): string {
  return `${path}.bak`;
}

/** Saves `text` over an opened card; returns the card as now on disk. Refuses, changing nothing, when the file changed since it was opened. */
export async function saveCard(opened: OpenedCard, text: string, opts: SaveOptions = {}): Promise<OpenedCard> {
  const { path } = opened;
  await assertUnchanged(opened);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_CARD_BYTES) throw new CardFileError(`the card would be ${bytes.length} bytes, over the ${MAX_CARD_BYTES}-byte limit`);
  const st = await fsp.stat(path);
  await writeAtomic(backupPath(path), Buffer.from(opened.text, 'utf8'), opened.mode, st, opts);
  // checked again just before the rename: the window for a lost update is the rename itself
  await writeAtomic(path, bytes, opened.mode, st, opts, () => assertUnchanged(opened));
  const now = await fsp.stat(path, { bigint: true });
  return { path, text, sha256: sha256(bytes), size: bytes.length, mtimeNs: now.mtimeNs, mode: opened.mode };
}

/**
 * Saves over a card known only by the text it had when read (the API's case:
 * the renderer holds the text, not the `OpenedCard`). Refuses like `saveCard`
 * when the file no longer holds `baseText`.
 */
export async function saveCardText(path: string, baseText: string, text: string, opts: SaveOptions = {}): Promise<OpenedCard> {
  const st = await fsp.stat(path, { bigint: true }).catch(() => undefined);
  const base = Buffer.from(baseText, 'utf8');
  const opened: OpenedCard = { path, text: baseText, sha256: sha256(base), size: base.length, mtimeNs: st?.mtimeNs ?? 0n, mode: st ? Number(st.mode & 0o7777n) : 0o644 };
  return saveCard(opened, text, opts);
}

/** Writes a new card; refuses when a file already exists there. */
export async function createCard(path: string, text: string): Promise<OpenedCard> {
  const tmp = tempPath(path);
  const bytes = Buffer.from(text, 'utf8');
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // link, not rename: it fails when the name exists instead of replacing it
    await fsp.link(tmp, path);
  } catch (e) {
    throw new CardFileError((e as NodeJS.ErrnoException).code === 'EEXIST' ? `${path} already exists; open it to edit it` : `${path}: ${(e as Error).message}`);
  } finally {
    await fsp.unlink(tmp).catch(() => {});
  }
  await syncDir(dirname(path));
  return openCard(path);
}

async function assertUnchanged(opened: OpenedCard): Promise<void> {
  let now: Buffer;
  try {
    now = await fsp.readFile(opened.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CardConflictError(code === 'ENOENT' ? `${opened.path} was deleted since it was opened; not saved` : `${opened.path}: ${(e as Error).message}; not saved`, '');
  }
  if (sha256(now) === opened.sha256) return;
  const name = basename(opened.path);
  const diff = unifiedDiff(opened.text, now.toString('utf8'), { a: `${name} (when opened)`, b: `${name} (on disk now)` });
  throw new CardConflictError(`${opened.path} changed on disk since it was opened; not saved (your edits are kept in the editor). The outside change:\n${diff}`, diff);
}

function tempPath(path: string): string {
  return join(dirname(path), `${basename(path)}.pedigree-tmp-${process.pid}`);
}

async function writeAtomic(path: string, bytes: Buffer, mode: number, like: { uid: number; gid: number }, opts: SaveOptions, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = tempPath(path);
  await fsp.rm(tmp, { force: true });
  let renamed = false;
  try {
    const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.chmod(mode);
      if (process.getuid?.() === 0) await fh.chown(like.uid, like.gid).catch(() => {});
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.();
    await (opts.rename ?? fsp.rename)(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await fsp.rm(tmp, { force: true }).catch(() => {});
  }
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  // Linux and macOS allow fsync on a directory; Windows does not, and needs none.
  const fh = await fsp.open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync().catch(() => {});
  } finally {
    await fh.close();
  }
}
