import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { frontMatter } from '../../../formats/card';
import type { EdgeStrength, Evidence, LineageNode, ReaderContext } from '../../model';
import { clip, fileNode, type FragmentBuilder } from '../plain/fragment';
import { isRecord, parseYamlText, textOf } from '../plain/safe-yaml';

/**
 * Model and dataset cards: README.md with YAML front matter, as the Hub's
 * card metadata spec (huggingface_hub `repocard_data.py`) defines it:
 * license, datasets, base_model (a string or a list), base_model_relation
 * (adapter, merge, quantized, finetune), model-index with eval results,
 * tags, library_name, pipeline_tag, language. Front matter in any other
 * language (`---js`, `---coffee`, TOML's `+++`) is never evaluated: it is
 * reported and ignored.
 */

const MAX_CARD_BYTES = 1024 * 1024;
const MAX_LIST = 50;

export interface CardMeta {
  props: Record<string, unknown>;
  baseModels: string[];
  baseModelRelation?: string;
  datasets: string[];
  lineOf(key: string): number | undefined;
}

export interface Card {
  rel: string;
  key: string;
  title?: string;
  meta?: CardMeta;
}

export function cardKey(rel: string): string {
  return `card:${rel}`;
}

/** Reads a card and adds its node; problems become findings `card-*` on the file. */
export async function readCard(ctx: ReaderContext, b: FragmentBuilder, rel: string): Promise<Card | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readPrefix(join(ctx.root, rel), MAX_CARD_BYTES);
  } catch (e) {
    b.finding(rel, 'card-unreadable', 'warning', `${rel}: ${(e as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link loop' : (e as Error).message}`);
    return undefined;
  }
  const { text, invalidUtf8 } = textOf(bytes);
  if (invalidUtf8) b.finding(rel, 'card-invalid-utf8', 'warning', `${rel} is not valid UTF-8; undecodable bytes were replaced`);
  const card: Card = { rel, key: cardKey(rel) };
  const foreign = /^(?:---[ \t]*([A-Za-z][\w-]*)[ \t]*\r?\n|\+\+\+[ \t]*\r?\n)/.exec(text);
  if (foreign && !/^ya?ml$/i.test(foreign[1] ?? '')) {
    b.finding(rel, 'card-front-matter-not-yaml', 'warning', `${rel}: the front matter is ${foreign[1] ? `"${clip(foreign[1], 20)}"` : 'TOML'}, not YAML; it is never evaluated, and its metadata is ignored`);
  }
  const front = foreign ? undefined : frontMatter(text);
  const body = front ? text.slice(front.end) : foreign ? '' : text;
  card.title = clip(/^#\s+(.+)$/m.exec(body)?.[1]?.trim() ?? '', 256) || undefined;
  if (front) {
    const parsed = parseYamlText(front.yaml);
    if (!parsed.ok) b.finding(rel, `card-front-matter-${parsed.code}`, 'warning', `${rel}: the front matter is ${parsed.message}`);
    else if (isRecord(parsed.value)) card.meta = cardMeta(parsed.value, (key) => {
      const line = parsed.lineOf([key]);
      return line === undefined ? undefined : line + 1; // the front matter starts after the opening ---
    });
    else if (parsed.value !== null) b.finding(rel, 'card-front-matter-not-mapping', 'warning', `${rel}: the front matter is not a mapping of keys`);
  }
  b.node({ ...fileNode(ctx, rel, { indexDigests: true }), key: card.key, kind: 'card', label: card.title ?? rel, props: { ...(card.meta?.props ?? {}), hasMetadata: card.meta !== undefined }, evidence: [{ file: rel }] });
  return card;
}

