import { Document, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, type Pair, type Scalar } from 'yaml';
import { isRecord } from '../lineage/readers/plain/safe-yaml';
import { joinCard, parseMeta, splitCard, type CardParts } from './parse';

/**
 * Metadata edits that leave every other byte of the card as it was. The
 * `yaml` document locates a top-level entry (its key through the end of its
 * value); only those lines are replaced by the new entry, rendered in the
 * card's own style (line ending, list indentation, flow or block as before,
 * the old quoting). `Document#toString` is never used on the whole front
 * matter: it would re-flow comments, quotes and spacing everywhere.
 * Every edit is checked by parsing the result: if any other key reads
 * differently, the edit is refused.
 */

export class CardEditError extends Error {
  override readonly name = 'CardEditError';
}

/** Sets (or, with `undefined`, removes) top-level metadata keys, in order. */
export function setMetadata(text: string, changes: Record<string, unknown> | [string, unknown][]): string {
  let out = text;
  for (const [key, value] of Array.isArray(changes) ? changes : Object.entries(changes)) out = setOne(out, key, value);
  return out;
}

interface Style {
  indent: number;
  indentSeq: boolean;
}

function setOne(text: string, key: string, value: unknown): string {
  const parts = splitCard(text);
  if (parts.fence === 'foreign') throw new CardEditError(`the front matter is "${parts.foreignLang}", not YAML; Pedigree never evaluates it and does not edit it`);
  if (parts.fence === 'none') {
    if (/^---[ \t]*\r?\n/.test(parts.body)) throw new CardEditError('the front matter opened on line 1 is never closed; fix the file first');
    if (value === undefined) return text;
    const entry = render(key, value, { indent: 2, indentSeq: false }, parts.eol);
    return joinCard({ ...parts, open: `---${parts.eol}`, yaml: entry, close: `---${parts.eol}` });
  }
  const parsed = parseMeta(parts.yaml);
  if (!parsed.ok) throw new CardEditError(`the front matter is not valid YAML${parsed.line ? ` (line ${parts.yamlLine + parsed.line - 1})` : ''}: ${parsed.message}; fix it before editing`);
  const { doc } = parsed;
  const before: Record<string, unknown> = parsed.value === null || parsed.value === undefined ? {} : (parsed.value as Record<string, unknown>);
  if (doc.contents !== null && !(isMap(doc.contents) && !doc.contents.flow)) throw new CardEditError('the front matter is not a block mapping of keys; edit the file by hand');
  const items = isMap(doc.contents) ? doc.contents.items : [];
  const matches = items.filter((p) => keyOf(p) === key);
  if (matches.length > 1) throw new CardEditError(`key "${key}" appears ${matches.length} times in the front matter; remove the duplicates first`);
  const style = detectStyle(parts.yaml, items);
  let yaml: string;
  const pair = matches[0];
  if (pair) {
    const { start, end, tail } = span(parts.yaml, pair);
    if (value === undefined) yaml = parts.yaml.slice(0, start) + parts.yaml.slice(end);
    else {
      let entry = render(key, value, style, parts.eol, pair, parts.yaml);
      if (tail) entry = entry.replace(/\r?\n/, (nl) => `${tail}${nl}`);
      yaml = parts.yaml.slice(0, start) + entry + parts.yaml.slice(end);
    }
  } else {
    if (value === undefined) return text;
    const sep = parts.yaml === '' || parts.yaml.endsWith('\n') ? '' : parts.eol;
    yaml = parts.yaml + sep + render(key, value, style, parts.eol);
  }
  const result = joinCard({ ...parts, yaml });
  verify(parts, yaml, before, key, value);
  return result;
}

function keyOf(p: unknown): string | undefined {
  return isPair(p) && isScalar(p.key) ? String(p.key.value) : undefined;
}

/**
 * The lines an entry occupies: from the start of its key's line to the end of
 * its value's last line. A comment after a one-line value is returned as
 * `tail`, to be kept after the new value.
 */
