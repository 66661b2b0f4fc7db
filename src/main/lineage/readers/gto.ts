import { join } from 'node:path';
import type { Evidence, ReaderContext, StoreReader } from '../model';
import { artifactKey } from './dvc/emit';
import { discoverRepos, gitLikely, toStoreRel, workTreePathInStore, type FoundRepo } from './git/discover';
import { ObjectStore, type CorruptObject } from './git/objects';
import { Refs } from './git/repo';
import { commitKey, commitProps, readTags, tryReadCommit, type TagInfo } from './git/tags';
import { fileKey, fileNode, FragmentBuilder, readBounded } from './plain/fragment';
import { isRecord, parseBytes } from './plain/safe-yaml';

/**
 * GTO's registry in git tags (iterative/gto `constants.py`, `tag.py`):
 *   `name@v1.2.3`          registers a version     `name@v1.2.3!`  deregisters it
 *   `name#stage`           assigns a stage         `name#stage!`   unassigns it
 *   `name@deprecated`      deprecates the artifact
 * each optionally followed by `#N`, a counter GTO adds to keep tag names
 * unique. An artifact in a subfolder's dvc.yaml is `dir:name`, written
 * `dir=name` in a tag. GTO reads only annotated tags, ordered by their date;
 * older GTO wrote `name#stage` without a counter and `v1`-style versions.
 * Artifact paths come from `dvc.yaml` `artifacts:` or GTO's own `artifacts.yaml`.
 */

const NAME = '[a-z0-9](?:[a-z0-9-/]*[a-z0-9])?';
const SEMVER = '(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const TAG = new RegExp(`^(?:([a-z0-9-_./]+)=)?(${NAME})(?:(?:#(${NAME})|@(v${SEMVER}|v\\d+))(!?)|@(deprecated|created))(?:#(\\d+))?$`);

export type GtoAction = 'register' | 'deregister' | 'assign' | 'unassign' | 'deprecate' | 'create';

export interface GtoTag {
  /** `dir:name`, or `name` for an artifact at the repository root. */
  artifact: string;
  action: GtoAction;
  version?: string;
  stage?: string;
  counter?: number;
}

export function parseGtoTag(tag: string): GtoTag | undefined {
  const m = TAG.exec(tag);
  if (!m) return undefined;
  const [, dir, name, stage, version, cancel, special, counter] = m;
  const parsed: GtoTag = { artifact: dir ? `${dir}:${name}` : name!, action: 'create' };
  if (special === 'deprecated') parsed.action = 'deprecate';
  else if (version) Object.assign(parsed, { version, action: cancel ? 'deregister' : 'register' });
  else if (stage) Object.assign(parsed, { stage, action: cancel ? 'unassign' : 'assign' });
  if (counter !== undefined) parsed.counter = Number(counter);
  return parsed;
}

interface Event extends GtoTag {
  tag: TagInfo;
  time: number;
}

interface VersionState {
  version: string;
  commit?: string;
  registered: boolean;
  tag?: string;
  registeredAt?: string;
  tagger?: string;
  message?: string;
  deregistered?: { at?: string; tag: string };
  /** Registrations and deregistrations, in time order: the last decides whether the version is active. */
  direct: { action: 'register' | 'deregister'; time: number }[];
  stageHistory: { stage: string; action: 'assign' | 'unassign'; at?: string; tag: string; time: number }[];
  evidence: Evidence[];
}

/**
 * GTO's reading of the events (gto/base.py): a version is active when its
 * last registration event is a registration (or, never registered, when
 * stages were assigned to its commit); a stage is on a version when the last
 * event of that stage on that version is an assignment; of the active
 * versions holding a stage, `gto show` names the one assigned it last
 * (VersionSort.Timestamp, one version per stage); an artifact is deprecated
 * when its very last event is a deprecation.
 */
function isActive(v: VersionState): boolean {
  const last = v.direct[v.direct.length - 1];
  return last ? last.action === 'register' : v.stageHistory.length > 0;
}

/** When the stage was last assigned to the version, if its last event there is an assignment. */
function stageAssignedAt(v: VersionState, stage: string): number | undefined {
  const last = [...v.stageHistory].reverse().find((h) => h.stage === stage);
  return last?.action === 'assign' ? last.time : undefined;
}

function currentStages(versions: Iterable<VersionState>): Map<string, string> {
  const best = new Map<string, { version: string; time: number }>();
  for (const v of versions) {
    if (!isActive(v)) continue;
    for (const stage of new Set(v.stageHistory.map((h) => h.stage))) {
      const time = stageAssignedAt(v, stage);
      if (time === undefined) continue;
      const held = best.get(stage);
      if (!held || time >= held.time) best.set(stage, { version: v.version, time });
    }
  }
  return new Map([...best].map(([stage, b]) => [stage, b.version]));
}

export const gtoReader: StoreReader = {
  id: 'gto',
  match: (ctx) => gitLikely(ctx),
  read: async (ctx) => {
    const b = new FragmentBuilder('gto');
    for (const found of (await discoverRepos(ctx)).repos) await readRegistry(ctx, b, found);
    return b.build();
  },
};

