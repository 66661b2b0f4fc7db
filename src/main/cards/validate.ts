import { isMap, isPair, isScalar, visit, type Document, type LineCounter } from 'yaml';
import { BASE_MODEL_RELATIONS, isHubLicense, modelIndexProblems, type CardFinding } from '../../shared/cards';
import { parseMeta, splitCard } from './parse';

/** Keys the Hub reads as lists of strings; a lone string is read as a list of one. */
const LIST_KEYS = ['datasets', 'tags', 'base_model', 'language', 'metrics'] as const;
/** Where the spec itself allows one string (`Union[str, List[str]]` in `ModelCardData`), a string is no finding. */
const STRING_OK = new Set<string>(['base_model', 'language']);

/**
 * Checks a card as the Hub's metadata spec (huggingface_hub `repocard_data.py`)
 * reads it. Never throws and never evaluates anything: a `---js` fence is
 * reported, not run. Findings name the key and the line in the file.
 */
export function checkCard(text: string): CardFinding[] {
  const out: CardFinding[] = [];
  const parts = splitCard(text);
  if (parts.bom) out.push({ severity: 'warning', code: 'card-bom', message: 'the card starts with a byte-order mark (U+FEFF); some tools then miss the front matter', line: 1 });
  if (parts.fence === 'foreign') {
    out.push({ severity: 'warning', code: 'card-front-matter-not-yaml', message: `the front matter is ${parts.foreignLang === 'toml' ? 'TOML (+++)' : `"---${parts.foreignLang}"`}, not YAML: it is never evaluated, and the Hub ignores it`, line: 1 });
    return out;
  }
  if (parts.fence === 'none') {
    if (/^---[ \t]*\r?\n/.test(parts.body)) out.push({ severity: 'error', code: 'card-front-matter-unclosed', message: 'the front matter opened on line 1 is never closed by a "---" line', line: 1 });
    else out.push({ severity: 'info', code: 'card-no-metadata', message: 'the card has no metadata (YAML front matter between "---" lines)' });
    return out;
  }
  const parsed = parseMeta(parts.yaml);
  const fileLine = (yamlLine: number) => parts.yamlLine + yamlLine - 1;
  if (!parsed.ok) {
    out.push({ severity: 'error', code: 'card-front-matter-invalid', message: `the front matter is not valid YAML: ${parsed.message}`, ...(parsed.line ? { line: fileLine(parsed.line) } : {}) });
    return out;
  }
  const { doc, value, lines } = parsed;
  if (value === null || value === undefined) {
    out.push({ severity: 'info', code: 'card-metadata-empty', message: 'the front matter is empty', line: 1 });
    return out;
  }
  if (!isMap(doc.contents)) {
    out.push({ severity: 'error', code: 'card-front-matter-not-mapping', message: 'the front matter is not a mapping of keys', line: parts.yamlLine });
    return out;
  }
  const lineOfKey = (key: string): number | undefined => {
    const pair = (doc.contents as { items: unknown[] }).items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    const start = isPair(pair) && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return start === undefined ? undefined : fileLine(lines.linePos(start).line);
  };
  out.push(...duplicateKeys(doc, lines, fileLine));
  const meta = value as Record<string, unknown>;
  const at = (key: string) => {
    const line = lineOfKey(key);
    return line === undefined ? { key } : { key, line };
  };

  const license = meta.license;
  if (license === undefined) out.push({ severity: 'info', code: 'card-license-missing', message: 'no license: add `license` (an identifier from the Hub\'s list)' });
  else if (typeof license !== 'string') out.push({ severity: 'error', code: 'card-license-type', message: `license is a ${kindOf(license)}; the Hub expects one identifier (a string)`, ...at('license') });
  else if (!isHubLicense(license)) out.push({ severity: 'error', code: 'card-license-unknown', message: `license "${license}" is not one the Hub knows; use an identifier from its list, or "other" with license_name and license_link`, ...at('license') });
  else if (license === 'other' && typeof meta.license_name !== 'string') {
    out.push({ severity: 'warning', code: 'card-license-name-missing', message: 'license is "other" but license_name is missing', ...at('license') });
  }

  for (const key of LIST_KEYS) {
    const v = meta[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') {
      if (!STRING_OK.has(key)) out.push({ severity: 'info', code: `card-${key.replace('_', '-')}-string`, message: `${key} is a string; the Hub reads it as a list of one ("${clip(v)}")`, ...at(key) });
    } else if (!Array.isArray(v)) {
      out.push({ severity: 'error', code: `card-${key.replace('_', '-')}-type`, message: `${key} is a ${kindOf(v)}; the Hub expects a list of strings`, ...at(key) });
    } else {
      const bad = v.findIndex((x) => typeof x !== 'string');
      if (bad >= 0) out.push({ severity: 'error', code: `card-${key.replace('_', '-')}-type`, message: `${key}[${bad}] is a ${kindOf(v[bad])}; the Hub expects strings`, ...at(key) });
    }
  }

  const relation = meta.base_model_relation;
  if (relation !== undefined && relation !== null) {
    if (typeof relation !== 'string' || !(BASE_MODEL_RELATIONS as readonly string[]).includes(relation)) {
      out.push({ severity: 'error', code: 'card-base-model-relation', message: `base_model_relation is ${JSON.stringify(relation)}; the Hub accepts ${BASE_MODEL_RELATIONS.join(', ')}`, ...at('base_model_relation') });
    } else if (meta.base_model === undefined) {
      out.push({ severity: 'warning', code: 'card-base-model-relation-alone', message: 'base_model_relation is set but base_model is not', ...at('base_model_relation') });
    }
  }

  if (meta['model-index'] !== undefined) {
    for (const problem of modelIndexProblems(meta['model-index']).slice(0, 20)) {
      out.push({ severity: 'error', code: 'card-model-index', message: problem, ...at('model-index') });
    }
  }
  return out;
}

/** Duplicate keys in any mapping: YAML forbids them and readers disagree on which one wins. */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter, fileLine: (n: number) => number): CardFinding[] {
  const out: CardFinding[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = String(pair.key.value);
        if (seen.has(k)) {
          const start = pair.key.range?.[0];
          out.push({ severity: 'error', code: 'card-duplicate-key', message: `key "${clip(k)}" appears more than once in the same mapping; readers disagree on which value wins`, key: k, ...(start !== undefined ? { line: fileLine(lines.linePos(start).line) } : {}) });
        }
        seen.add(k);
      }
    },
  });
  return out;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  return typeof v;
}

function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
