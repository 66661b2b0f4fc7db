import { join } from 'node:path';
import type { FileKind } from '../../../shared/domain';
import { inspectFile, type FormatReport } from '../../formats/index';
import type { Evidence, ReaderContext, StoreReader } from '../model';
import { classifyByName } from '../../scan/classify';
import { findHubRepos, inHubCache, presentHubKeys } from './huggingface/cache';
import { hubKey, linkCard, readCard, type Card } from './huggingface/card';
import { hfModelFolders } from './huggingface/folder';
import { commitKey } from './git/tags';
import { flatten, looksLikePath, pathRole, precision, seeds } from './plain/config';
import { environmentFacts, isEnvironmentCapture } from './plain/environment';
import { baseName, clip, dirOf, fileKey, fileNode, FragmentBuilder, indexedFolders, joinRel, kindOfPath, readBounded, readDocument, resolveInStore } from './plain/fragment';
import { isRecord, parseBytes, textOf } from './plain/safe-yaml';

/**
 * Checkpoints in plain folders, and what sits beside them: training configs
 * (seed, precision, paths to data and base checkpoints), environment
 * captures, and a README card. A checkpoint is `file:<path>` (joined with
 * DVC's and git's nodes for the same file); what is beside it is linked by
 * folder, so those edges are inferred. Hugging Face folders and the hub
 * cache are left to that reader.
 */

const CONFIG = /^(config|hparams|hyperparameters|hyper_parameters|args|training_args|train_args|train_config|training_config|cfg|opt|params|experiment|overrides|trainer_state)\.(ya?ml|json)$/i;
const CARD = /^(readme|model_card|modelcard)\.md$/i;
/** A checkpoint in one of these folders belongs to the run in the folder above. */
const RUN_SUBFOLDER = /^(checkpoints?|ckpts?|weights|models?|checkpoint-\d+|step[-_=]?\d+|epoch[-_=]?\d+|best|last)$/i;
const MAX_CHECKPOINTS = 5_000;
/** Training state that shares checkpoint extensions but holds no weights (HF Trainer writes these). */
const NOT_WEIGHTS = /^(training_args\.bin|rng_state(_\d+)?\.pth|scheduler\.pt|scaler\.pt)$/i;

/** By its name, or by the kind the index gave it from its first bytes (an `epoch3.bin` that is a PyTorch zip). */
function isCheckpoint(name: string, indexedKind?: FileKind): boolean {
  return (indexedKind === 'checkpoint' || classifyByName(name).kind === 'checkpoint') && !name.endsWith('.index.json') && !NOT_WEIGHTS.test(name);
}

type Beside = { key: string; relation: 'config' | 'environment' | 'card'; card?: Card; refs: { key: string; role: 'base' | 'input'; evidence: Evidence }[]; commit?: string };

