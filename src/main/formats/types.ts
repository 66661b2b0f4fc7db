import { open } from 'node:fs/promises';
import type { FileKind, Severity } from '../../shared/domain';

// One definition of these enums for the whole app: the API contract owns them.
export type { FileKind, Severity };

/**
 * Random access to a file's bytes. Readers go through this, never through the
 * whole file, so inspecting a 100 GB checkpoint touches only its header;
 * `bytesRead` lets tests (and the scan's statistics) prove that.
 */
export interface ByteSource {
  readonly path: string;
  readonly size: number;
  /** Up to `length` bytes at `offset`; fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Total bytes returned by `read` so far. */
  readonly bytesRead: number;
}

export interface FormatFinding {
  severity: Severity;
  /** Short kebab-case id, e.g. 'safetensors-header-too-large'. */
  code: string;
  /** A sentence naming what is wrong. */
  message: string;
}

export interface FormatReport {
  format: string;
  kind: FileKind;
  /** JSON-serialisable. */
  summary: Record<string, unknown>;
  findings: FormatFinding[];
}

export interface FormatReader {
  id: string;
  kind: FileKind;
  extensions: string[];
  /** True when the file is this reader's: by content (see `sniff`) or by name. */
  match(name: string, head: Buffer): boolean;
  /**
   * True when the first bytes alone say the file is this reader's. Used
   * before any extension match, so a GGUF file named `model.bin` is read as
   * GGUF. Readers of formats without magic bytes leave it out.
   */
  sniff?(head: Buffer, name: string): boolean;
  /** Never throws: bad input becomes error findings. */
  read(src: ByteSource): Promise<FormatReport>;
}

/**
 * The largest single read we allow. Readers cap their own lengths well below
 * this; the check is a last guard against a size taken from a hostile file.
 */
export const MAX_SINGLE_READ = 256 * 1024 * 1024;

function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad read offset ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad read length ${length}`);
  if (length > MAX_SINGLE_READ) throw new RangeError(`read of ${length} bytes exceeds the ${MAX_SINGLE_READ}-byte cap`);
}

export async function openByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  let bytesRead = 0;
  return {
    path,
    size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      checkRange(offset, length);
      const wanted = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(wanted);
      let got = 0;
      while (got < wanted) {
        const { bytesRead: n } = await handle.read(buf, got, wanted - got, offset + got);
        if (n === 0) break; // the file shrank under us
        got += n;
      }
      bytesRead += got;
      return got === wanted ? buf : buf.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

export function bufferSource(path: string, buf: Buffer): ByteSource {
  let bytesRead = 0;
  return {
    path,
    size: buf.length,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      checkRange(offset, length);
      const out = buf.subarray(Math.min(offset, buf.length), Math.min(offset + length, buf.length));
      bytesRead += out.length;
      return out;
    },
  };
}
