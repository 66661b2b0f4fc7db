import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import { decodeUtf8 } from '../../../formats/text';

/**
 * YAML and JSON from store files, parsed without ever evaluating anything:
 * the `yaml` package builds plain data (unknown tags stay strings), aliases
 * are capped ("billion laughs"), and nesting is bounded *before* parsing,
 * because a few thousand `[` make the parser itself exhaust memory.
 * Keeps the document so a reader can give the line of what it cites.
 */

export const MAX_DOC_BYTES = 10 * 1024 * 1024;
export const MAX_ALIASES = 100;
/** Real configs nest a dozen levels; lockfiles and cards fewer. */
export const MAX_DEPTH = 64;

export type DocPath = readonly (string | number)[];

export interface ParsedDoc {
  value: unknown;
  /** 1-based line of the node at `path`, when the text is YAML and the node exists. */
  lineOf(path: DocPath): number | undefined;
}

export type ParseProblem = { code: 'invalid-utf8' | 'too-large' | 'too-deep' | 'aliases' | 'invalid'; message: string };
export type ParseOutcome = ({ ok: true } & ParsedDoc & { invalidUtf8: boolean }) | ({ ok: false } & ParseProblem);

/** Text from bytes; invalid UTF-8 is decoded leniently and flagged (the caller reports it). */
export function textOf(bytes: Buffer): { text: string; invalidUtf8: boolean } {
  const strict = decodeUtf8(bytes);
  const text = strict ?? bytes.toString('utf8');
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, invalidUtf8: strict === undefined };
}

/**
 * Deepest `[`/`{` nesting outside quoted scalars and comments: a cheap bound
 * checked before the parser sees the text. The parser refuses deep nesting
 * itself, but only after spending tens of seconds on a few million levels.
 * A quote opens a scalar only where YAML lets one start (after an indicator,
 * or at the start of a line), as in the parser.
 */
export function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  let prev = '\n'; // last character that is not a space or tab
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++; // '' is an escaped quote
        else quote = null;
      }
      prev = 'x';
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    if (c === '#' && (prev === '\n' || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
      continue;
    }
    if ((c === '"' || c === "'") && '\n[{,:-?'.includes(prev)) quote = c;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    prev = c;
  }
  return max;
}

/**
 * A YAML float with no fraction (`1.0`, `0.0`, `1e16`): JavaScript has one
 * number for `1.0` and `1`, Python (and so DVC's templating, which writes
 * `str(value)`) has two. Kept apart only where asked (`pyFloats`), and only
 * while templates are filled in; `toJSON` makes it a plain number again.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

const FLOAT_SOURCE = /^[-+]?(\d[\d_]*)?\.\d*([eE][-+]?\d+)?$|^[-+]?\d[\d_]*[eE][-+]?\d+$/;

export function parseYamlText(text: string, opts: { pyFloats?: boolean } = {}): ParseOutcome {
  if (text.length > MAX_DOC_BYTES) return { ok: false, code: 'too-large', message: `the text is over the ${MAX_DOC_BYTES}-byte limit for parsing` };
  const flow = flowDepth(text);
  if (flow > MAX_DEPTH) return { ok: false, code: 'too-deep', message: `brackets nest ${flow} deep (limit ${MAX_DEPTH}); not parsed` };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
  } catch (e) {
    return { ok: false, code: 'invalid', message: `not valid YAML: ${firstLine(e)}` };
  }
  const first = doc.errors[0];
  if (first) {
    const code = first.code === 'RESOURCE_EXHAUSTION' ? 'too-deep' : 'invalid';
    const at = first.linePos?.[0] ? ` (line ${first.linePos[0].line})` : '';
    return { ok: false, code, message: `not valid YAML${at}: ${firstLine(first)}` };
  }
  const depth = nodeDepth(doc.contents);
  if (depth > MAX_DEPTH) return { ok: false, code: 'too-deep', message: `the document nests ${depth} levels deep (limit ${MAX_DEPTH}); not read` };
  let value: unknown;
  try {
    if (opts.pyFloats) {
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value === 'number' && Number.isInteger(node.value) && typeof node.source === 'string' && FLOAT_SOURCE.test(node.source)) node.value = new PyFloat(node.value);
        },
      });
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    const message = firstLine(e);
    const aliases = /alias/i.test(message);
    return { ok: false, code: aliases ? 'aliases' : 'invalid', message: aliases ? `aliases expand too far (a "billion laughs" document): ${message}` : `cannot be read: ${message}` };
  }
  return {
    ok: true,
    value,
    invalidUtf8: false,
    lineOf: (path) => {
      const offset = offsetOf(doc.contents, path);
      return offset === undefined ? undefined : lines.linePos(offset).line;
    },
  };
}

/** JSON is YAML, but JSON.parse is faster and exact for numbers; lines are not tracked. */
export function parseJsonText(text: string): ParseOutcome {
  if (text.length > MAX_DOC_BYTES) return { ok: false, code: 'too-large', message: `the text is over the ${MAX_DOC_BYTES}-byte limit for parsing` };
  const flow = flowDepth(text);
  if (flow > MAX_DEPTH) return { ok: false, code: 'too-deep', message: `brackets nest ${flow} deep (limit ${MAX_DEPTH}); not parsed` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, invalidUtf8: false, lineOf: () => undefined };
  } catch (e) {
    return { ok: false, code: 'invalid', message: `not valid JSON: ${firstLine(e)}` };
  }
}

/** Parses bytes as YAML (or JSON when `json`), folding the UTF-8 check in. */
export function parseBytes(bytes: Buffer, json = false, opts: { pyFloats?: boolean } = {}): ParseOutcome {
  if (bytes.length > MAX_DOC_BYTES) return { ok: false, code: 'too-large', message: `the file is ${bytes.length} bytes, over the ${MAX_DOC_BYTES}-byte limit for parsing` };
  const { text, invalidUtf8 } = textOf(bytes);
  const parsed = json ? parseJsonText(text) : parseYamlText(text, opts);
  return parsed.ok ? { ...parsed, invalidUtf8 } : parsed;
}

/**
 * Where the node at `path` starts: for a mapping entry, its key (the value
 * of a block mapping starts on the next line); for a list item, the item.
 */
function offsetOf(root: unknown, path: DocPath): number | undefined {
  let node: unknown = root;
  let offset: number | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return undefined;
      offset = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    } else return undefined;
  }
  return offset;
}

function nodeDepth(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isMap(node)) {
      max = Math.max(max, depth);
      if (depth > MAX_DEPTH) return depth;
      for (const pair of node.items) {
        stack.push([pair.key, depth + 1]);
        stack.push([pair.value, depth + 1]);
      }
    } else if (isSeq(node)) {
      max = Math.max(max, depth);
      if (depth > MAX_DEPTH) return depth;
      for (const item of node.items) stack.push([item, depth + 1]);
    }
  }
  return max;
}

function firstLine(e: unknown): string {
  const s = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}
