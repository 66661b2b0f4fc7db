import { z } from 'zod';

/**
 * Model cards as they cross the API: the Hub's metadata vocabulary (license
 * identifiers, base-model relations), validation findings, the sections of
 * Mitchell et al.'s "Model Cards for Model Reporting", the lineage facts a
 * card can be linked to, and the editor's form with its pure validator, which
 * the UI and the core both run.
 */

/**
 * The license identifiers the Hub accepts in a card's `license` key, from the
 * Hub documentation's "Licenses" page (hub-docs `docs/hub/repositories-licenses.md`).
 * `other` asks for `license_name` (and usually `license_link`).
 */
export const HUB_LICENSES = [
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0', 'bigcode-openrail-m',
  'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause', 'bsd-3-clause-clear', 'c-uda',
  'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0', 'cc-by-sa-3.0', 'cc-by-sa-4.0',
  'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0', 'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0',
  'cdla-sharing-1.0', 'cdla-permissive-1.0', 'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0', 'epl-2.0', 'etalab-2.0',
  'eupl-1.1', 'eupl-1.2', 'agpl-3.0', 'gfdl', 'gpl', 'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1', 'lgpl-3.0', 'isc',
  'h-research', 'intel-research', 'lppl-1.3c', 'ms-pl', 'apple-ascl', 'apple-amlr', 'mpl-2.0', 'odc-by', 'odbl', 'openmdw-1.0',
  'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1', 'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr', 'deepfloyd-if-license',
  'fair-noncommercial-research-license', 'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'llama4', 'grok2-community', 'gemma',
  'unknown', 'other',
] as const;
export type HubLicense = (typeof HUB_LICENSES)[number];

export function isHubLicense(id: string): id is HubLicense {
  return (HUB_LICENSES as readonly string[]).includes(id);
}

/** `base_model_relation`, as huggingface_hub's `ModelCardData` documents it. */
export const BASE_MODEL_RELATIONS = ['adapter', 'merge', 'quantized', 'finetune'] as const;
export const BaseModelRelation = z.enum(BASE_MODEL_RELATIONS);
export type BaseModelRelation = z.infer<typeof BaseModelRelation>;

// ------------------------------------------------------------------ findings

export const CardSeverity = z.enum(['error', 'warning', 'info']);
export type CardSeverity = z.infer<typeof CardSeverity>;

export const CardFinding = z.object({
  severity: CardSeverity,
  /** `card-*`, stable for tests and filters. */
  code: z.string(),
  message: z.string(),
  /** The top-level metadata key the finding is about, when there is one. */
  key: z.string().optional(),
  /** 1-based line in the card file. */
  line: z.number().int().positive().optional(),
});
export type CardFinding = z.infer<typeof CardFinding>;

// ------------------------------------------------------------------ sections

/** The sections of Mitchell et al. (2019), in the paper's order, with the headings Pedigree writes. */
export const MITCHELL_SECTIONS = [
  { id: 'model-details', heading: 'Model Details' },
  { id: 'intended-use', heading: 'Intended Use' },
  { id: 'factors', heading: 'Factors' },
  { id: 'metrics', heading: 'Metrics' },
  { id: 'evaluation-data', heading: 'Evaluation Data' },
  { id: 'training-data', heading: 'Training Data' },
  { id: 'quantitative-analyses', heading: 'Quantitative Analyses' },
  { id: 'ethical-considerations', heading: 'Ethical Considerations' },
  { id: 'caveats-and-recommendations', heading: 'Caveats and Recommendations' },
] as const;
export type MitchellSectionId = (typeof MITCHELL_SECTIONS)[number]['id'];

/** Which Mitchell section a heading's text names, if any (case, punctuation and "&" forgiven). */
export function mitchellSectionOf(heading: string): MitchellSectionId | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z]+/g, ' ').trim();
  const h = norm(heading);
  return MITCHELL_SECTIONS.find((s) => norm(s.heading) === h)?.id;
}

