import { clip } from './fragment';
import { isRecord } from './safe-yaml';

/**
 * Environment captures found beside checkpoints: pip freeze or requirements,
 * conda environments, lockfiles, nvidia-smi output, PyTorch's
 * `collect_env`, W&B's wandb-metadata.json, accelerate configs. Each gives
 * some of: pinned packages, Python, CUDA, driver, GPUs, precision.
 */

const MAX_PINS = 500;

export interface EnvFacts {
  pins?: Record<string, string>;
  packageCount?: number;
  python?: string;
  torch?: string;
  cuda?: string;
  cudnn?: string;
  driver?: string;
  gpus?: string[];
  precision?: Record<string, unknown>;
  /** A git commit the capture names (W&B records the code's commit). */
  gitCommit?: string;
  gitRemote?: string;
  [k: string]: unknown;
}

const ENV_NAMES = /^(requirements.*\.txt|constraints.*\.txt|pip[-_]?freeze.*\.txt|freeze\.txt|pip[-_]list\.txt|environment\.ya?ml|conda\.ya?ml|conda[-_]environment\.ya?ml|nvidia[-_]smi.*\.(txt|log)|env\.txt|environment\.txt|system[-_]info\.txt|versions\.txt|collect[-_]env\.txt|wandb-metadata\.json|poetry\.lock|uv\.lock|pipfile\.lock|pdm\.lock|accelerate[-_]config\.ya?ml|default_config\.ya?ml|python_env\.ya?ml)$/i;

export function isEnvironmentCapture(name: string): boolean {
  return ENV_NAMES.test(name);
}

/** What a capture says, from its text (and parsed value, for YAML and JSON captures). */
export function environmentFacts(name: string, text: string, parsed?: unknown): EnvFacts {
  const facts: EnvFacts = {};
  const lower = name.toLowerCase();
  if (lower === 'wandb-metadata.json' && isRecord(parsed)) return wandb(parsed);
  if (isRecord(parsed) && (lower.includes('accelerate') || lower === 'default_config.yaml' || lower === 'default_config.yml')) {
    const keep = ['mixed_precision', 'distributed_type', 'num_processes', 'num_machines', 'downcast_bf16', 'use_cpu', 'dynamo_backend'];
    const p = Object.fromEntries(keep.filter((k) => parsed[k] !== undefined && typeof parsed[k] !== 'object').map((k) => [k, parsed[k]]));
    return { accelerate: p, precision: parsed.mixed_precision !== undefined ? { mixed_precision: parsed.mixed_precision } : undefined };
  }
  if (isRecord(parsed) && Array.isArray(parsed.dependencies)) {
    const pins: Record<string, string> = {};
    for (const d of parsed.dependencies) {
      if (typeof d === 'string') {
        const m = /^([A-Za-z0-9_.-]+)\s*={1,2}\s*([^=\s]+)/.exec(d);
        if (m) pins[m[1]!.toLowerCase()] = m[2]!;
      } else if (isRecord(d) && Array.isArray(d.pip)) Object.assign(pins, pipPins(d.pip.filter((x): x is string => typeof x === 'string').join('\n')).pins);
    }
    return finish({ ...facts, pins, packageCount: parsed.dependencies.length });
  }
  if (/\.lock$/i.test(lower)) {
    const pins: Record<string, string> = {};
    for (const m of text.matchAll(/\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"([^"]+)"/g)) if (Object.keys(pins).length < MAX_PINS) pins[m[1]!.toLowerCase()] = m[2]!;
    return finish({ pins, packageCount: Object.keys(pins).length });
  }
  const pip = pipPins(text);
  if (pip.count > 0) Object.assign(facts, { pins: pip.pins, packageCount: pip.count });
  Object.assign(facts, systemFacts(text));
  return finish(facts);
}

/** Exact pins (`==`, `===`, `name @ url`) and the count of all requirement lines. */
export function pipPins(text: string): { pins: Record<string, string>; count: number } {
  const pins: Record<string, string> = {};
  let count = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const exact = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;,]+)\s*(?:;.*)?$/.exec(line);
    const direct = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s+@\s+(\S+)/.exec(line);
    // a requirement is a name alone or followed by extras, a version operator, `@` or a marker: not any line (nvidia-smi's)
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?|~=|!=|>=|<=|<|>|@|;|$)/.test(line)) count++;
    const m = exact ?? direct;
    if (!m) continue;
    if (Object.keys(pins).length < MAX_PINS) pins[m[1]!.toLowerCase().replace(/_/g, '-')] = clip(m[2]!, 200);
  }
  return { pins, count };
}

