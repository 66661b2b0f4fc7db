import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The digests the hash pool does not compute: git's blob id (Hugging Face
 * names small files' blobs by it) and DVC 2.x's MD5 of text files. Both are
 * needed for few files, so they are read here, on the main thread, in chunks.
 */

/** DVC reads files in 1 MiB chunks and turns CRLF into LF within each chunk (a pair split across two chunks stays). */
export const DVC_CHUNK = 1024 * 1024;
/** DVC decides text or binary from this many leading bytes. */
export const DVC_TEXT_BLOCK = 512;

const TEXT_BYTES = (() => {
  const t = new Uint8Array(256);
  for (let b = 32; b < 127; b++) t[b] = 1;
  for (const c of '\n\r\t\f\b') t[c.charCodeAt(0)] = 1;
  return t;
})();

/**
 * DVC's `istextblock`: empty is text; a NUL byte means binary; otherwise text
 * when at most 30% of the bytes are outside printable ASCII and \n\r\t\f\b.
 */
export function isTextBlock(block: Uint8Array): boolean {
  if (block.length === 0) return true;
  let nonText = 0;
  for (const b of block) {
    if (b === 0) return false;
    if (TEXT_BYTES[b] === 0) nonText++;
  }
  return nonText / block.length <= 0.3;
}

/** CRLF to LF, as Python's `bytes.replace(b"\r\n", b"\n")`. */
export function dos2unix(data: Buffer): Buffer {
  let at = data.indexOf('\r\n');
  if (at < 0) return data;
  const out = Buffer.allocUnsafe(data.length);
  let w = 0;
  let from = 0;
  while (at >= 0) {
    w += data.copy(out, w, from, at);
    out[w++] = 0x0a;
    from = at + 2;
    at = data.indexOf('\r\n', from);
  }
  w += data.copy(out, w, from);
  return out.subarray(0, w);
}

export function gitBlobHeader(size: number): Buffer {
  return Buffer.from(`blob ${size}\0`, 'latin1');
}

export interface StreamedDigests {
  /** git's blob id, when asked for. */
  gitSha1: string | null;
  /**
   * DVC 2.x's MD5 (text decided once from the file's first 512 bytes), when
   * asked for; null when the file is binary (its DVC 2 MD5 is then the plain MD5).
   */
  dvc2Md5: string | null;
  /** DVC 3's reading of a legacy MD5 (text decided anew for every 1 MiB chunk), when asked for. */
  dvc3LegacyMd5: string | null;
  bytes: number;
}

/**
 * Reads a file once and computes the digests asked for. The size must be the
 * one just seen: git's header carries it, and a file that changes length while
 * it is read is refused.
 */
export async function streamDigests(path: string | Buffer, size: number, want: { gitSha1?: boolean; dvcLegacy?: boolean }, signal?: AbortSignal): Promise<StreamedDigests> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    if (st.size !== size) throw Object.assign(new Error(`changed since it was listed (size ${size}, now ${st.size})`), { code: 'EUNSTABLE' });
    const sha1 = want.gitSha1 ? createHash('sha1').update(gitBlobHeader(size)) : null;
    const md5v2 = want.dvcLegacy ? createHash('md5') : null;
    const md5v3 = want.dvcLegacy ? createHash('md5') : null;
    let fileIsText: boolean | null = null;
    const buf = Buffer.allocUnsafe(DVC_CHUNK);
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'ECANCELED' });
      // Fill the whole chunk (short reads happen): DVC's chunk boundaries decide where CRLF is normalised.
      let n = 0;
      while (n < DVC_CHUNK) {
        const { bytesRead } = await fh.read(buf, n, DVC_CHUNK - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      total += n;
      sha1?.update(chunk);
      if (md5v2 && md5v3) {
        const chunkIsText = isTextBlock(chunk.subarray(0, DVC_TEXT_BLOCK));
        fileIsText ??= chunkIsText;
        const normalised = fileIsText || chunkIsText ? dos2unix(chunk) : chunk;
        md5v2.update(fileIsText ? normalised : chunk);
        md5v3.update(chunkIsText ? normalised : chunk);
      }
      if (n < DVC_CHUNK) break;
    }
    if (total !== size) throw Object.assign(new Error(`changed while it was read (read ${total} bytes, listed ${size})`), { code: 'EUNSTABLE' });
    return {
      gitSha1: sha1 ? sha1.digest('hex') : null,
      // An empty file counts as text, and hashes the same either way.
      dvc2Md5: md5v2 && fileIsText !== false ? md5v2.digest('hex') : null,
      dvc3LegacyMd5: md5v3 ? md5v3.digest('hex') : null,
      bytes: total,
    };
  } finally {
    await fh.close();
  }
}