async function readRegistry(ctx: ReaderContext, b: FragmentBuilder, found: FoundRepo): Promise<void> {
  const objects = await ObjectStore.open(join(found.repo.commonDir, 'objects'), found.repo.hashBytes);
  const corrupt = (e: CorruptObject) => b.finding(toStoreRel(ctx.root, e.file), 'gto-object-corrupt', 'warning', `${toStoreRel(ctx.root, e.file)}: ${e.message}`);
  try {
    const refs = new Refs(found.repo);
    const head = await refs.head();
    const headSha = head.kind === 'invalid' ? undefined : head.sha;
    const events: Event[] = [];
    for (const tag of await readTags(refs, objects, corrupt)) {
      const parsed = parseGtoTag(tag.name);
      if (!parsed) continue;
      const file = toStoreRel(ctx.root, tag.file);
      if (!tag.annotated) {
        b.finding(file, 'gto-lightweight-tag', 'info', `tag ${tag.name} has GTO's form but is a lightweight tag, which GTO ignores`);
        continue;
      }
      if (!tag.commit) {
        b.finding(file, 'gto-tag-target-missing', 'warning', `tag ${tag.name}: the commit it points at is not in the object store`);
        continue;
      }
      events.push({ ...parsed, tag, time: tag.tagger?.time ?? 0 });
    }
    events.sort((x, y) => x.time - y.time || (x.counter ?? 0) - (y.counter ?? 0) || x.tag.name.localeCompare(y.tag.name));
    const declared = await declaredArtifacts(ctx, found, new Set(events.map((e) => e.artifact)));
    const allowedStages = await configuredStages(found);
    const byArtifact = new Map<string, Event[]>();
    for (const e of events) byArtifact.set(e.artifact, [...(byArtifact.get(e.artifact) ?? []), e]);
    for (const name of new Set([...byArtifact.keys(), ...declared.keys()])) {
      await emitArtifact(ctx, b, found, objects, corrupt, name, byArtifact.get(name) ?? [], declared.get(name), headSha, allowedStages);
    }
  } finally {
    await objects.close();
  }
}

async function emitArtifact(
  ctx: ReaderContext,
  b: FragmentBuilder,
  found: FoundRepo,
  objects: ObjectStore,
  corrupt: (e: CorruptObject) => void,
  name: string,
  events: Event[],
  declared: Declared | undefined,
  headSha: string | undefined,
  allowedStages: string[] | undefined,
): Promise<void> {
  const versions = new Map<string, VersionState>();
  let deprecated: { at?: string; tag: string } | undefined;
  const evidenceOf = (e: Event): Evidence => ({ file: toStoreRel(ctx.root, e.tag.file), detail: `tag ${e.tag.name}` });
  const versionAt = (commit: string) => [...versions.values()].reverse().find((v) => v.commit === commit && v.registered && isActive(v));
  for (const e of events) {
    const at = e.tag.tagger?.date;
    // Any later event makes a deprecated artifact active again (GTO looks at the last event only).
    if (e.action !== 'deprecate') deprecated = undefined;
    if (e.action === 'register' || e.action === 'deregister') {
      const v = versions.get(e.version!) ?? { version: e.version!, registered: false, direct: [], stageHistory: [], evidence: [] };
      versions.set(e.version!, v);
      v.evidence.push(evidenceOf(e));
      v.direct.push({ action: e.action, time: e.time });
      if (e.action === 'register') Object.assign(v, { registered: true, commit: e.tag.commit, tag: e.tag.name, registeredAt: at, tagger: e.tag.tagger?.name, message: e.tag.message, deregistered: undefined });
      else v.deregistered = { at, tag: e.tag.name };
    } else if (e.action === 'assign' || e.action === 'unassign') {
      if (allowedStages && !allowedStages.includes(e.stage!)) b.finding(toStoreRel(ctx.root, e.tag.file), 'gto-stage-not-allowed', 'warning', `tag ${e.tag.name} assigns stage ${e.stage}, which .gto does not list`);
      // A stage on a commit without a registered version names the version by the commit, as GTO does.
      let v = versionAt(e.tag.commit!);
      if (!v) {
        v = versions.get(e.tag.commit!) ?? { version: e.tag.commit!, commit: e.tag.commit, registered: false, direct: [], stageHistory: [], evidence: [] };
        versions.set(v.version, v);
      }
      v.evidence.push(evidenceOf(e));
      v.stageHistory.push({ stage: e.stage!, action: e.action, at, tag: e.tag.name, time: e.time });
    } else if (e.action === 'deprecate') {
      deprecated = { at, tag: e.tag.name };
    }
  }
  const stages = currentStages(versions.values());
  const key = artifactKey(name);
  b.node({
    key,
    kind: 'registered-model',
    label: name,
    props: { name, type: declared?.type, path: declared?.path, description: declared?.description, labels: declared?.labels, deprecated: deprecated !== undefined, deprecatedAt: deprecated?.at, stages: Object.fromEntries(stages), versions: [...versions.keys()] },
    evidence: [...events.map(evidenceOf), ...(declared ? [declared.evidence] : [])],
  });
  for (const v of versions.values()) {
    const vkey = `${key}@${v.version}`;
    const current = [...stages].filter(([, ver]) => ver === v.version).map(([s]) => s);
    b.node({
      key: vkey,
      kind: 'model-version',
      label: `${name}@${v.version.length === 40 ? v.version.slice(0, 10) : v.version}`,
      props: { artifact: name, version: v.version, registered: v.registered, active: isActive(v), commit: v.commit, tag: v.tag, registeredAt: v.registeredAt, tagger: v.tagger, message: v.message, deregistered: v.deregistered, stages: current, stageHistory: v.stageHistory.map(({ time: _, ...h }) => h) },
      evidence: v.evidence,
    });
    b.edge(vkey, key, 'registered', 'declared', v.evidence[0]!);
    if (!v.commit) continue;
    b.node({ key: commitKey(v.commit), kind: 'code', label: v.commit.slice(0, 10), props: commitProps(v.commit, await tryReadCommit(objects, v.commit, corrupt)), evidence: [v.evidence[0]!] });
    b.edge(commitKey(v.commit), vkey, 'code', 'declared', v.evidence[0]!);
    // The artifact's file in the store is this version only when the store shows that commit.
    const rel = declared?.path ? workTreePathInStore(ctx.root, found, declared.path) : null;
    if (rel !== null && v.commit === headSha && ctx.files.has(rel)) {
      b.node(fileNode(ctx, rel, { evidence: [declared!.evidence] }));
      b.edge(fileKey(rel), vkey, 'version-of', 'inferred', { ...declared!.evidence, detail: `${declared!.evidence.detail}; version ${v.version} is at HEAD` });
    }
  }
}