export const CardSection = z.object({
  /** Stable within one split: `preamble` for text before the first heading, else `s<index>`. */
  id: z.string(),
  /** The heading's text without `#`s; empty for the preamble. */
  title: z.string(),
  /** 0 for the preamble, else the ATX heading level (1–6). */
  level: z.number().int().min(0).max(6),
  mitchell: z.string().optional(),
  /** The section's exact text, heading line included. */
  text: z.string(),
});
export type CardSection = z.infer<typeof CardSection>;

// ------------------------------------------------------------------ lineage

/** What lineage knows about a checkpoint, as plain facts a card can be linked to or generated from. */
export const LineageFacts = z.object({
  /**
   * `hub`: true when `name` is a Hub dataset id (it then goes in the card's
   * `datasets`), false for a local name; when absent, guessed from the name.
   */
  datasets: z.array(z.object({ name: z.string().min(1), digest: z.string().optional(), hub: z.boolean().optional() })).default([]),
  baseModel: z.string().optional(),
  baseModelRelation: BaseModelRelation.optional(),
  codeRevision: z.string().optional(),
  hyperparameters: z.record(z.string(), z.unknown()).default({}),
});
export type LineageFacts = z.input<typeof LineageFacts>;

export const GenerateCardMeta = z.object({
  modelName: z.string().min(1),
  license: z.string().optional(),
  licenseName: z.string().optional(),
  licenseLink: z.string().optional(),
  tags: z.array(z.string()).optional(),
  libraryName: z.string().optional(),
  pipelineTag: z.string().optional(),
  language: z.array(z.string()).optional(),
  description: z.string().optional(),
});
export type GenerateCardMeta = z.infer<typeof GenerateCardMeta>;

// ------------------------------------------------------------------ the editor's form

export const ModelIndexMetric = z.object({ type: z.string(), value: z.union([z.number(), z.string()]), name: z.string().optional() });
export const ModelIndexResult = z.object({
  task: z.object({ type: z.string(), name: z.string().optional() }),
  dataset: z.object({ type: z.string(), name: z.string(), config: z.string().optional(), split: z.string().optional() }),
  metrics: z.array(ModelIndexMetric),
});
export const ModelIndexEntry = z.object({ name: z.string(), results: z.array(ModelIndexResult) });
export type ModelIndexEntry = z.infer<typeof ModelIndexEntry>;

/** The metadata fields the editor shows; keys it does not show stay in the file untouched. */
export const CardForm = z.object({
  license: z.string(),
  licenseName: z.string(),
  licenseLink: z.string(),
  tags: z.array(z.string()),
  datasets: z.array(z.string()),
  baseModel: z.array(z.string()),
  baseModelRelation: z.string(),
  metrics: z.array(z.string()),
  modelIndex: z.array(ModelIndexEntry),
});
export type CardForm = z.infer<typeof CardForm>;

export type CardFormProblems = Partial<Record<keyof CardForm, string>>;

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/** What is wrong with the form, per field; `{}` when it can be saved. */
export function cardFormProblems(form: CardForm): CardFormProblems {
  const p: CardFormProblems = {};
  if (form.license && !isHubLicense(form.license)) p.license = `"${form.license}" is not a license the Hub knows; choose one from the list, or "other" with a license name`;
  if (form.license === 'other' && !form.licenseName.trim()) p.licenseName = 'license "other" needs a license name';
  if (form.licenseLink && !/^(?:https?:\/\/|\.{0,2}\/|[\w.-]+$)/.test(form.licenseLink)) p.licenseLink = 'a license link is a URL or a file in the repository (e.g. LICENSE)';
  const blank = (xs: string[]) => xs.findIndex((x) => !x.trim());
  if (blank(form.tags) >= 0) p.tags = `tag ${blank(form.tags) + 1} is empty`;
  const badRepo = (xs: string[]) => xs.find((x) => !REPO_ID.test(x));
  const ds = badRepo(form.datasets);
  if (ds !== undefined) p.datasets = `"${ds}" is not a Hub dataset id (name or owner/name)`;
  const bm = badRepo(form.baseModel);
  if (bm !== undefined) p.baseModel = `"${bm}" is not a Hub model id (name or owner/name)`;
  if (form.baseModelRelation && !(BASE_MODEL_RELATIONS as readonly string[]).includes(form.baseModelRelation)) {
    p.baseModelRelation = `base_model_relation is one of ${BASE_MODEL_RELATIONS.join(', ')}`;
  } else if (form.baseModelRelation && form.baseModel.length === 0) p.baseModelRelation = 'base_model_relation needs a base model';
  const problem = modelIndexProblems(form.modelIndex)[0];
  if (problem) p.modelIndex = problem;
  return p;
}

