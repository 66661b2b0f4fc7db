import type { Evidence, NodeKind, ReaderContext, StoreReader } from '../model';
import { findHubRepos, presentHubKeys, readSnapshots, type HubRepo } from './huggingface/cache';
import { hubKey, hubNode, linkCard, readCard } from './huggingface/card';
import { describeFolder, hfModelFolders, type FolderFacts } from './huggingface/folder';
import { baseName, dirOf, fileKey, FragmentBuilder, joinRel } from './plain/fragment';

/**
 * Hugging Face models and datasets: the hub cache (`models--org--name`,
 * `datasets--…`), one checkpoint node per snapshot (`hf:model:<id>@<commit>`)
 * that is a version of the repository's node (`hf:model:<id>`); and model
 * folders saved outside the cache, as `file:<folder>` checkpoint nodes. Card
 * metadata declares base models and datasets; a repository the store does
 * not hold is a node with `present: false`.
 */

const FOLDER_MARKERS = new Set(['config.json', 'adapter_config.json', 'model_index.json']);

export const huggingFaceReader: StoreReader = {
  id: 'huggingface',
  match: (ctx) => findHubRepos(ctx).length > 0 || [...ctx.files.keys()].some((p) => FOLDER_MARKERS.has(baseName(p)) || p.endsWith('.safetensors.index.json')),
  read: async (ctx) => {
    const b = new FragmentBuilder('huggingface');
    const repos = findHubRepos(ctx);
    const present = presentHubKeys(repos);
    const isPresent = (key: string) => present.has(key);
    for (const repo of repos) await emitCacheRepo(ctx, b, repo, isPresent);
    for (const dir of [...(await hfModelFolders(ctx, repos, b))].sort()) await emitFolder(ctx, b, dir, isPresent);
    return b.build();
  },
};

async function emitCacheRepo(ctx: ReaderContext, b: FragmentBuilder, repo: HubRepo, isPresent: (key: string) => boolean): Promise<void> {
  const repoKey = hubKey(repo.type, repo.id);
  b.node({ ...hubNode(repo.type, repo.id, true, { file: repo.dir || '.', detail: 'hub cache folder' }), props: { repoId: repo.id, repoType: repo.type, present: true, cacheFolder: repo.dir || '.' } });
  const kind: NodeKind = repo.type === 'dataset' ? 'dataset' : repo.type === 'space' ? 'code' : 'checkpoint';
  for (const snap of await readSnapshots(ctx, b, repo)) {
    const key = `${repoKey}@${snap.commit}`;
    const facts = await describeFolder(ctx, b, snap.files);
    const evidence: Evidence[] = [{ file: snap.dir, detail: `snapshot ${snap.commit}` }, ...snap.refs.map((r) => ({ file: joinRel(repo.dir, `refs/${r}`), detail: `refs/${r} → ${snap.commit}` }))];
    const card = facts.card ? await readCard(ctx, b, facts.card) : undefined;
    b.node({
      key,
      kind,
      label: `${repo.id}@${snap.refs[0] ?? snap.commit.slice(0, 10)}`,
      props: { repoId: repo.id, repoType: repo.type, commit: snap.commit, revision: snap.refs[0] ?? snap.commit, refs: snap.refs, knownMissing: snap.knownMissing.length > 0 ? snap.knownMissing : undefined, ...facts.props, card: card?.meta?.props },
      files: facts.files,
      evidence,
    });
    b.edge(key, repoKey, 'version-of', 'declared', evidence[evidence.length - 1]!);
    if (card) linkCard(b, card, key, isPresent);
    linkBases(b, facts, key, repo.id, isPresent);
  }
}

async function emitFolder(ctx: ReaderContext, b: FragmentBuilder, dir: string, isPresent: (key: string) => boolean): Promise<void> {
  const files = [...ctx.files.entries()]
    .filter(([rel]) => dirOf(rel) === dir)
    .map(([rel, f]) => ({ name: baseName(rel), path: rel, size: f.size, digest: f.sha256 ? { algorithm: 'sha256' as const, value: f.sha256 } : undefined }))
    .sort((x, y) => x.name.localeCompare(y.name));
  const facts = await describeFolder(ctx, b, files);
  const card = facts.card ? await readCard(ctx, b, facts.card) : undefined;
  const key = fileKey(dir);
  b.node({ key, kind: 'checkpoint', label: `${baseName(dir) || '.'}/`, props: { directory: true, format: 'huggingface', ...facts.props, card: card?.meta?.props }, files: facts.files, evidence: [{ file: files.find((f) => ['config.json', 'adapter_config.json', 'model_index.json'].includes(f.name))?.path ?? dir, detail: 'Hugging Face model folder' }] });
  if (card) linkCard(b, card, key, isPresent);
  linkBases(b, facts, key, undefined, isPresent);
}

/** An adapter's base model (declared) and the id a model was loaded from (inferred). */
function linkBases(b: FragmentBuilder, facts: FolderFacts, key: string, ownId: string | undefined, isPresent: (key: string) => boolean): void {
  for (const base of facts.bases) {
    if (base.id === ownId) continue;
    const baseKey = hubKey('model', base.id);
    b.node(hubNode('model', base.id, isPresent(baseKey), base.evidence));
    b.edge(baseKey, key, 'base-model', base.strength, base.evidence);
  }
}
