import { join } from 'node:path';
import { inspectFile } from '../../../formats/index';
import type { Digest, Evidence, NodeFile, ReaderContext } from '../../model';
import { baseName, clip, dirOf, FragmentBuilder, readDocument } from '../plain/fragment';
import { isRecord } from '../plain/safe-yaml';
import { inHubCache, type HubRepo } from './cache';

/**
 * A Hugging Face model folder (a snapshot in the cache, or a folder saved
 * with `save_pretrained`): `config.json` (architectures, model_type, dtype),
 * `generation_config.json`, a shard index, tokenizer files, a PEFT
 * `adapter_config.json`, the weights' headers, and the card.
 */

const WEIGHTS = /\.(safetensors|bin|pt|pth|gguf|onnx|msgpack|h5|ckpt)$/i;
const TOKENIZER = new Set(['tokenizer.json', 'tokenizer_config.json', 'tokenizer.model', 'vocab.json', 'vocab.txt', 'merges.txt', 'special_tokens_map.json', 'added_tokens.json', 'spiece.model', 'sentencepiece.bpe.model']);
/** Weight headers read per folder; a 200-shard model is summarised from its index. */
const MAX_WEIGHT_HEADERS = 64;

export interface FolderFile {
  /** Name inside the folder. */
  name: string;
  /** Store-relative path. */
  path: string;
  digest?: Digest;
  size?: number;
}

export interface BaseHint {
  id: string;
  strength: 'declared' | 'inferred';
  evidence: Evidence;
}

export interface FolderFacts {
  props: Record<string, unknown>;
  files: NodeFile[];
  bases: BaseHint[];
  card?: string;
}

/** Folders outside the hub cache that hold an HF model: config.json with a model type, an adapter, or a diffusers pipeline. */
export async function hfModelFolders(ctx: ReaderContext, repos: HubRepo[], b: FragmentBuilder = new FragmentBuilder('hf-probe')): Promise<Set<string>> {
  const byDir = new Map<string, Set<string>>();
  for (const rel of ctx.files.keys()) {
    if (inHubCache(rel, repos)) continue;
    const dir = dirOf(rel);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(baseName(rel));
  }
  const folders = new Set<string>();
  for (const [dir, names] of byDir) {
    if (names.has('adapter_config.json') || names.has('model_index.json')) {
      folders.add(dir);
      continue;
    }
    if (!names.has('config.json') || ![...names].some((n) => WEIGHTS.test(n) || n.endsWith('.index.json'))) continue;
    const config = await readDocument(ctx, b, dir ? `${dir}/config.json` : 'config.json', 'hf-config', { json: true });
    if (isRecord(config?.value) && ['model_type', 'architectures', '_name_or_path', 'transformers_version'].some((k) => k in (config.value as object))) folders.add(dir);
  }
  return folders;
}

/**
 * The Hub repository a `from_pretrained` string names, or null when it is a
 * local path. Hub ids are `name` or `owner/name` of letters, digits, `-`, `_`
 * and `.` (huggingface_hub's validate_repo_id: no `--` or `..`, no `-` or `.`
 * at either end, at most 96 characters a part). Paths a Trainer writes
 * (`output/checkpoint-500`) fit that form too: a part named like a training
 * checkpoint folder marks it local.
 */
export function hubRepoId(s: string): string | null {
  if (!/^[\w.-]{1,96}(\/[\w.-]{1,96})?$/.test(s) || s.includes('--') || s.includes('..')) return null;
  const parts = s.split('/');
  if (parts.some((p) => /^[-.]|[-.]$/.test(p))) return null;
  if (parts.some((p) => /^(checkpoint|ckpt|step|epoch|global_step)[-_]?\d+$/i.test(p))) return null;
  return s;
}