export const plainReader: StoreReader = {
  id: 'plain',
  match: (ctx) => [...ctx.files].some(([p, f]) => isCheckpoint(baseName(p), f.kind)),
  read: async (ctx) => {
    const b = new FragmentBuilder('plain');
    const repos = findHubRepos(ctx);
    const hfDirs = await hfModelFolders(ctx, repos);
    const present = presentHubKeys(repos);
    const byDir = new Map<string, string[]>();
    const checkpoints: string[] = [];
    for (const rel of [...ctx.files.keys()].sort()) {
      if (inHubCache(rel, repos) || rel.startsWith('.dvc/') || rel.includes('/.dvc/')) continue;
      const dir = dirOf(rel);
      const list = byDir.get(dir);
      if (list) list.push(rel);
      else byDir.set(dir, [rel]);
      if (isCheckpoint(baseName(rel), ctx.files.get(rel)?.kind) && !hfDirs.has(dir)) checkpoints.push(rel);
    }
    if (checkpoints.length > MAX_CHECKPOINTS) b.finding('', 'plain-checkpoints-capped', 'info', `${checkpoints.length} checkpoint files; the first ${MAX_CHECKPOINTS} are read`);
    const folders = indexedFolders(ctx);
    const seen = new Map<string, Beside | null>();
    for (const ckpt of checkpoints.slice(0, MAX_CHECKPOINTS)) {
      const report = await inspectFile(join(ctx.root, ckpt));
      b.node(fileNode(ctx, ckpt, { kind: 'checkpoint', indexDigests: true, props: checkpointProps(report), evidence: [{ file: ckpt, detail: `${report.format} header` }] }));
      linkGguf(b, ckpt, report, present);
      const dir = dirOf(ckpt);
      const runDirs = RUN_SUBFOLDER.test(baseName(dir)) && dir !== '' ? [dir, dirOf(dir)] : [dir];
      for (const runDir of runDirs) {
        const nearby = [...(byDir.get(runDir) ?? []), ...(byDir.get(joinRel(runDir, '.hydra')) ?? [])];
        for (const rel of nearby) {
          if (!seen.has(rel)) seen.set(rel, await readBeside(ctx, b, rel, folders));
          const beside = seen.get(rel);
          if (!beside) continue;
          const ev: Evidence = { file: rel, detail: runDir === dir ? 'in the checkpoint folder' : `in the run folder above ${baseName(dir)}/` };
          const key = fileKey(ckpt);
          if (beside.card) linkCard(b, beside.card, key, (k) => present.has(k), 'inferred');
          else b.edge(beside.key, key, beside.relation, 'inferred', ev);
          for (const ref of beside.refs) b.edge(ref.key, key, ref.role === 'base' ? 'base-model' : 'input', 'inferred', ref.evidence);
          if (beside.commit) b.edge(commitKey(beside.commit), key, 'code', 'inferred', ev);
        }
      }
    }
    return b.build();
  },
};

/** A config, environment capture or card, as a node; null for any other file. */
async function readBeside(ctx: ReaderContext, b: FragmentBuilder, rel: string, folders: Set<string>): Promise<Beside | null> {
  const name = baseName(rel);
  if (CARD.test(name)) {
    const card = await readCard(ctx, b, rel);
    return card ? { key: card.key, relation: 'card', card, refs: [] } : null;
  }
  if (isEnvironmentCapture(name)) return readEnvironment(ctx, b, rel);
  if (CONFIG.test(name) || dirOf(rel).endsWith('.hydra')) return /\.(ya?ml|json)$/i.test(name) ? readConfig(ctx, b, rel, folders) : null;
  return null;
}

async function readConfig(ctx: ReaderContext, b: FragmentBuilder, rel: string, folders: Set<string>): Promise<Beside | null> {
  const doc = await readDocument(ctx, b, rel, 'plain-config', { json: rel.toLowerCase().endsWith('.json') });
  if (!doc) return null;
  const { entries, truncated } = flatten(doc.value);
  const { seed, seeds: allSeeds } = seeds(entries);
  const props: Record<string, unknown> = {
    config: Object.fromEntries(entries.map((e) => [e.key, e.value])),
    configTruncated: truncated || undefined,
    seed,
    seeds: Object.keys(allSeeds).length > 1 ? allSeeds : undefined,
    precision: precision(entries),
  };
  b.node(fileNode(ctx, rel, { kind: 'config', indexDigests: true, props, evidence: [{ file: rel }] }));
  const refs: Beside['refs'] = [];
  for (const e of entries) {
    if (typeof e.value !== 'string' || !looksLikePath(e.value)) continue;
    const role = pathRole(e.key);
    if (role === 'output') continue;
    const target = [resolveInStore(dirOf(rel), e.value), resolveInStore('', e.value)].find((c): c is string => c !== null && c !== '' && c !== rel && (ctx.files.has(c) || folders.has(c)));
    if (!target) continue;
    const evidence: Evidence = { file: rel, line: doc.lineOf(e.path), detail: `${e.key}: ${clip(e.value, 200)}` };
    b.node(fileNode(ctx, target, { kind: ctx.files.has(target) ? kindOfPath(target) : 'dataset', props: ctx.files.has(target) ? {} : { directory: true } }));
    refs.push({ key: fileKey(target), role: role === 'base' && (kindOfPath(target) === 'checkpoint' || !ctx.files.has(target)) ? 'base' : 'input', evidence });
  }
  return { key: fileKey(rel), relation: 'config', refs };
}