/** The model-index shape the Hub's evaluation results need, as messages naming the path. */
export function modelIndexProblems(index: unknown): string[] {
  const out: string[] = [];
  const rec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const str = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!Array.isArray(index)) return ['model-index is a list of models'];
  index.forEach((m, i) => {
    const at = `model-index[${i}]`;
    if (!rec(m)) return void out.push(`${at} is not a mapping`);
    if (!str(m.name)) out.push(`${at}.name is missing`);
    if (!Array.isArray(m.results)) return void out.push(`${at}.results is not a list`);
    m.results.forEach((r, j) => {
      const rat = `${at}.results[${j}]`;
      if (!rec(r)) return void out.push(`${rat} is not a mapping`);
      if (!rec(r.task) || !str(r.task.type)) out.push(`${rat}.task.type is missing`);
      if (!rec(r.dataset)) out.push(`${rat}.dataset is missing`);
      else {
        if (!str(r.dataset.name)) out.push(`${rat}.dataset.name is missing`);
        if (!str(r.dataset.type)) out.push(`${rat}.dataset.type is missing`);
      }
      if (!Array.isArray(r.metrics)) return void out.push(`${rat}.metrics is not a list`);
      r.metrics.forEach((x, k) => {
        const xat = `${rat}.metrics[${k}]`;
        if (!rec(x)) return void out.push(`${xat} is not a mapping`);
        if (!str(x.type)) out.push(`${xat}.type is missing`);
        if (x.value === undefined || x.value === null || (typeof x.value !== 'number' && typeof x.value !== 'string')) out.push(`${xat}.value is missing or not a number`);
      });
    });
  });
  return out;
}

// ------------------------------------------------------------------ API methods (spread into `methods` in api.ts)

const CardPath = z.string().min(1).max(4096);
const CardText = z.string().max(10 * 1024 * 1024);

export const CardView = z.object({
  path: z.string(),
  text: z.string(),
  sha256: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  sections: z.array(CardSection),
  findings: z.array(CardFinding),
  form: CardForm,
});
export type CardView = z.infer<typeof CardView>;

/** An edited text with its findings, for the editor to show before saving. */
export const CardEdit = z.object({ text: z.string(), findings: z.array(CardFinding) });
export type CardEdit = z.infer<typeof CardEdit>;

export const cardMethods = {
  openCard: { params: z.object({ path: CardPath }).strict(), result: CardView },
  checkCardText: { params: z.object({ text: CardText }).strict(), result: z.array(CardFinding) },
  /** What the editor shows of a text being edited: metadata, sections, form and findings. */
  openCardText: { params: z.object({ text: CardText }).strict(), result: CardView.pick({ metadata: true, sections: true, findings: true, form: true }) },
  applyCardForm: { params: z.object({ text: CardText, form: CardForm }).strict(), result: CardEdit },
  moveCardSection: { params: z.object({ text: CardText, from: z.number().int().min(0), to: z.number().int().min(0) }).strict(), result: CardEdit },
  linkCardLineage: { params: z.object({ text: CardText, facts: LineageFacts }).strict(), result: CardEdit },
  generateCard: { params: z.object({ facts: LineageFacts, meta: GenerateCardMeta }).strict(), result: CardEdit },
  /** Refused with `conflict` (details: `{diff}`) when the file changed since `baseText` was read. */
  saveCard: { params: z.object({ path: CardPath, baseText: CardText, text: CardText }).strict(), result: z.object({ sha256: z.string(), backup: z.string() }) },
  /** Refused with `conflict` when a file exists at `path`. */
  createCard: { params: z.object({ path: CardPath, text: CardText }).strict(), result: z.object({ sha256: z.string() }) },
} as const;
