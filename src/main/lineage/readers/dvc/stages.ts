import type { Evidence, LineageEdge } from '../../model';
import { clip, dirOf, fileKey, fileNode, resolveInStore, type FragmentBuilder } from '../plain/fragment';
import { isRecord, type DocPath } from '../plain/safe-yaml';
import type { EntryEmitter } from './emit';
import { lockEntry, pipelineEntry, type DvcEntry } from './entries';
import type { Lock, LockedStage } from './lock';
import type { Pipeline, StageDefinition } from './pipeline';
import type { ReaderContext } from '../../model';

/**
 * One stage node and its edges: what it read (deps, params) and wrote (outs,
 * metrics, plots). `dvc.lock` is preferred, since it holds what ran, with
 * digests; `dvc.yaml` adds what the lock does not know (a stage not run yet,
 * flags such as `persist`, and paths added since the last run).
 */

export function stageKey(pipelineRel: string, name: string): string {
  return `dvc:stage:${pipelineRel}:${name}`;
}

export interface StageInput {
  pipelineRel: string;
  name: string;
  def?: StageDefinition;
  pipeline?: Pipeline;
  locked?: LockedStage;
  lock?: Lock;
}

type Role = 'deps' | 'outs' | 'metrics' | 'plots';

export async function emitStage(ctx: ReaderContext, b: FragmentBuilder, em: EntryEmitter, s: StageInput): Promise<void> {
  const key = stageKey(s.pipelineRel, s.name);
  const dir = dirOf(s.pipelineRel);
  const def = s.def?.def ?? {};
  const wdir = typeof def.wdir === 'string' ? def.wdir : '.';
  const baseDir = resolveInStore(dir, wdir);
  const raw = s.locked?.raw ?? {};
  const evidence: Evidence[] = [];
  if (s.def && s.pipeline) evidence.push({ file: s.pipelineRel, line: s.pipeline.lineOf(s.def.docPath), detail: pathText(s.def.docPath) });
  if (s.locked && s.lock) evidence.push({ file: s.lock.rel, line: s.lock.lineOf(s.locked.docPath), detail: pathText(s.locked.docPath) });
  const props: Record<string, unknown> = {
    name: s.name,
    dvcFile: s.pipelineRel,
    cmd: cmdOf(raw.cmd ?? def.cmd),
    wdir: wdir === '.' ? undefined : wdir,
    frozen: def.frozen === true || undefined,
    alwaysChanged: def.always_changed === true || undefined,
    desc: typeof def.desc === 'string' ? clip(def.desc, 1024) : undefined,
    meta: def.meta !== undefined ? clip(JSON.stringify(def.meta) ?? '', 2048) : undefined,
    group: s.def?.group,
    locked: s.locked !== undefined,
    params: isRecord(raw.params) ? smallJson(raw.params) : undefined,
    paramKeys: def.params !== undefined ? smallJson(def.params) : undefined,
  };
  b.node({ key, kind: 'stage', label: s.name, props, evidence });
  if (s.def && s.def.unresolved.length > 0) {
    b.finding(s.pipelineRel, 'dvc-unresolved-template', 'info', `${s.pipelineRel}: stage ${s.name} uses \${${s.def.unresolved[0]}}, which is not in params.yaml or vars; paths that use it are not linked`);
  }
  if (baseDir === null) {
    b.finding(s.pipelineRel, 'dvc-wdir-outside-store', 'warning', `${s.pipelineRel}: stage ${s.name} runs in ${clip(wdir, 120)}, outside the store; its files are not linked`);
    return;
  }

  const linked = new Set<string>();
  const link = (nodeKey: string, role: Role, ev: Evidence) => {
    const edge: Omit<LineageEdge, 'evidence'> = role === 'deps' ? { from: nodeKey, to: key, relation: 'input', strength: 'declared' } : { from: key, to: nodeKey, relation: 'output', strength: 'declared' };
    b.edge(edge.from, edge.to, edge.relation, edge.strength, ev);
    linked.add(`${role === 'deps' ? 'in' : 'out'}:${nodeKey}`);
  };

  // What ran: entries with digests.
  if (s.locked && s.lock) {
    for (const role of ['deps', 'outs'] as const) {
      const list = raw[role];
      if (!Array.isArray(list)) continue;
      for (let i = 0; i < list.length; i++) {
        const path = [...s.locked.docPath, role, i];
        const ev: Evidence = { file: s.lock.rel, line: s.lock.lineOf(path), detail: pathText(path) };
        const entry = lockEntry(list[i], baseDir);
        if (typeof entry === 'string') {
          b.finding(s.lock.rel, 'dvc-entry-invalid', 'warning', `${s.lock.rel}: ${pathText(path)}: ${entry}; skipped`);
          continue;
        }
        const nodeKey = await em.node(entry, s.lock.rel, ev, dir);
        if (nodeKey) link(nodeKey, role, ev);
      }
    }
    for (const [file, values] of Object.entries(isRecord(raw.params) ? raw.params : {})) {
      const rel = resolveInStore(baseDir, file);
      if (rel === null) continue;
      const path = [...s.locked.docPath, 'params', file];
      const ev: Evidence = { file: s.lock.rel, line: s.lock.lineOf(path), detail: pathText(path) };
      b.node(fileNode(ctx, rel, { kind: 'config', evidence: [ev] }));
      b.edge(fileKey(rel), key, 'config', 'declared', ev);
      if (isRecord(values)) b.node({ ...fileNode(ctx, rel, { kind: 'config' }), props: { dvcParams: smallJson(values) } });
    }
  }

  // What is declared: stages not run yet, and paths the lock does not have.
  if (s.def && s.pipeline) {
    for (const role of ['deps', 'outs', 'metrics', 'plots'] as const) {
      const list = def[role];
      if (!Array.isArray(list)) continue;
      for (let i = 0; i < list.length; i++) {
        const path = [...s.def.docPath, role, i];
        const ev: Evidence = { file: s.pipelineRel, line: s.pipeline.lineOf(path), detail: pathText(path) };
        const entry = pipelineEntry(list[i], baseDir);
        if (typeof entry === 'string') {
          b.finding(s.pipelineRel, 'dvc-entry-invalid', 'warning', `${s.pipelineRel}: ${pathText(path)}: ${entry}; skipped`);
          continue;
        }
        if (entry.written.includes('${')) continue; // reported once above
        if (role === 'metrics' || role === 'plots') entry.flags[role === 'metrics' ? 'metric' : 'plot'] = true;
        await declared(ctx, b, em, s, entry, role, ev, linked, link, dir);
      }
    }
    for (const [file, keys] of paramFiles(def.params)) {
      const rel = resolveInStore(baseDir, file);
      if (rel === null) continue;
      const ev: Evidence = { file: s.pipelineRel, line: s.pipeline.lineOf([...s.def.docPath, 'params']), detail: `${pathText(s.def.docPath)}.params` };
      b.node(fileNode(ctx, rel, { kind: 'config', evidence: [ev], props: keys ? { dvcParamKeys: keys } : {} }));
      b.edge(fileKey(rel), key, 'config', 'declared', ev);
    }
  }
}

