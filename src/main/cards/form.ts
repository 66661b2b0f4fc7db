import { CardForm, ModelIndexEntry } from '../../shared/cards';
import { setMetadata } from './edit';
import { readMetadata } from './parse';

/**
 * The editor's form over a card's metadata: read from the front matter, and
 * written back key by key, so that keys the form does not show, comments and
 * formatting stay as they were. A key whose form value is empty is removed;
 * a key the form leaves as it was is not rewritten at all.
 */

const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function formFromCard(text: string): CardForm {
  const m = readMetadata(text) ?? {};
  const index = ModelIndexEntry.array().safeParse(m['model-index']);
  return {
    license: str(m.license),
    licenseName: str(m.license_name),
    licenseLink: str(m.license_link),
    tags: strings(m.tags),
    datasets: strings(m.datasets),
    baseModel: strings(m.base_model),
    baseModelRelation: str(m.base_model_relation),
    metrics: strings(m.metrics),
    modelIndex: index.success ? index.data : [],
  };
}

const KEYS: [keyof CardForm, string][] = [
  ['license', 'license'],
  ['licenseName', 'license_name'],
  ['licenseLink', 'license_link'],
  ['tags', 'tags'],
  ['datasets', 'datasets'],
  ['baseModel', 'base_model'],
  ['baseModelRelation', 'base_model_relation'],
  ['metrics', 'metrics'],
  ['modelIndex', 'model-index'],
];

/** The card with the form's changes; unchanged fields leave their keys' bytes alone. */
export function applyForm(text: string, input: CardForm): string {
  const form = CardForm.parse(input);
  const was = formFromCard(text);
  const changes: [string, unknown][] = [];
  for (const [field, key] of KEYS) {
    if (JSON.stringify(was[field]) === JSON.stringify(form[field])) continue;
    const v = form[field];
    const empty = v === '' || (Array.isArray(v) && v.length === 0);
    // base_model stays a string when it was one and still names one model
    const value = field === 'baseModel' && Array.isArray(v) && v.length === 1 && typeof readMetadata(text)?.base_model === 'string' ? v[0] : v;
    changes.push([key, empty ? undefined : value]);
  }
  return changes.length > 0 ? setMetadata(text, changes) : text;
}
