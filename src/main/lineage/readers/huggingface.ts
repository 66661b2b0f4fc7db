import type { Evidence, NodeKind, ReaderContext, StoreReader } from '../model';
import { findHubRepos, presentHubKeys, readSnapshots, type HubRepo } from './huggingface/cache';
import { hubKey, hubNode, linkCard, readCard } from './huggingface/card';
import { describeFolder, hfModelFolders, type FolderFacts } from './huggingface/folder';
import { LEGACY_BLOB, legacyDigest, parseLegacyMeta, type LegacyDownload } from './huggingface/legacy-cache';
import { downloadRecordOf, etagDigest, parseDownloadMetadata, type DownloadMetadata } from './huggingface/local-dir';
import { baseName, dirOf, fileKey, FragmentBuilder, joinRel, kindOfPath, readBounded } from './plain/fragment';
import type { NodeFile } from '../model';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';

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
  match: (ctx) => findHubRepos(ctx).length > 0 || [...ctx.files.keys()].some((p) => FOLDER_MARKERS.has(baseName(p)) || p.endsWith('.safetensors.index.json') || downloadRecordOf(p) !== null || isLegacyBlob(ctx, p)),
  read: async (ctx) => {
    const b = new FragmentBuilder('huggingface');
    const repos = findHubRepos(ctx);
    const present = presentHubKeys(repos);
    const isPresent = (key: string) => present.has(key);
    for (const repo of repos) await emitCacheRepo(ctx, b, repo, isPresent);
    await emitLegacyCache(ctx, b, present);
    const downloads = await readLocalDownloads(ctx, b);
    const folders = new Set([...(await hfModelFolders(ctx, repos, b)), ...downloads.keys()]);
    for (const dir of [...folders].sort()) await emitFolder(ctx, b, dir, isPresent, downloads.get(dir));
    return b.build();
  },
};

interface LocalDownload {
  files: Map<string, DownloadMetadata>;
  incomplete: string[];
}

/** `.cache/huggingface/download/` metadata of folders downloaded into (see local-dir.ts), by folder. */
async function readLocalDownloads(ctx: ReaderContext, b: FragmentBuilder): Promise<Map<string, LocalDownload>> {
  const out = new Map<string, LocalDownload>();
  for (const rel of ctx.files.keys()) {
    const rec = downloadRecordOf(rel);
    if (!rec) continue;
    let dl = out.get(rec.localDir);
    if (!dl) out.set(rec.localDir, (dl = { files: new Map(), incomplete: [] }));
    if (rec.incomplete) {
      dl.incomplete.push(rec.file);
      b.finding(rel, 'hf-download-incomplete', 'info', `${joinRel(rec.localDir, rec.file)} was being downloaded and did not finish (${rel})`);
      continue;
    }
    const read = await readBounded(posix.join(ctx.root, rel), 4096);
    const meta = read.ok ? parseDownloadMetadata(read.bytes.toString('utf8')) : read.message;
    if (typeof meta === 'string') b.finding(rel, 'hf-download-metadata-invalid', 'warning', `${rel}: ${meta}; huggingface_hub would discard it`);
    else dl.files.set(rec.file, meta);
  }
  return out;
}

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

