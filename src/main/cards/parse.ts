import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { FRONT_MATTER_OPEN, frontMatter } from '../formats/card';
import { flowDepth, MAX_ALIASES, MAX_DEPTH } from '../lineage/readers/plain/safe-yaml';

/**
 * A card's text cut into parts that concatenate back to it exactly:
 * `bom + open + yaml + close + body`. Nothing is normalised (line endings,
 * trailing spaces, a missing final newline all stay), so reading and writing
 * a card without edits is byte-identical by construction, and an edit splices
 * new text into one part.
 */
export interface CardParts {
  bom: string;
  /** The opening `---` line with its line ending, or '' when there is no YAML front matter. */
  open: string;
  yaml: string;
  /** The closing `---` line with its line ending (none at the end of the file). */
  close: string;
  body: string;
  /** The card's line ending: the first one in the file, else `\n`. */
  eol: '\n' | '\r\n';
  /**
   * `yaml`: front matter present; `none`: there is none; `foreign`: a `---js`,
   * `---json`, `---toml` or `+++` fence, never evaluated, kept in `body`.
   */
  fence: 'yaml' | 'none' | 'foreign';
  foreignLang?: string;
  /** 1-based line of the first front-matter line in the file. */
  yamlLine: number;
}

const FOREIGN = /^(?:---[ \t]*([A-Za-z][\w-]*)[ \t]*\r?\n|\+\+\+[ \t]*\r?\n)/;

export function splitCard(text: string): CardParts {
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const rest = text.slice(bom.length);
  const eol = /\r?\n/.exec(text)?.[0] === '\r\n' ? '\r\n' : '\n';
  const foreign = FOREIGN.exec(rest);
  if (foreign && !/^ya?ml$/i.test(foreign[1] ?? '')) {
    return { bom, open: '', yaml: '', close: '', body: rest, eol, fence: 'foreign', foreignLang: foreign[1] ?? 'toml', yamlLine: 1 };
  }
  // `---yaml` is YAML under another name: formats/card.ts does not take it, so neither does the editor.
  const front = foreign ? undefined : frontMatter(text);
  if (!front) return { bom, open: '', yaml: '', close: '', body: rest, eol, fence: 'none', yamlLine: 1 };
  const openLen = FRONT_MATTER_OPEN.exec(rest)![0].length;
  const yamlEnd = bom.length + openLen + front.yaml.length;
  const nl = /^\r?\n/.exec(text.slice(front.end))?.[0] ?? '';
  return {
    bom,
    open: rest.slice(0, openLen),
    yaml: front.yaml,
    close: text.slice(yamlEnd, front.end + nl.length),
    body: text.slice(front.end + nl.length),
    eol,
    fence: 'yaml',
    yamlLine: rest.slice(0, openLen).split('\n').length,
  };
}

export function joinCard(p: Pick<CardParts, 'bom' | 'open' | 'yaml' | 'close' | 'body'>): string {
  return p.bom + p.open + p.yaml + p.close + p.body;
}

export type MetaParse =
  | { ok: true; doc: Document.Parsed; value: unknown; lines: LineCounter }
  | { ok: false; message: string; /** 1-based line in the front matter */ line?: number };

/**
 * Parses front-matter YAML into a document (kept for editing and for the
 * line of each key) and plain data, never evaluating tags; aliases and
 * nesting are capped as for every other YAML Pedigree reads.
 */
export function parseMeta(yaml: string): MetaParse {
  const depth = flowDepth(yaml);
  if (depth > MAX_DEPTH) return { ok: false, message: `brackets nest ${depth} deep (limit ${MAX_DEPTH})` };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(yaml, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, keepSourceTokens: true, merge: true });
  } catch (e) {
    return { ok: false, message: firstLine(e) };
  }
  const err = doc.errors[0];
  if (err) return { ok: false, message: firstLine(err), line: err.linePos?.[0]?.line };
  try {
    return { ok: true, doc, value: doc.toJS({ maxAliasCount: MAX_ALIASES }), lines };
  } catch (e) {
    return { ok: false, message: firstLine(e) };
  }
}

/** The metadata as plain data: `{}` when the card has none, undefined when it cannot be read as a mapping. */
export function readMetadata(text: string): Record<string, unknown> | undefined {
  const parts = splitCard(text);
  if (parts.fence !== 'yaml') return parts.fence === 'none' ? {} : undefined;
  const parsed = parseMeta(parts.yaml);
  if (!parsed.ok) return undefined;
  if (parsed.value === null || parsed.value === undefined) return {};
  return isMap(parsed.doc.contents) ? (parsed.value as Record<string, unknown>) : undefined;
}

export function firstLine(e: unknown): string {
  const s = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
