import type { Evidence, NodeKind, ReaderContext, StoreReader } from '../model';
import { DvcCache } from './dvc/cache';
import { emitDvcFile } from './dvc/dvcfiles';
import { artifactKey, dvcDatasetKey, EntryEmitter } from './dvc/emit';
import { readLock, type Lock } from './dvc/lock';
import { readPipeline, type Pipeline, type StageDefinition } from './dvc/pipeline';
import { emitStage } from './dvc/stages';
import { baseName, clip, dirOf, fileKey, fileNode, FragmentBuilder, joinRel, resolveInStore } from './plain/fragment';

/**
 * DVC projects: pipelines (`dvc.yaml` + `dvc.lock`), tracked files (`.dvc`),
 * and declared artifacts. Stages become `dvc:stage:<dvc.yaml>:<name>` nodes;
 * their deps and outs become `file:<path>` nodes carrying the digest the lock
 * declares, joined to other readers' nodes of the same path.
 */

function isDvcMetafile(rel: string): 'pipeline' | 'lock' | 'dvcfile' | null {
  if (rel === '.dvc' || rel.startsWith('.dvc/') || rel.includes('/.dvc/')) return null; // DVC's own folder
  const name = baseName(rel);
  if (name === 'dvc.yaml') return 'pipeline';
  if (name === 'dvc.lock') return 'lock';
  // `Dvcfile`: DVC before 1.0 named a stage with no outs so (its `DVC_FILE`); it reads as a .dvc file.
  if ((name.endsWith('.dvc') && name !== '.dvc') || name === 'Dvcfile') return 'dvcfile';
  return null;
}

export const dvcReader: StoreReader = {
  id: 'dvc',
  match: (ctx) => {
    for (const rel of ctx.files.keys()) if (isDvcMetafile(rel)) return true;
    return false;
  },
  read: async (ctx) => {
    const b = new FragmentBuilder('dvc');
    const em = new EntryEmitter(ctx, b, new DvcCache(ctx.root));
    const pipelines: string[] = [];
    const locks = new Set<string>();
    const dvcFiles: string[] = [];
    for (const rel of ctx.files.keys()) {
      const what = isDvcMetafile(rel);
      if (what === 'pipeline') pipelines.push(rel);
      else if (what === 'lock') locks.add(rel);
      else if (what === 'dvcfile') dvcFiles.push(rel);
    }
    for (const rel of pipelines.sort()) {
      const lockRel = joinRel(dirOf(rel), 'dvc.lock');
      const hasLock = locks.delete(lockRel);
      const lock = hasLock ? await readLock(ctx, b, lockRel) : undefined;
      const pipeline = await readPipeline(ctx, b, rel);
      if (pipeline) {
        await emitPipeline(ctx, b, em, pipeline, lock, hasLock);
        emitDeclarations(ctx, b, pipeline);
      } else if (lock) {
        await emitLockOnly(ctx, b, em, rel, lock);
      }
    }
    // A lock without its dvc.yaml still says what ran.
    for (const lockRel of [...locks].sort()) {
      const lock = await readLock(ctx, b, lockRel);
      if (lock) await emitLockOnly(ctx, b, em, joinRel(dirOf(lockRel), 'dvc.yaml'), lock);
    }
    for (const rel of dvcFiles.sort()) await emitDvcFile(ctx, b, em, rel);
    return b.build();
  },
};

async function emitPipeline(ctx: ReaderContext, b: FragmentBuilder, em: EntryEmitter, pipeline: Pipeline, lock: Lock | undefined, hasLockFile: boolean): Promise<void> {
  const rel = pipeline.rel;
  const done = new Set<string>();
  const stages: StageDefinition[] = [...pipeline.stages];
  // Groups whose items live only in the lock: one stage per `group@key` the lock has.
  for (const group of pipeline.opaqueGroups) {
    for (const name of lock?.stages.keys() ?? []) {
      if (name.startsWith(`${group.name}@`)) stages.push({ name, group: group.name, def: {}, docPath: group.docPath, unresolved: [] });
    }
  }
  for (const def of stages) {
    const locked = lock?.stages.get(def.name);
    await emitStage(ctx, b, em, { pipelineRel: rel, name: def.name, def, pipeline, locked, lock });
    done.add(def.name);
    if (!locked && lock) b.finding(rel, 'dvc-stage-not-run', 'info', `${rel}: stage ${def.name} is not in ${lock.rel}: it has not run yet (or its run was not committed)`);
  }
  if (!hasLockFile && stages.length > 0) b.finding(rel, 'dvc-pipeline-not-run', 'info', `${rel}: there is no dvc.lock beside it: none of its ${stages.length} stages has run yet`);
  for (const [name, locked] of lock?.stages ?? []) {
    if (done.has(name)) continue;
    b.finding(lock!.rel, 'dvc-lock-stage-orphan', 'info', `${lock!.rel}: stage ${name} is no longer in ${rel}; what it ran is still shown`);
    await emitStage(ctx, b, em, { pipelineRel: rel, name, locked, lock });
  }
}

async function emitLockOnly(ctx: ReaderContext, b: FragmentBuilder, em: EntryEmitter, pipelineRel: string, lock: Lock): Promise<void> {
  for (const [name, locked] of lock.stages) await emitStage(ctx, b, em, { pipelineRel, name, locked, lock });
}

/** Top-level `artifacts` (registered models and data, as GTO reads them) and `datasets`. */
function emitDeclarations(ctx: ReaderContext, b: FragmentBuilder, pipeline: Pipeline): void {
  const dir = dirOf(pipeline.rel);
  for (const a of pipeline.artifacts) {
    const fullname = dir ? `${dir}:${a.name}` : a.name;
    const ev: Evidence = { file: pipeline.rel, line: a.line, detail: `artifacts.${a.name}` };
    const key = artifactKey(fullname);
    b.node({
      key,
      kind: 'registered-model',
      label: fullname,
      props: { name: a.name, type: a.type, desc: a.desc && clip(a.desc, 1024), labels: a.labels, path: a.path, meta: a.meta === undefined ? undefined : clip(JSON.stringify(a.meta) ?? '', 2048), declaredIn: pipeline.rel },
      evidence: [ev],
    });
    if (a.path === undefined) {
      b.finding(pipeline.rel, 'dvc-artifact-no-path', 'warning', `${pipeline.rel}: artifact ${a.name} has no path`);
      continue;
    }
    const rel = resolveInStore(dir, a.path);
    if (rel === null) continue; // a remote path: kept in props
    const kind: NodeKind | undefined = a.type === 'model' ? 'checkpoint' : a.type === 'data' || a.type === 'dataset' ? 'dataset' : undefined;
    b.node(fileNode(ctx, rel, { kind, evidence: [ev] }));
    b.edge(fileKey(rel), key, 'version-of', 'declared', ev);
  }
  for (const d of pipeline.datasets) {
    b.node({ key: dvcDatasetKey(dir, d.name), kind: 'dataset', label: d.name, props: { ...d.props, present: false }, evidence: [{ file: pipeline.rel, line: d.line, detail: `datasets[${d.name}]` }] });
  }
}
