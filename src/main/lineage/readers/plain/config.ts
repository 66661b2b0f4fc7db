import { clip } from './fragment';
import { isRecord, type DocPath } from './safe-yaml';

/**
 * Training configs (config.yaml, hparams.yaml, args.json, training_args.json,
 * Hydra's .hydra/config.yaml…) flattened to dotted keys for props, with the
 * facts lineage looks for: the seed, precision flags, and paths that name
 * files in the store.
 */

export const MAX_FLAT_KEYS = 300;

export interface FlatEntry {
  key: string;
  path: DocPath;
  value: string | number | boolean | null;
}

/** Leaves of a config as `a.b[0].c` keys, depth-first, capped. Lists of scalars stay one value. */
export function flatten(value: unknown, max = MAX_FLAT_KEYS): { entries: FlatEntry[]; truncated: boolean } {
  const entries: FlatEntry[] = [];
  let truncated = false;
  const walk = (v: unknown, key: string, path: (string | number)[], depth: number) => {
    if (entries.length >= max) {
      truncated = true;
      return;
    }
    if (depth > 32) return;
    if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k, [...path, k], depth + 1);
    } else if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== 'object')) entries.push({ key, path, value: clip(JSON.stringify(v) ?? '', 512) });
      else v.forEach((x, i) => walk(x, `${key}[${i}]`, [...path, i], depth + 1));
    } else if (v === null || typeof v === 'number' || typeof v === 'boolean') entries.push({ key, path, value: v });
    else if (typeof v === 'string') entries.push({ key, path, value: clip(v, 512) });
  };
  walk(value, '', [], 0);
  return { entries, truncated };
}

const SEED = /^(seed|random_seed|rng_seed|manual_seed|global_seed|data_seed|torch_seed|np_seed|numpy_seed|training_seed|seed_everything|shuffle_seed)$/i;

/** Seeds by key; `seed` is the one nearest the top (`seed` before `training.seed` before `trainer.data.seed`). */
export function seeds(entries: FlatEntry[]): { seed?: number; seeds: Record<string, number> } {
  const found: Record<string, number> = {};
  for (const e of entries) {
    const last = e.key.split('.').pop()!.replace(/\[\d+\]$/, '');
    const n = typeof e.value === 'number' ? e.value : typeof e.value === 'string' && /^\d+$/.test(e.value) ? Number(e.value) : undefined;
    if (SEED.test(last) && n !== undefined && Number.isInteger(n)) found[e.key] = n;
  }
  const best = Object.keys(found).sort((a, b) => a.split('.').length - b.split('.').length || a.length - b.length)[0];
  return { seed: best === undefined ? undefined : found[best], seeds: found };
}

const PRECISION = /^(bf16|fp16|tf32|fp8|half|amp|use_amp|use_bf16|use_fp16|allow_tf32|mixed_precision|precision|fp16_opt_level|fp16_backend|half_precision_backend|bf16_full_eval|fp16_full_eval|torch_dtype|dtype|compute_dtype|bnb_4bit_compute_dtype|load_in_8bit|load_in_4bit)$/i;

/** Precision flags by key: bf16/fp16/tf32 switches, `mixed_precision`, `precision: bf16-mixed`, dtypes. */
export function precision(entries: FlatEntry[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    const last = e.key.split('.').pop()!;
    if (PRECISION.test(last) && e.value !== null && e.value !== '') out[e.key] = e.value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Keys whose path is a starting point for training rather than data. */
const BASE_KEY = /(^|[._])(base|init|initial|pretrained|parent|teacher|resume|resume_from|from|load|source)([._]?(model|ckpt|checkpoint|weights|path|model_name_or_path))?$|model_name_or_path$|(^|[._])(base|init|pretrained|resume|parent)[a-z_]*(ckpt|checkpoint|weights|model)/i;
/** Keys that name where results go: not inputs. */
const OUTPUT_KEY = /(^|[._])(out|output|outputs|save|save_dir|save_path|dest|export|log|logs|logging|dir_out|checkpoint_dir|output_dir|run_dir)([._]|$)/i;

export type PathRole = 'base' | 'input' | 'output';

export function pathRole(key: string): PathRole {
  const plain = key.replace(/\[\d+\]/g, '');
  if (OUTPUT_KEY.test(plain)) return 'output';
  return BASE_KEY.test(plain) ? 'base' : 'input';
}

/** Whether a string value may be a path at all (not a sentence, a URL or a number). */
export function looksLikePath(v: string): boolean {
  return v.length > 0 && v.length < 1024 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/\s/.test(v.trim()) && /[/.]/.test(v) && !/^[\d.eE+-]+$/.test(v);
}