export async function describeFolder(ctx: ReaderContext, b: FragmentBuilder, files: FolderFile[]): Promise<FolderFacts> {
  const facts: FolderFacts = { props: {}, files: files.map((f) => ({ path: f.path, size: f.size, digests: f.digest ? [f.digest] : undefined })), bases: [] };
  const byName = new Map(files.map((f) => [f.name, f]));
  const json = async (name: string) => {
    const f = byName.get(name);
    return f ? { file: f, doc: await readDocument(ctx, b, f.path, 'hf-config', { json: true }) } : undefined;
  };

  const config = await json('config.json');
  if (config && isRecord(config.doc?.value)) {
    const c = config.doc.value;
    Object.assign(facts.props, pick(c, ['model_type', 'torch_dtype', 'dtype', 'transformers_version', '_name_or_path', 'hidden_size', 'num_hidden_layers', 'vocab_size', '_class_name']));
    if (Array.isArray(c.architectures)) facts.props.architectures = c.architectures.filter((a) => typeof a === 'string').slice(0, 10);
    if (isRecord(c.quantization_config) && typeof c.quantization_config.quant_method === 'string') facts.props.quantization = c.quantization_config.quant_method;
    const origin = c._name_or_path;
    // A model saved after loading another keeps what it was loaded from: a Hub id, or a local path that says nothing.
    const originId = typeof origin === 'string' ? hubRepoId(origin) : null;
    if (originId) facts.bases.push({ id: originId, strength: 'inferred', evidence: { file: config.file.path, detail: `_name_or_path: ${clip(originId, 120)}` } });
  }
  const adapter = await json('adapter_config.json');
  if (adapter && isRecord(adapter.doc?.value)) {
    const a = adapter.doc.value;
    facts.props.adapter = pick(a, ['peft_type', 'task_type', 'r', 'lora_alpha']);
    const base = a.base_model_name_or_path;
    if (typeof base === 'string' && base) {
      const id = hubRepoId(base);
      if (id) facts.bases.push({ id, strength: 'declared', evidence: { file: adapter.file.path, detail: 'base_model_name_or_path (adapter)' } });
      else {
        facts.props.adapter = { ...(facts.props.adapter as Record<string, unknown>), baseModelPath: clip(base, 512) };
        b.finding(adapter.file.path, 'hf-base-model-local', 'info', `the adapter's base model is a local path (${clip(base, 200)}) on the machine that trained it, not a Hub repository: not linked`);
      }
    }
  }
  const generation = await json('generation_config.json');
  if (generation && isRecord(generation.doc?.value)) facts.props.generation = pick(generation.doc.value, ['max_length', 'max_new_tokens', 'do_sample', 'temperature', 'top_p', 'top_k', 'eos_token_id', 'bos_token_id']);
  const trainer = await json('trainer_state.json');
  if (trainer && isRecord(trainer.doc?.value)) facts.props.trainerState = pick(trainer.doc.value, ['global_step', 'epoch', 'best_metric', 'best_model_checkpoint', 'max_steps', 'num_train_epochs']);
  if (byName.has('training_args.bin')) facts.props.trainingArgs = 'training_args.bin (a pickle: not read)';
  const diffusers = await json('model_index.json');
  if (diffusers && isRecord(diffusers.doc?.value)) Object.assign(facts.props, pick(diffusers.doc.value, ['_class_name', '_diffusers_version']));

  for (const f of files.filter((x) => x.name.endsWith('.index.json'))) {
    const doc = await readDocument(ctx, b, f.path, 'hf-shard-index', { json: true });
    if (!isRecord(doc?.value) || !isRecord(doc.value.weight_map)) continue;
    const shards = [...new Set(Object.values(doc.value.weight_map).filter((s): s is string => typeof s === 'string'))];
    const meta = isRecord(doc.value.metadata) ? doc.value.metadata : {};
    facts.props.shards = { index: f.name, count: shards.length, totalSize: typeof meta.total_size === 'number' ? meta.total_size : undefined };
    const folder = dirOf(f.name);
    const absent = shards.filter((s) => !byName.has(folder ? `${folder}/${s}` : s));
    if (absent.length > 0) b.finding(f.path, 'hf-shard-missing', 'warning', `${f.path} lists ${absent.length} shard(s) not in the folder, e.g. ${clip(absent[0]!, 120)}`);
  }
  const tokenizer = files.filter((f) => TOKENIZER.has(baseName(f.name))).map((f) => f.name);
  if (tokenizer.length > 0) facts.props.tokenizerFiles = tokenizer;
  Object.assign(facts.props, await weightSummary(ctx, files));
  const card = files.find((f) => f.name.toLowerCase() === 'readme.md');
  if (card) facts.card = card.path;
  return facts;
}

/** Tensor count, parameters and dtypes from the safetensors and GGUF headers. */
async function weightSummary(ctx: ReaderContext, files: FolderFile[]): Promise<Record<string, unknown>> {
  const weights = files.filter((f) => WEIGHTS.test(f.name));
  if (weights.length === 0) return {};
  let tensors = 0;
  let parameters = 0;
  const dtypes: Record<string, number> = {};
  const formats = new Set<string>();
  for (const w of weights.slice(0, MAX_WEIGHT_HEADERS)) {
    const report = await inspectFile(join(ctx.root, w.path));
    formats.add(report.format);
    const s = report.summary;
    if (typeof s.tensorCount === 'number') tensors += s.tensorCount;
    if (typeof s.totalParameters === 'number') parameters += s.totalParameters;
    for (const [k, v] of Object.entries((s.dtypes ?? s.tensorTypes ?? {}) as Record<string, number>)) dtypes[k] = (dtypes[k] ?? 0) + v;
  }
  return { weightFiles: weights.length, weightFormats: [...formats].sort(), tensorCount: tensors || undefined, totalParameters: parameters || undefined, dtypes: Object.keys(dtypes).length > 0 ? dtypes : undefined, weightsSummarised: Math.min(weights.length, MAX_WEIGHT_HEADERS) };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') out[k] = clip(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = v.slice(0, 16);
  }
  return out;
}
