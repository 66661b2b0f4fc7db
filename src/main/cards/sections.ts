import { mitchellSectionOf, type CardSection } from '../../shared/cards';

/**
 * A card's markdown body as a list of sections, for reordering by drag and
 * drop and for replacing one section's text. Joining the sections gives the
 * body back byte for byte; sections that are not edited are not touched.
 *
 * A section starts at an ATX heading (`#` to `######`) outside fenced code,
 * at or above the split level, and runs to the next one: deeper headings stay
 * inside their section, so a section moves with its subsections. The split
 * level is, unless given, the shallowest heading level used twice or more
 * (the `##` of `# Title` + `## Model Details` + `## Intended Use`).
 */

interface Heading {
  offset: number;
  level: number;
  title: string;
}

export function headings(body: string): Heading[] {
  const out: Heading[] = [];
  let fence: string | null = null;
  let offset = 0;
  for (const line of body.split(/(?<=\n)/)) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && /^ {0,3}[`~]+[ \t]*\r?\n?$/.test(line)) fence = null;
    } else if (f) fence = f[1]!;
    else {
      const h = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\r?\n?$/.exec(line);
      if (h) out.push({ offset, level: h[1]!.length, title: (h[2] ?? '').trim() });
    }
    offset += line.length;
  }
  return out;
}

export function splitSections(body: string, opts: { level?: number } = {}): CardSection[] {
  const hs = headings(body);
  const level = opts.level ?? defaultLevel(hs);
  const cuts = hs.filter((h) => h.level <= level);
  const sections: CardSection[] = [];
  const firstAt = cuts[0]?.offset ?? body.length;
  if (firstAt > 0 || cuts.length === 0) sections.push({ id: 'preamble', title: '', level: 0, text: body.slice(0, firstAt) });
  cuts.forEach((h, i) => {
    const end = cuts[i + 1]?.offset ?? body.length;
    const mitchell = mitchellSectionOf(h.title);
    sections.push({ id: `s${i}`, title: h.title, level: h.level, ...(mitchell ? { mitchell } : {}), text: body.slice(h.offset, end) });
  });
  return sections;
}

function defaultLevel(hs: Heading[]): number {
  const counts = new Map<number, number>();
  for (const h of hs) counts.set(h.level, (counts.get(h.level) ?? 0) + 1);
  for (let l = 1; l <= 6; l++) if ((counts.get(l) ?? 0) >= 2) return l;
  return hs.reduce((m, h) => Math.max(m, h.level), 1);
}

export function joinSections(sections: readonly CardSection[]): string {
  return sections.map((s) => s.text).join('');
}

/**
 * Moves the section at `from` to index `to`. A section that ended the body
 * without a line break gets one when something follows it, so that the next
 * heading still starts a line; every other section keeps its bytes.
 */
export function moveSection(sections: readonly CardSection[], from: number, to: number, eol = '\n'): CardSection[] {
  if (from < 0 || from >= sections.length || to < 0 || to >= sections.length) throw new RangeError(`no section at ${from < 0 || from >= sections.length ? from : to}`);
  const out = [...sections];
  const [moved] = out.splice(from, 1);
  out.splice(to, 0, moved!);
  return terminate(out, eol);
}

/** Replaces one section's text (heading included); the others keep their bytes. */
export function replaceSection(sections: readonly CardSection[], id: string, text: string, eol = '\n'): CardSection[] {
  const i = sections.findIndex((s) => s.id === id);
  if (i < 0) throw new RangeError(`no section "${id}"`);
  const hs = headings(text);
  const out = sections.map((s, j) => (j === i ? { ...s, text, title: hs[0]?.title ?? s.title, level: hs[0]?.level ?? s.level } : s));
  return terminate(out, eol);
}

function terminate(sections: CardSection[], eol: string): CardSection[] {
  return sections.map((s, i) => (i < sections.length - 1 && s.text !== '' && !s.text.endsWith('\n') ? { ...s, text: s.text + eol } : s));
}