interface Declared {
  type?: string;
  path?: string;
  description?: string;
  labels?: string[];
  evidence: Evidence;
}

/**
 * Artifacts declared in the work tree's `artifacts.yaml` (GTO 0.1-0.2; `.gto`
 * may rename it with `INDEX`) and root `dvc.yaml` (DVC and GTO since 0.3);
 * an artifact `dir:name` that tags name is declared in `dir/dvc.yaml`, its
 * path relative to that folder.
 */
async function declaredArtifacts(ctx: ReaderContext, found: FoundRepo, tagged: Set<string>): Promise<Map<string, Declared>> {
  const out = new Map<string, Declared>();
  const index = (await gtoConfig(found))?.INDEX;
  const sources: { file: string; dir: string }[] = [
    { file: typeof index === 'string' && index && !index.includes('..') ? index : 'artifacts.yaml', dir: '' },
    { file: 'dvc.yaml', dir: '' },
    ...[...new Set([...tagged].filter((a) => a.includes(':')).map((a) => a.slice(0, a.lastIndexOf(':'))))].filter((d) => !d.split('/').includes('..')).map((dir) => ({ file: `${dir}/dvc.yaml`, dir })),
  ];
  for (const { file, dir } of sources) {
    const read = await readBounded(join(found.repo.workTree, file), 10 * 1024 * 1024);
    if (!read.ok) continue;
    const doc = parseBytes(read.bytes); // problems are the DVC reader's to report
    if (!doc.ok || !isRecord(doc.value)) continue;
    const table = file.endsWith('dvc.yaml') ? doc.value.artifacts : doc.value;
    if (!isRecord(table)) continue;
    for (const [short, a] of Object.entries(table)) {
      const name = dir ? `${dir}:${short}` : short;
      if (!isRecord(a) || out.has(name)) continue;
      const path = file.endsWith('dvc.yaml') ? ['artifacts', short] : [short];
      out.set(name, {
        type: typeof a.type === 'string' ? a.type : undefined,
        path: typeof a.path === 'string' ? (dir ? `${dir}/${a.path}` : a.path) : undefined,
        description: typeof a.description === 'string' ? a.description : typeof a.desc === 'string' ? a.desc : undefined,
        labels: Array.isArray(a.labels) ? a.labels.filter((l): l is string => typeof l === 'string').slice(0, 50) : undefined,
        evidence: { file: toStoreRel(ctx.root, join(found.repo.workTree, file)), line: doc.lineOf(path), detail: path.join('.') },
      });
    }
  }
  return out;
}

/** GTO's `.gto` config (gto/config.py): `stages`, `types`, `INDEX`…; undefined when absent or not a mapping. */
async function gtoConfig(found: FoundRepo): Promise<Record<string, unknown> | undefined> {
  const read = await readBounded(join(found.repo.workTree, '.gto'), 1024 * 1024);
  if (!read.ok) return undefined;
  const doc = parseBytes(read.bytes);
  return doc.ok && isRecord(doc.value) ? doc.value : undefined;
}

/** `.gto` may list the allowed stages (`stages: [dev, prod]`); undefined allows any. */
async function configuredStages(found: FoundRepo): Promise<string[] | undefined> {
  const config = await gtoConfig(found);
  if (!config || !Array.isArray(config.stages) || config.stages.length === 0) return undefined;
  return config.stages.filter((s): s is string => typeof s === 'string');
}
