import type { Evidence, ReaderContext } from '../../model';
import { clip, dirOf, readDocument, resolveInStore, type FragmentBuilder } from '../plain/fragment';
import { isRecord } from '../plain/safe-yaml';
import type { EntryEmitter } from './emit';
import { lockEntry } from './entries';
import { pathText } from './stages';

/**
 * `.dvc` files. `dvc add` writes only `outs` (the tracked file and its
 * digest); `dvc import` and `import-url` add `deps` (the source, with
 * `repo: {url, rev_lock}` for an import) and `frozen: true`. DVC before 1.0
 * also kept pipeline stages here, with `cmd`. A file with deps or a command
 * is a stage of its own: `dvc:stage:<path>`.
 */

export function dvcFileStageKey(rel: string): string {
  return `dvc:stage:${rel}`;
}

export async function emitDvcFile(ctx: ReaderContext, b: FragmentBuilder, em: EntryEmitter, rel: string): Promise<void> {
  const doc = await readDocument(ctx, b, rel, 'dvc-file');
  if (!doc || doc.value === null || doc.value === undefined) return;
  if (!isRecord(doc.value)) {
    b.finding(rel, 'dvc-file-invalid', 'error', `${rel}: the top level is not a mapping`);
    return;
  }
  const top = doc.value;
  const wdir = typeof top.wdir === 'string' ? top.wdir : '.';
  const baseDir = resolveInStore(dirOf(rel), wdir);
  if (baseDir === null) {
    b.finding(rel, 'dvc-wdir-outside-store', 'warning', `${rel}: wdir ${clip(wdir, 120)} is outside the store; its files are not linked`);
    return;
  }
  const deps = Array.isArray(top.deps) ? top.deps : [];
  const isStage = deps.length > 0 || top.cmd !== undefined;
  const stage = dvcFileStageKey(rel);
  if (isStage) {
    const imported = deps.some((d) => isRecord(d) && isRecord(d.repo));
    const url = deps.length > 0 && isRecord(deps[0]) && typeof deps[0].path === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(deps[0].path);
    b.node({
      key: stage,
      kind: 'stage',
      label: rel,
      props: {
        dvcFile: rel,
        cmd: typeof top.cmd === 'string' ? clip(top.cmd, 4096) : undefined,
        frozen: top.frozen === true || top.locked === true || undefined,
        import: imported ? 'repo' : url ? 'url' : undefined,
        desc: typeof top.desc === 'string' ? clip(top.desc, 1024) : undefined,
        md5: typeof top.md5 === 'string' ? clip(top.md5, 64) : undefined,
      },
      evidence: [{ file: rel, line: 1 }],
    });
  }
  for (const role of ['deps', 'outs'] as const) {
    const list = top[role];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      b.finding(rel, 'dvc-entry-invalid', 'warning', `${rel}: "${role}" is not a list; skipped`);
      continue;
    }
    for (let i = 0; i < list.length; i++) {
      const ev: Evidence = { file: rel, line: doc.lineOf([role, i]), detail: pathText([role, i]) };
      const entry = lockEntry(list[i], baseDir);
      if (typeof entry === 'string') {
        b.finding(rel, 'dvc-entry-invalid', 'warning', `${rel}: ${pathText([role, i])}: ${entry}; skipped`);
        continue;
      }
      const key = await em.node(entry, rel, ev, dirOf(rel));
      if (!key || !isStage) continue;
      if (role === 'deps') b.edge(key, stage, 'input', 'declared', ev);
      else b.edge(stage, key, 'output', 'declared', ev);
    }
  }
}
