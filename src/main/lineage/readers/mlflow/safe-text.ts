import { parse, type ScalarTag } from 'yaml';
import type { FragmentBuilder } from './fragment';
import type { StoreFiles } from './store-files';

/** Anchors and aliases can expand exponentially ("billion laughs"); this bounds them. */
const MAX_ALIASES = 100;
/** MLflow's own files nest a few levels; anything deeper is hostile or broken. */
export const MAX_YAML_DEPTH = 64;
/** Block nesting is indentation: a line indented this far is nesting no MLflow file needs. */
const MAX_INDENT = 256;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface TextRead {
  text: string;
  truncated: boolean;
}

/**
 * Reads a small text file. Oversized files are cut at `cap`, invalid UTF-8 is
 * decoded leniently; both become findings. I/O errors become a finding and
 * undefined. `truncate: false` means a cut file is not worth parsing.
 */
export async function readText(files: StoreFiles, out: FragmentBuilder, path: string, cap: number, opts: { whole?: boolean } = {}): Promise<TextRead | undefined> {
  let read: { bytes: Buffer; truncated: boolean };
  try {
    read = await files.readPrefix(path, cap);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    out.finding(path, 'mlflow-file-unreadable', 'error', `cannot read the file: ${err.code ?? ''} ${err.message}`.trim());
    return undefined;
  }
  if (read.truncated) {
    if (opts.whole) {
      out.finding(path, 'mlflow-file-too-large', 'warning', `the file is over the ${cap}-byte limit for parsing; it was not read`);
      return undefined;
    }
    out.finding(path, 'mlflow-file-too-large', 'info', `only the first ${cap} bytes were read`);
  }
  let bytes = read.bytes;
  if (read.truncated) bytes = trimPartialCharacter(bytes);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    out.finding(path, 'mlflow-invalid-utf8', 'warning', 'the file is not valid UTF-8; undecodable bytes were replaced');
    text = bytes.toString('utf8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, truncated: read.truncated };
}

/**
 * The implicit types of PyYAML's SafeLoader, which wrote every file this
 * reader parses: YAML 1.2's core schema would read a plain `12345e67` (a
 * dataset digest PyYAML leaves unquoted) as a float, and YAML 1.1 as the
 * `yaml` package has it reads `y`/`n` as booleans, which PyYAML does not.
 * Dates and sexagesimal numbers stay strings; MLflow quotes the dates it writes.
 */
const PY_YAML_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, identify: (v) => v === null || v === undefined, test: /^(?:~|null|Null|NULL)?$/, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', default: true, identify: (v) => typeof v === 'boolean', test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, resolve: (s) => /^(?:yes|true|on)$/i.test(s) },
  { tag: 'tag:yaml.org,2002:int', default: true, identify: (v) => Number.isInteger(v), test: /^[-+]?(?:0|[1-9][0-9_]*)$/, resolve: (s) => Number(s.replace(/_/g, '')) },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    identify: (v) => typeof v === 'number',
    test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    resolve: (s) => (/nan/i.test(s) ? NaN : /inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s.replace(/_/g, ''))),
  },
];

/**
 * Parses YAML as PyYAML's safe loader would, never running tags (a
 * `!!python/...` value reads as plain data), with aliases capped and nesting
 * bounded. Problems become findings on `path`; the result is then undefined.
 */
export function parseYamlText(text: string, out: FragmentBuilder, path: string): unknown {
  if (tooDeep(text)) {
    out.finding(path, 'mlflow-yaml-too-deep', 'error', `the YAML nests deeper than ${MAX_YAML_DEPTH} levels; it was not parsed`);
    return undefined;
  }
  let value: unknown;
  try {
    value = parse(text, { schema: 'failsafe', customTags: PY_YAML_TAGS, maxAliasCount: MAX_ALIASES, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    if (/alias/i.test(message)) out.finding(path, 'mlflow-yaml-aliases', 'error', `the YAML expands too many aliases (over ${MAX_ALIASES}); it was not read`);
    else if (/call stack/i.test(message)) out.finding(path, 'mlflow-yaml-too-deep', 'error', 'the YAML nests too deeply to parse');
    else out.finding(path, 'mlflow-yaml-invalid', 'error', `the file is not valid YAML: ${message}`);
    return undefined;
  }
  if (depthOf(value) > MAX_YAML_DEPTH) {
    out.finding(path, 'mlflow-yaml-too-deep', 'error', `the YAML nests deeper than ${MAX_YAML_DEPTH} levels; it was not used`);
    return undefined;
  }
  return value;
}

/** Cheap pre-parse guard: flow brackets opened without closing, or lines indented absurdly far. */
function tooDeep(text: string): boolean {
  let depth = 0;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 0x20) {
        if (++indent > MAX_INDENT) return true;
        continue;
      }
      lineStart = false;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_YAML_DEPTH) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return false;
}

function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_YAML_DEPTH) return max;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else if (isRecord(v)) for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

function trimPartialCharacter(buf: Buffer): Buffer {
  let i = buf.length;
  while (i > 0 && buf.length - i < 4 && ((buf[i - 1] ?? 0) & 0xc0) === 0x80) i--;
  if (i > 0 && (buf[i - 1] ?? 0) >= 0xc0) return buf.subarray(0, i - 1);
  return buf;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Values from files as JSON-safe props: Dates as ISO text, non-finite numbers as text. */
export function jsonSafe(v: unknown, depth = 0): unknown {
  if (depth > MAX_YAML_DEPTH) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x, depth + 1)]));
  if (v === undefined) return null;
  return v;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

export function clip(s: string, max = 1024): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