/** nvidia-smi (table, `-q` and CSV forms), torch's collect_env, and `Python x.y` lines. */
function systemFacts(text: string): EnvFacts {
  const f: EnvFacts = {};
  const first = (re: RegExp) => re.exec(text)?.[1]?.trim();
  f.driver = first(/Driver Version\s*:?\s*([\d.]+)/i) ?? first(/Nvidia driver version\s*:\s*([\d.]+)/i);
  f.cuda = first(/CUDA Version\s*:?\s*([\d.]+)/i) ?? first(/CUDA runtime version\s*:\s*([\d.]+)/i) ?? first(/CUDA used to build PyTorch\s*:\s*([\d.]+)/i);
  f.cudnn = first(/cuDNN version\s*:\s*(?:[^\n]*?libcudnn[^\n]*?so\.)?([\d.]+)/i);
  f.torch = first(/PyTorch version\s*:\s*(\S+)/i);
  f.python = first(/Python version\s*:\s*(\d+\.\d+(?:\.\d+)?)/i) ?? first(/^Python (\d+\.\d+(?:\.\d+)?)/im) ?? first(/python[_ ]?version\s*[=:]\s*"?(\d+\.\d+(?:\.\d+)?)/i);
  const gpus = new Set<string>();
  for (const m of text.matchAll(/^\|\s+\d+\s+((?:NVIDIA|Tesla|Quadro|GeForce|RTX|A\d{2,3}|H\d{3})[^|]*?)\s+(?:On|Off)\s+\|/gm)) gpus.add(m[1]!.trim());
  for (const m of text.matchAll(/Product Name\s*:\s*(.+)/g)) gpus.add(m[1]!.trim());
  for (const m of text.matchAll(/^GPU \d+:\s*(.+?)(?:\s*\(UUID.*)?$/gm)) gpus.add(m[1]!.trim());
  if (gpus.size > 0) f.gpus = [...gpus].slice(0, 64).map((g) => clip(g, 120));
  const prec: Record<string, unknown> = {};
  const tf32 = first(/(?:allow_tf32|NVIDIA_TF32_OVERRIDE)\s*[=:]\s*(\w+)/i);
  if (tf32 !== undefined) prec.tf32 = tf32;
  const mixed = first(/mixed_precision\s*[=:]\s*['"]?(\w+)/i);
  if (mixed !== undefined) prec.mixed_precision = mixed;
  if (Object.keys(prec).length > 0) f.precision = prec;
  return f;
}

/** W&B's record of the run: Python, CUDA, GPUs, and the code's git commit. */
function wandb(m: Record<string, unknown>): EnvFacts {
  const s = (v: unknown) => (typeof v === 'string' ? clip(v, 200) : undefined);
  const git = isRecord(m.git) ? m.git : {};
  const devices = Array.isArray(m.gpu_devices) ? m.gpu_devices.filter(isRecord).map((d) => s(d.name)).filter((x): x is string => !!x) : [];
  const gpu = s(m.gpu);
  return finish({
    python: s(m.python)?.replace(/^CPython\s*/i, ''),
    cuda: s(m.cuda) ?? s(m.cudaVersion),
    gpus: devices.length > 0 ? devices : gpu ? [gpu] : undefined,
    gpuCount: typeof m.gpu_count === 'number' ? m.gpu_count : undefined,
    os: s(m.os),
    program: s(m.program),
    gitCommit: typeof git.commit === 'string' && /^[0-9a-f]{40}$/.test(git.commit) ? git.commit : undefined,
    gitRemote: s(git.remote),
  });
}

/** Versions implied by the pins: Python from a `python` pin, torch and its CUDA build from `torch==2.1.0+cu121`. */
function finish(f: EnvFacts): EnvFacts {
  const torch = f.pins?.torch ?? f.pins?.pytorch;
  if (torch && !f.torch) f.torch = torch;
  const cu = /\+cu(\d+)(\d)$/.exec(f.torch ?? '');
  if (cu && !f.cuda) f.cuda = `${cu[1]}.${cu[2]}`;
  if (!f.python && f.pins?.python) f.python = f.pins.python;
  for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
  return f;
}