function span(yaml: string, pair: Pair): { start: number; end: number; tail: string } {
  const keyStart = (pair.key as Scalar).range![0];
  const start = yaml.lastIndexOf('\n', keyStart - 1) + 1;
  const valueEnd = (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (pair.key as Scalar).range![1];
  if (yaml[valueEnd - 1] === '\n') return { start, end: valueEnd, tail: '' };
  const nl = yaml.indexOf('\n', valueEnd);
  const lineEnd = nl < 0 ? yaml.length : nl + 1;
  const rest = yaml.slice(valueEnd, lineEnd).replace(/\r?\n$/, '');
  return { start, end: lineEnd, tail: /^[ \t]*(#.*)?$/.test(rest) ? rest : '' };
}

/** List indentation and mapping indent as the card already writes them; PyYAML's defaults otherwise (what huggingface_hub writes). */
function detectStyle(yaml: string, items: unknown[]): Style {
  const style: Style = { indent: 2, indentSeq: false };
  let seqSeen = false;
  let mapSeen = false;
  for (const p of items) {
    if (!isPair(p) || !isScalar(p.key) || !isCollection(p.value) || p.value.flow) continue;
    const first = p.value.items[0] as unknown;
    const at = isPair(first) ? (first.key as { range?: number[] } | null)?.range?.[0] : (first as { range?: number[] } | undefined)?.range?.[0];
    if (at === undefined) continue;
    const col = at - (yaml.lastIndexOf('\n', at - 1) + 1);
    if (isSeq(p.value) && !seqSeen) {
      // `col` is where the item's value starts, after "- "
      style.indentSeq = col - 2 > 0;
      seqSeen = true;
    } else if (isMap(p.value) && !mapSeen && col > 0) {
      style.indent = col;
      mapSeen = true;
    }
  }
  return style;
}

/** `key: value` as YAML lines ending in `eol`, keeping an old entry's flow style and quotes. */
function render(key: string, value: unknown, style: Style, eol: string, old?: Pair, source = ''): string {
  const doc = new Document({ [key]: value });
  const pair = (doc.contents as { items: Pair[] }).items[0]!;
  const was = old?.value as unknown;
  if (isCollection(pair.value) && isCollection(was) && was.flow) pair.value.flow = true;
  if (isScalar(pair.value) && isScalar(was) && typeof pair.value.value === 'string' && typeof (was as Scalar).value === 'string') {
    const type = (was as Scalar).type;
    if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') pair.value.type = type;
  }
  // `[a, b]` or `[ a, b ]`, as the old flow collection was written
  const range = isCollection(was) ? was.range : undefined;
  const padded = range ? /^[[{][ \t]/.test(source.slice(range[0], range[1])) : false;
  const s = doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0, flowCollectionPadding: padded });
  return eol === '\n' ? s : s.replace(/\n/g, eol);
}

/** Refuses an edit after which any key other than `key` reads differently, or `key` is not `value`. */
function verify(parts: CardParts, yaml: string, before: Record<string, unknown>, key: string, value: unknown): void {
  const after = parseMeta(yaml);
  if (!after.ok) throw new CardEditError(`internal: the edited front matter does not parse (${after.message}); nothing was changed`);
  const expected: Record<string, unknown> = { ...before };
  if (value === undefined) delete expected[key];
  else expected[key] = JSON.parse(JSON.stringify(value)) as unknown;
  const got = (after.value ?? {}) as Record<string, unknown>;
  if (!isRecord(got) || JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new CardEditError(`internal: editing "${key}" would change other metadata in ${parts.yamlLine > 0 ? 'the front matter' : 'the card'}; nothing was changed`);
  }
}

/** Keys `card set` refuses: structures better edited in the file (or the editor's form). */
const COMPLEX_KEYS = new Set(['model-index', 'widget', 'cardData']);
const MAX_CLI_DEPTH = 1;

/**
 * Parses `KEY=VALUE` from the command line: VALUE is a YAML scalar or a flat
 * flow list or mapping (`tags=[a, b]`, `license=mit`, `x={a: 1}`); nested
 * keys and structured values are refused with a hint to edit the file.
 */
export function parseAssignment(arg: string): { key: string; value: unknown } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new CardEditError(`"${arg}" is not KEY=VALUE`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (!/^[A-Za-z_][\w-]*$/.test(key)) {
    throw new CardEditError(key.includes('.') ? `"${key}": card set edits top-level keys only; edit nested values in the file` : `"${key}" is not a metadata key (letters, digits, "_" and "-")`);
  }
  if (COMPLEX_KEYS.has(key)) throw new CardEditError(`${key} is a structure too complex for card set; edit the file (or use the card editor)`);
  if (raw.trim() === '') throw new CardEditError(`${key}= has no value`);
  const doc = parseDocument(raw, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new CardEditError(`${key}: the value is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); quote it`);
  const node = doc.contents;
  if (isCollection(node)) {
    if (!node.flow) throw new CardEditError(`${key}: the value reads as a YAML block structure; quote it, or use [a, b] for a list`);
    if (depth(node.toJSON()) > MAX_CLI_DEPTH) throw new CardEditError(`${key}: nested values are too complex for card set; edit the file`);
  }
  return { key, value: doc.toJS({ maxAliasCount: 0 }) as unknown };
}

function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (isRecord(v)) return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}