export function cardMeta(m: Record<string, unknown>, lineOf: (key: string) => number | undefined): CardMeta {
  const props: Record<string, unknown> = {};
  for (const key of ['license', 'license_name', 'license_link', 'library_name', 'pipeline_tag', 'model_name', 'base_model_relation', 'inference']) {
    const v = m[key];
    if (typeof v === 'string' || typeof v === 'boolean') props[key] = typeof v === 'string' ? clip(v) : v;
  }
  for (const key of ['language', 'tags', 'datasets', 'metrics', 'base_model']) {
    const list = strings(m[key]);
    if (list.length > 0) props[key] = typeof m[key] === 'string' ? list[0] : list;
  }
  const results = evalResults(m['model-index']);
  if (results.length > 0) props.evalResults = results;
  return { props, baseModels: strings(m.base_model), baseModelRelation: typeof m.base_model_relation === 'string' ? m.base_model_relation : undefined, datasets: strings(m.datasets), lineOf };
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [clip(v.trim())] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').slice(0, MAX_LIST).map((x) => clip(x.trim()));
  return [];
}

/** `model-index: [{name, results: [{task, dataset, metrics: [{type, value, name}]}]}]`, flattened. */
function evalResults(index: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const model of Array.isArray(index) ? index.slice(0, 10) : []) {
    if (!isRecord(model) || !Array.isArray(model.results)) continue;
    for (const r of model.results.slice(0, MAX_LIST)) {
      if (!isRecord(r)) continue;
      const task = isRecord(r.task) ? r.task : {};
      const ds = isRecord(r.dataset) ? r.dataset : {};
      const metrics = (Array.isArray(r.metrics) ? r.metrics : []).filter(isRecord).slice(0, MAX_LIST).map((x) => ({ type: str(x.type), name: str(x.name), value: typeof x.value === 'number' || typeof x.value === 'string' ? x.value : undefined, verified: x.verified === true || undefined }));
      out.push({ model: str(model.name), task: str(task.type), dataset: str(ds.type), datasetName: str(ds.name), config: str(ds.config), split: str(ds.split), metrics });
    }
  }
  return out.slice(0, 100);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? clip(v) : undefined;
}

/**
 * The edges a card declares for the checkpoint it describes: the card itself,
 * its base models (`hf:model:<id>`) and training datasets (`hf:dataset:<id>`).
 * Declared for a repository's own card; inferred for a README that merely
 * sits beside a checkpoint.
 */
export function linkCard(b: FragmentBuilder, card: Card, checkpoint: LineageNode['key'], present: (key: string) => boolean, strength: EdgeStrength = 'declared'): void {
  b.edge(card.key, checkpoint, 'card', strength, { file: card.rel, detail: strength === 'declared' ? 'the card of this repository' : 'card in the same folder' });
  const meta = card.meta;
  if (!meta) return;
  meta.baseModels.forEach((id, i) => {
    const key = hubKey('model', id);
    const ev: Evidence = { file: card.rel, line: meta.lineOf('base_model'), detail: `base_model${meta.baseModels.length > 1 ? `[${i}]` : ''}${meta.baseModelRelation ? ` (${meta.baseModelRelation})` : ''}` };
    b.node(hubNode('model', id, present(key), ev));
    b.edge(key, checkpoint, 'base-model', strength, ev);
  });
  meta.datasets.forEach((id, i) => {
    const key = hubKey('dataset', id);
    const ev: Evidence = { file: card.rel, line: meta.lineOf('datasets'), detail: `datasets[${i}]` };
    b.node(hubNode('dataset', id, present(key), ev));
    b.edge(key, checkpoint, 'input', strength, ev);
  });
}

export function hubKey(type: 'model' | 'dataset' | 'space', id: string): string {
  return `hf:${type}:${id}`;
}

/** A Hub repository by id: declared (no files) unless the store holds a snapshot of it. */
export function hubNode(type: 'model' | 'dataset' | 'space', id: string, present: boolean, evidence: Evidence): Parameters<FragmentBuilder['node']>[0] {
  return { key: hubKey(type, id), kind: type === 'dataset' ? 'dataset' : type === 'space' ? 'code' : 'checkpoint', label: id, props: { repoId: id, repoType: type, present }, evidence: [evidence] };
}

async function readPrefix(abs: string, cap: number): Promise<Buffer> {
  const fh = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    const buf = Buffer.alloc(Math.min(cap, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
