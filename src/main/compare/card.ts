import { parse } from 'yaml';
import { frontMatter } from '../formats/card';
import type { CardComparison, CardSection, WordOp } from '../../shared/compare';
import { diffKeyed, keyStatus } from './diff';
import { wordDiff } from './word-diff';

/**
 * Model cards side by side: the YAML front matter as flattened keys, the
 * markdown body as sections matched by heading, each with a word-level diff.
 * Deliberately minimal and local (lossless card editing lives elsewhere).
 */

export interface ParsedCard {
  metadata: Record<string, unknown>;
  body: string;
  problem: string | null;
}

/** Front matter found as the card readers find it (formats/card.ts: after blank lines too, as huggingface_hub does). */
export function parseCard(text: string): ParsedCard {
  const front = frontMatter(text);
  if (!front) return { metadata: {}, body: text, problem: null };
  const body = text.slice(front.end).replace(/^\r?\n/, '');
  try {
    const meta: unknown = parse(front.yaml, { maxAliasCount: 100, merge: true });
    if (meta === null || meta === undefined) return { metadata: {}, body, problem: null };
    if (typeof meta !== 'object' || Array.isArray(meta)) return { metadata: {}, body, problem: 'the front matter is not a mapping' };
    return { metadata: meta as Record<string, unknown>, body, problem: null };
  } catch (e) {
    return { metadata: {}, body, problem: `the front matter is not valid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * Metadata as `key.sub` leaves: mappings open up, lists of scalars stay one
 * value (`datasets`), lists of mappings are indexed (`model-index[0].results[0]…`).
 */
export function flattenMetadata(value: unknown, prefix = '', out = new Map<string, unknown>(), depth = 0): Map<string, unknown> {
  if (out.size > 5000 || (prefix === '' && value && typeof value === 'object' && Object.keys(value).length === 0)) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (depth < 8 && isObj(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flattenMetadata(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  } else if (depth < 8 && Array.isArray(value) && value.some(isObj)) {
    value.forEach((v, i) => flattenMetadata(v, `${prefix}[${i}]`, out, depth + 1));
  } else out.set(prefix, value);
  return out;
}

export interface Section {
  heading: string;
  /** Heading text, lower-cased, with its occurrence number when it repeats. */
  key: string;
  text: string;
}

/** The body split at ATX headings (`#`…`######`) outside fenced code; text before the first heading is the preamble. */
export function splitSections(body: string): Section[] {
  const out: Section[] = [];
  const counts = new Map<string, number>();
  let heading = '(preamble)';
  let lines: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    const text = lines.join('\n').trim();
    if (heading !== '(preamble)' || text) {
      const base = heading === '(preamble)' ? '' : heading.replace(/^#+\s*/, '').replace(/\s+/g, ' ').trim().toLowerCase();
      const n = (counts.get(base) ?? 0) + 1;
      counts.set(base, n);
      out.push({ heading, key: n > 1 ? `${base} (${n})` : base, text });
    }
  };
  for (const line of body.split(/\r?\n/)) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = null;
    }
    const h = fence === null ? /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (h) {
      flush();
      heading = `${h[1]} ${h[2]}`;
      lines = [];
    } else lines.push(line);
  }
  flush();
  return out;
}

/** Cards per column (null where a column has none), compared against the first. */
export function compareCards(cards: ({ text: string; where: string } | null)[]): CardComparison {
  const notes: string[] = [];
  const parsed = cards.map((c, i) => {
    if (!c) return null;
    const p = parseCard(c.text);
    if (p.problem) notes.push(`column ${i + 1}: ${p.problem}`);
    return p;
  });
  if (parsed.every((p) => p === null)) notes.push('no column has a model card');
  const metadata = diffKeyed(parsed.map((p) => flattenMetadata(p?.metadata ?? {})));
  const split = parsed.map((p) => (p ? splitSections(p.body) : []));
  const keys: string[] = [];
  const headings = new Map<string, string>();
  for (const s of split.flat()) {
    if (!headings.has(s.key)) {
      keys.push(s.key);
      headings.set(s.key, s.heading);
    }
  }
  const sections: CardSection[] = keys.map((key) => {
    const texts = split.map((ss) => ss.find((s) => s.key === key)?.text ?? null);
    const status = keyStatus(texts);
    const first = texts[0] ?? '';
    const diffs: (WordOp[] | null)[] = texts.map((t, i) => (i === 0 || status === 'same' ? null : wordDiff(first ?? '', t ?? '')));
    return { heading: headings.get(key)!, status, diffs };
  });
  return { cards: cards.map((c) => c?.where ?? null), metadata, sections, notes };
}