async function declared(ctx: ReaderContext, b: FragmentBuilder, em: EntryEmitter, s: StageInput, entry: DvcEntry, role: Role, ev: Evidence, linked: Set<string>, link: (k: string, r: Role, e: Evidence) => void, dir: string): Promise<void> {
  const known = entry.rel !== null && linked.has(`${role === 'deps' ? 'in' : 'out'}:${fileKey(entry.rel)}`);
  if (known) {
    // Flags such as `persist` or `desc` are only in dvc.yaml.
    if (Object.keys(entry.flags).length > 0) b.node({ ...fileNode(ctx, entry.rel!, {}), props: { dvc: entry.flags } });
    return;
  }
  const nodeKey = await em.node(entry, s.pipelineRel, ev, dir);
  if (!nodeKey) return;
  link(nodeKey, role, ev);
  if (s.locked) b.finding(s.pipelineRel, 'dvc-stage-changed', 'info', `${s.pipelineRel}: stage ${s.name} lists ${clip(entry.written, 120)} in ${role}, but dvc.lock does not: the stage changed since it last ran`);
}

/** `params:` of a dvc.yaml stage: keys of params.yaml, or `{file: [keys] | null}`. */
function paramFiles(params: unknown): Map<string, string[] | null> {
  const files = new Map<string, string[] | null>();
  if (!Array.isArray(params)) return files;
  for (const p of params) {
    if (typeof p === 'string') files.set('params.yaml', [...(files.get('params.yaml') ?? []), p]);
    else if (isRecord(p)) for (const [f, keys] of Object.entries(p)) files.set(f, Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : null);
  }
  return files;
}

function cmdOf(cmd: unknown): string | string[] | undefined {
  if (typeof cmd === 'string') return clip(cmd, 4096);
  if (Array.isArray(cmd)) return cmd.slice(0, 50).map((c) => clip(String(c), 4096));
  return undefined;
}

/** Values from files go into props only while small; a huge params block becomes a note. */
function smallJson(v: unknown): unknown {
  const text = JSON.stringify(v) ?? '';
  return text.length <= 64 * 1024 ? v : `(${text.length} characters of JSON, not kept)`;
}

/** ['stages', 'train', 'deps', 0] → "stages.train.deps[0]" */
export function pathText(path: DocPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