async function readEnvironment(ctx: ReaderContext, b: FragmentBuilder, rel: string): Promise<Beside | null> {
  const read = await readBounded(join(ctx.root, rel), 10 * 1024 * 1024);
  if (!read.ok) {
    b.finding(rel, 'plain-environment-unreadable', 'warning', `${rel}: ${read.message}`);
    return null;
  }
  const { text, invalidUtf8 } = textOf(read.bytes);
  if (invalidUtf8) b.finding(rel, 'plain-environment-invalid-utf8', 'warning', `${rel} is not valid UTF-8; undecodable bytes were replaced`);
  let parsed: unknown;
  if (/\.(ya?ml|json)$/i.test(rel)) {
    const doc = parseBytes(read.bytes, rel.toLowerCase().endsWith('.json'));
    if (doc.ok) parsed = doc.value;
    else b.finding(rel, `plain-environment-${doc.code}`, 'warning', `${rel}: ${doc.message}`);
  }
  const facts = environmentFacts(baseName(rel), text, parsed);
  const { gitCommit, ...props } = facts;
  b.node(fileNode(ctx, rel, { kind: 'environment', indexDigests: true, props, evidence: [{ file: rel }] }));
  if (gitCommit) b.node({ key: commitKey(gitCommit), kind: 'code', label: gitCommit.slice(0, 10), props: { commit: gitCommit, remoteUrl: facts.gitRemote }, evidence: [{ file: rel, detail: 'git.commit' }] });
  return { key: fileKey(rel), relation: 'environment', refs: [], commit: gitCommit };
}

/** What a checkpoint's header says, kept small: tensors, parameters, dtypes, metadata, GGUF lineage. */
function checkpointProps(report: FormatReport): Record<string, unknown> {
  const s = report.summary;
  const props: Record<string, unknown> = { format: report.format, tensorCount: s.tensorCount, totalParameters: s.totalParameters, dtypes: s.dtypes ?? s.tensorTypes };
  if (isRecord(s.metadata) && report.format === 'safetensors') props.metadata = Object.fromEntries(Object.entries(s.metadata).slice(0, 50).map(([k, v]) => [k, clip(String(v), 512)]));
  if (isRecord(s.lineage)) props.gguf = s.lineage;
  if (isRecord(s.quantization) && s.quantization.fileTypeName !== undefined) props.quantization = s.quantization;
  const errors = report.findings.filter((f) => f.severity === 'error').map((f) => f.code);
  if (errors.length > 0) props.formatErrors = errors.slice(0, 10);
  return props;
}

/** GGUF's `general.base_model.N.*` and `general.dataset.N.*`: declared by the file itself. */
function linkGguf(b: FragmentBuilder, ckpt: string, report: FormatReport, present: Set<string>): void {
  const lineage = report.summary.lineage;
  if (!isRecord(lineage)) return;
  for (const [list, type] of [['baseModels', 'model'], ['datasets', 'dataset']] as const) {
    const items = Array.isArray(lineage[list]) ? (lineage[list] as unknown[]) : [];
    items.forEach((item, i) => {
      if (!isRecord(item)) return;
      const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
      const hub = /^https?:\/\/huggingface\.co\/(?:datasets\/)?([\w.-]+\/[\w.-]+)/.exec(str('repo_url') ?? '')?.[1];
      const name = hub ?? [str('organization'), str('name')].filter(Boolean).join('/');
      if (!name) return;
      const key = hub ? hubKey(type, hub) : `${type}:${name}${str('version') ? `@${str('version')}` : ''}`;
      const evidence: Evidence = { file: ckpt, detail: `general.${type === 'model' ? 'base_model' : 'dataset'}.${i}` };
      b.node({ key, kind: type === 'model' ? 'checkpoint' : 'dataset', label: name, props: { name: str('name'), organization: str('organization'), version: str('version'), repoUrl: str('repo_url'), present: present.has(key) }, evidence: [evidence] });
      b.edge(key, fileKey(ckpt), type === 'model' ? 'base-model' : 'input', 'declared', evidence);
    });
  }
}
