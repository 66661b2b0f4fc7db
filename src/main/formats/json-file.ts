import type { ReportBuilder } from './report';
import { decodeUtf8 } from './text';
import type { ByteSource } from './types';

/**
 * Reads and parses a whole JSON file of at most `cap` bytes. Problems become
 * findings named after the report's format; the result is then undefined.
 */
export async function readJsonFile(src: ByteSource, cap: number, report: ReportBuilder): Promise<unknown> {
  if (src.size > cap) {
    report.warning(`${report.format}-too-large`, `the file is ${src.size} bytes, over the ${cap}-byte limit for parsing; it was not read`);
    return undefined;
  }
  return parseJsonBytes(await src.read(0, src.size), report, 'the file');
}

export function parseJsonBytes(buf: Buffer, report: ReportBuilder, what: string): unknown {
  const text = decodeUtf8(buf);
  if (text === undefined) {
    report.error(`${report.format}-invalid-utf8`, `${what} is not valid UTF-8`);
    return undefined;
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    report.error(`${report.format}-not-json`, `${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First `max` keys of an object, for summaries. */
export function someKeys(v: Record<string, unknown>, max = 100): string[] {
  const keys: string[] = [];
  for (const k in v) {
    if (keys.length >= max) break;
    if (Object.hasOwn(v, k)) keys.push(k);
  }
  return keys;
}