async function emitFolder(ctx: ReaderContext, b: FragmentBuilder, dir: string, isPresent: (key: string) => boolean, download?: LocalDownload): Promise<void> {
  const files = [...ctx.files.entries()]
    .filter(([rel]) => dirOf(rel) === dir)
    .map(([rel, f]) => ({ name: baseName(rel), path: rel, size: f.size, digest: f.sha256 ? { algorithm: 'sha256' as const, value: f.sha256 } : undefined }))
    .sort((x, y) => x.name.localeCompare(y.name));
  const facts = await describeFolder(ctx, b, files);
  const card = facts.card ? await readCard(ctx, b, facts.card) : undefined;
  const key = fileKey(dir);
  const cardMeta = card?.meta?.props as Record<string, unknown> | undefined;
  // A model card says what the repository is even without config.json (NeMo, scikit-learn, …): pipeline_tag and library_name are model-only keys.
  const isModel = facts.props.model_type !== undefined || facts.props.architectures !== undefined || facts.props.adapter !== undefined || facts.props._class_name !== undefined || files.some((f) => f.name === 'config.json') || cardMeta?.pipeline_tag !== undefined || cardMeta?.library_name !== undefined;
  const evidenceFile = files.find((f) => ['config.json', 'adapter_config.json', 'model_index.json'].includes(f.name))?.path;
  const props: Record<string, unknown> = { directory: true, format: 'huggingface', ...facts.props, card: card?.meta?.props };
  const nodeFiles = download ? withDownloadDigests(ctx, b, dir, facts.files, download, props) : facts.files;
  const kind = isModel || nodeFiles.some((f) => kindOfPath(f.path) === 'checkpoint') ? 'checkpoint' : 'dataset';
  // The download's metadata first: a digest mismatch on a file names the evidence it was declared by.
  const evidence = [
    ...(download ? [{ file: joinRel(dir, '.cache/huggingface/download'), detail: 'Hugging Face download metadata (commit and etag of each file)' }] : []),
    ...(evidenceFile || !download ? [{ file: evidenceFile ?? dir, detail: 'Hugging Face model folder' }] : []),
  ];
  b.node({ key, kind, label: `${baseName(dir) || '.'}/`, props, files: nodeFiles, evidence });
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

/**
 * The digests a download's metadata declares, on the folder's files: a SHA-256
 * (LFS files) is checked against the index like any declared digest, a git
 * blob id by `pedigree verify`.
 */
function withDownloadDigests(ctx: ReaderContext, b: FragmentBuilder, dir: string, files: NodeFile[], download: LocalDownload, props: Record<string, unknown>): NodeFile[] {
  const out = new Map(files.map((f) => [f.path, f]));
  const commits = new Set<string>();
  let latest = 0;
  for (const [file, meta] of [...download.files].sort(([a], [b]) => a.localeCompare(b))) {
    commits.add(meta.commit);
    latest = Math.max(latest, meta.timestamp);
    const path = joinRel(dir, file);
    const declared = etagDigest(meta.etag);
    const indexed = ctx.files.get(path);
    // Declared whatever the file's time: a copy without its times (cp -r) is still the download when its content is;
    // one whose content changed is a digest mismatch, named as such.
    if (!declared) continue;
    const known = out.get(path);
    const kept = (known?.digests ?? []).filter((d) => d.algorithm !== declared.algorithm);
    out.set(path, { path, size: known?.size ?? indexed?.size, digests: [declared, ...kept], declaredOnly: indexed ? undefined : true });
  }
  props.download = {
    commit: commits.size === 1 ? [...commits][0] : undefined,
    commits: commits.size > 1 ? [...commits].sort() : undefined,
    files: download.files.size,
    incomplete: download.incomplete.length > 0 ? download.incomplete.slice(0, 50) : undefined,
    downloadedAt: latest > 0 ? new Date(latest * 1000).toISOString() : undefined,
  };
  return [...out.values()];
}

/** A download in transformers' old cache: a hashed name with its `.json` beside it. */
function isLegacyBlob(ctx: ReaderContext, rel: string): boolean {
  return LEGACY_BLOB.test(baseName(rel)) && ctx.files.has(`${rel}.json`);
}

/**
 * transformers' cache before huggingface_hub's (see legacy-cache.ts): one node
 * per repository and revision its downloads came from, the files listed by
 * their cache names with the etag each was downloaded with as its digest.
 */
async function emitLegacyCache(ctx: ReaderContext, b: FragmentBuilder, present: Set<string>): Promise<void> {
  const groups = new Map<string, { repo: NonNullable<LegacyDownload['repo']>; files: { rel: string; meta: LegacyDownload }[] }>();
  for (const rel of [...ctx.files.keys()].filter((p) => isLegacyBlob(ctx, p)).sort()) {
    const read = await readBounded(posix.join(ctx.root, `${rel}.json`), 64 * 1024);
    const meta = read.ok ? parseLegacyMeta(read.bytes.toString('utf8')) : read.message;
    if (typeof meta === 'string') {
      b.finding(`${rel}.json`, 'hf-legacy-meta-invalid', 'warning', `${rel}.json: ${meta}`);
      continue;
    }
    if (!meta.repo) continue; // a download from elsewhere (a dataset script's URL): nothing names a repository
    const key = `${meta.repo.type}\0${meta.repo.id}\0${meta.repo.revision ?? ''}`;
    if (!groups.has(key)) groups.set(key, { repo: meta.repo, files: [] });
    groups.get(key)!.files.push({ rel, meta });
  }
  for (const { repo, files } of groups.values()) {
    const repoKey = hubKey(repo.type, repo.id);
    present.add(repoKey);
    b.node({ ...hubNode(repo.type, repo.id, true, { file: dirOf(files[0]!.rel) || '.', detail: 'transformers cache (before huggingface_hub)' }), props: { repoId: repo.id, repoType: repo.type, present: true } });
    // Newest download of each file wins (a file fetched again after the repository changed).
    const byName = new Map<string, { rel: string; meta: LegacyDownload; mtime: number }>();
    for (const f of files) {
      const mtime = await stat(posix.join(ctx.root, f.rel)).then((st) => st.mtimeMs, () => 0);
      const held = byName.get(f.meta.repo!.file);
      if (!held || mtime > held.mtime || (mtime === held.mtime && f.rel > held.rel)) byName.set(f.meta.repo!.file, { ...f, mtime });
    }
    const folderFiles = [...byName].map(([name, f]) => ({ name, path: f.rel, size: ctx.files.get(f.rel)?.size }));
    const facts = await describeFolder(ctx, b, folderFiles);
    const nodeFiles: NodeFile[] = [...byName].map(([, f]) => {
      const digest = legacyDigest(f.meta);
      return { path: f.rel, size: ctx.files.get(f.rel)?.size, digests: digest ? [digest] : undefined };
    });
    const revision = repo.revision ?? 'unknown revision';
    const key = `${repoKey}@${repo.revision ?? 'legacy-cache'}`;
    // The cache folder, not one download's .json: a mismatch on any of its files is declared by the cache.
    const evidence = { file: dirOf(files[0]!.rel) || '.', detail: `transformers cache: ${byName.size} file(s) downloaded from ${repo.id}${repo.revision ? `@${repo.revision}` : ''}` };
    const kind: NodeKind = repo.type === 'dataset' ? 'dataset' : repo.type === 'space' ? 'code' : 'checkpoint';
    b.node({ key, kind, label: `${repo.id}@${revision}`, props: { repoId: repo.id, repoType: repo.type, revision: repo.revision, legacyCache: true, files: Object.fromEntries([...byName].map(([name, f]) => [name, f.rel])), ...facts.props }, files: nodeFiles, evidence: [evidence] });
    b.edge(key, repoKey, 'version-of', 'declared', evidence);
    linkBases(b, facts, key, repo.id, (k) => present.has(k));
  }
}
