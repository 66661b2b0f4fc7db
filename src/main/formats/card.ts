import { isRecord, someKeys } from './json-file';
import { defineReader } from './report';
import { clip, readTextPrefix } from './text';
import { parseYaml } from './yaml-text';

/** Cards are a few KB to a few hundred; the front matter is at the top. */
const MAX_CARD_BYTES = 1024 * 1024;
const MAX_LIST = 50;

/**
 * Hugging Face model and dataset cards: README.md whose YAML front matter
 * names the license, base model and datasets, which lineage uses as evidence.
 */
export const cardReader = defineReader({
  id: 'card',
  kind: 'card',
  extensions: [],
  matchName: (base) => base === 'readme.md' || (base.endsWith('.md') && /card/.test(base)),
  inspect: async (src, report) => {
    const { text, validUtf8 } = await readTextPrefix(src, MAX_CARD_BYTES);
    if (!validUtf8) report.warning('card-invalid-utf8', 'the card is not valid UTF-8');
    const front = frontMatter(text);
    report.summary.hasFrontMatter = front !== undefined;
    report.summary.title = clip(/^#\s+(.+)$/m.exec(front ? text.slice(front.end) : text)?.[1]?.trim() ?? '', 256) || undefined;
    if (!front) return;
    const meta = parseYaml(front.yaml, report, 'the front matter');
    if (meta === undefined) return;
    if (!isRecord(meta)) {
      report.warning('card-front-matter-not-mapping', 'the front matter is not a mapping of keys');
      return;
    }
    Object.assign(report.summary, {
      keys: someKeys(meta, 100),
      license: listOrString(meta.license),
      baseModel: listOrString(meta.base_model),
      datasets: listOrString(meta.datasets),
      language: listOrString(meta.language),
      tags: listOrString(meta.tags),
      libraryName: listOrString(meta.library_name),
      pipelineTag: listOrString(meta.pipeline_tag),
    });
  },
});

/**
 * The line that opens front matter: `---`, after blank lines if any, as
 * huggingface_hub's REGEX_YAML_BLOCK (`^(\s*---[\r\n]+)`) takes it.
 */
export const FRONT_MATTER_OPEN = /^\s*---[ \t]*\r?\n/;

/** `---` on the first line that is not blank, YAML, then `---` on a line of its own. */
export function frontMatter(text: string): { yaml: string; end: number } | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const offset = text.length - body.length;
  const open = FRONT_MATTER_OPEN.exec(body);
  if (!open) return undefined;
  const close = /^---[ \t]*$/m.exec(body.slice(open[0].length));
  if (!close) return undefined;
  const yamlEnd = open[0].length + close.index;
  return { yaml: body.slice(open[0].length, yamlEnd), end: offset + yamlEnd + close[0].length };
}

function listOrString(v: unknown): string | string[] | undefined {
  if (typeof v === 'string') return clip(v, 256);
  if (Array.isArray(v)) return v.slice(0, MAX_LIST).filter((x) => typeof x === 'string').map((x: string) => clip(x, 256));
  return undefined;
}
