import type { ByteSource } from './types';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text, or undefined when the bytes are not valid UTF-8 (callers report it). */
export function decodeUtf8(buf: Buffer): string | undefined {
  try {
    return strictUtf8.decode(buf);
  } catch {
    return undefined;
  }
}

/** Decodes leniently, remembering whether anything had to be replaced. */
export class LenientText {
  invalid = 0;
  decode(buf: Buffer): string {
    const strict = decodeUtf8(buf);
    if (strict !== undefined) return strict;
    this.invalid++;
    return buf.toString('utf8');
  }
}

export interface TextPrefix {
  text: string;
  /** The file is longer than what was read. */
  truncated: boolean;
  validUtf8: boolean;
}

/**
 * The first `cap` bytes of a file as text. A cut through a multi-byte
 * character at the cap is not an encoding error, so the tail is trimmed first.
 */
export async function readTextPrefix(src: ByteSource, cap: number): Promise<TextPrefix> {
  const truncated = src.size > cap;
  let buf = await src.read(0, Math.min(src.size, cap));
  if (truncated) buf = trimPartialCharacter(buf);
  const strict = decodeUtf8(buf);
  return { text: strict ?? buf.toString('utf8'), truncated, validUtf8: strict !== undefined };
}

function trimPartialCharacter(buf: Buffer): Buffer {
  let i = buf.length;
  // Back up over continuation bytes (10xxxxxx) to the lead byte, at most 3.
  while (i > 0 && buf.length - i < 4 && ((buf[i - 1] ?? 0) & 0xc0) === 0x80) i--;
  if (i > 0 && (buf[i - 1] ?? 0) >= 0xc0) return buf.subarray(0, i - 1);
  return buf;
}

/** For summaries: long strings from files are cut so a report stays small. */
export function clip(s: string, max = 256): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

export function startsWithBytes(head: Buffer, magic: readonly number[], at = 0): boolean {
  if (head.length < at + magic.length) return false;
  return magic.every((b, i) => head[at + i] === b);
}
