import { afterAll, describe, expect, it } from 'vitest';
import { buildGtoRepo, git, write } from '../../../../test/fixtures/git/repo';
import { convertToReftable } from '../../../../test/fixtures/git/reftable';
import { edgesBetween, findingCodes, node, readStore } from '../../../../test/fixtures/plain/context';
import { tempDirs } from '../../../../test/helpers/temp';
import { gtoReader, parseGtoTag } from './gto';

const temp = tempDirs('gto-reader');
afterAll(() => temp.cleanup());

describe('GTO tag grammar', () => {
  it('parses registrations, stage assignments, cancellations, deprecation and counters', () => {
    expect(parseGtoTag('clf@v1.0.0')).toEqual({ artifact: 'clf', action: 'register', version: 'v1.0.0' });
    expect(parseGtoTag('clf@v1.0.0-rc.1+build.5!#4')).toEqual({ artifact: 'clf', action: 'deregister', version: 'v1.0.0-rc.1+build.5', counter: 4 });
    expect(parseGtoTag('clf#prod#2')).toEqual({ artifact: 'clf', action: 'assign', stage: 'prod', counter: 2 });
    expect(parseGtoTag('clf#prod!#3')).toEqual({ artifact: 'clf', action: 'unassign', stage: 'prod', counter: 3 });
    expect(parseGtoTag('clf#prod')).toEqual({ artifact: 'clf', action: 'assign', stage: 'prod' }); // GTO before 0.2 wrote no counter
    expect(parseGtoTag('clf@deprecated#5')).toEqual({ artifact: 'clf', action: 'deprecate', counter: 5 });
    expect(parseGtoTag('models/sub=nested@v0.1.0')).toEqual({ artifact: 'models/sub:nested', action: 'register', version: 'v0.1.0' });
    expect(parseGtoTag('clf@v3')).toMatchObject({ action: 'register', version: 'v3' }); // the old "numbers" convention
  });
  it('rejects what GTO rejects', () => {
    for (const t of ['v1.0.0', 'Clf@v1.0.0', 'clf@1.0.0', 'clf@v1.0', 'clf#Prod', 'clf-@v1.0.0', 'clf@v1.0.0#x']) expect(parseGtoTag(t)).toBeUndefined();
  });
});

describe('gto reader', async () => {
  const { root, commits, head, tag } = buildGtoRepo(temp.make());
  tag('clf@v1.0.0', commits.weights);
  tag('clf@v1.1.0', head);
  tag('clf#staging#1', commits.weights);
  tag('clf#prod#2', head);
  tag('clf#staging!#3', commits.weights);
  tag('clf@v1.0.0!#4', commits.weights);
  tag('old-model#prod', commits.config);
  tag('sub=nested@v0.1.0', head);
  tag('clf@deprecated#5', head);
  git(root, 'tag', 'clf@v2.0.0', head); // lightweight
  const f = await readStore(gtoReader, root);

  it('makes a registered-model node with its current stages and deprecation', () => {
    const clf = node(f, 'artifact:clf');
    expect(clf.kind).toBe('registered-model');
    expect(clf.props).toMatchObject({ type: 'model', path: 'models/a.safetensors', deprecated: true, stages: { prod: 'v1.1.0' } });
    expect(clf.props.versions).toEqual(['v1.0.0', 'v1.1.0']);
  });

  it('makes model-version nodes with commit, tag message, tagger, stage history and deregistration', () => {
    const v1 = node(f, 'artifact:clf@v1.0.0');
    expect(v1.kind).toBe('model-version');
    expect(v1.props).toMatchObject({ commit: commits.weights, tag: 'clf@v1.0.0', message: 'gto: clf@v1.0.0', tagger: 'Ada Trainer', stages: [], deregistered: { tag: 'clf@v1.0.0!#4' } });
    expect((v1.props.stageHistory as { action: string }[]).map((h) => h.action)).toEqual(['assign', 'unassign']);
    expect(node(f, 'artifact:clf@v1.1.0').props.stages).toEqual(['prod']);
    expect(edgesBetween(f, 'artifact:clf@v1.1.0', 'artifact:clf')[0]).toMatchObject({ relation: 'registered', strength: 'declared', evidence: { file: '.git/refs/tags/clf@v1.1.0', detail: 'tag clf@v1.1.0' } });
    expect(edgesBetween(f, `git:commit:${commits.weights}`, 'artifact:clf@v1.0.0')[0]?.relation).toBe('code');
  });

  it('links the artifact file to the version registered at HEAD only', () => {
    expect(edgesBetween(f, 'file:models/a.safetensors', 'artifact:clf@v1.1.0')[0]).toMatchObject({ relation: 'version-of', strength: 'inferred' });
    expect(edgesBetween(f, 'file:models/a.safetensors', 'artifact:clf@v1.0.0')).toEqual([]);
  });

  it('names a version by its commit when a stage is assigned without one, and reads dir=name artifacts', () => {
    expect(node(f, `artifact:old-model@${commits.config}`).props).toMatchObject({ registered: false, stages: ['prod'] });
    node(f, 'artifact:sub:nested@v0.1.0');
  });

  it('ignores lightweight tags, as GTO does, with a finding', () => {
    expect(findingCodes(f)).toContain('gto-lightweight-tag');
    expect(f.nodes.some((n) => n.key === 'artifact:clf@v2.0.0')).toBe(false);
  });

  it('reads the same registry after git gc packs the tags', async () => {
    git(root, 'gc', '-q');
    const packed = await readStore(gtoReader, root);
    expect(node(packed, 'artifact:clf@v1.1.0').props).toMatchObject({ message: 'gto: clf@v1.1.0', stages: ['prod'] });
    expect(edgesBetween(packed, 'artifact:clf@v1.1.0', 'artifact:clf')[0]?.evidence.file).toBe('.git/packed-refs');
  });
});

describe('gto reader: the registry state as GTO reads its events', async () => {
  const { root, commits, head, tag } = buildGtoRepo(temp.make());
  // A stage taken off the version that held it last falls back to the one that held it before.
  tag('m@v1.0.0', commits.weights);
  tag('m@v2.0.0', head);
  tag('m#prod#1', commits.weights);
  tag('m#prod#2', head);
  tag('m#prod!#3', head);
  // Deprecated, then a new version: active again (GTO looks at the artifact's last event).
  tag('m@deprecated#4', head);
  tag('m@v3.0.0', commits.config);
  // A deregistered version keeps no stage.
  tag('n@v1.0.0', commits.weights);
  tag('n@v2.0.0', head);
  tag('n#prod#1', commits.weights);
  tag('n#prod#2', head);
  tag('n@v2.0.0!#3', head);
  // Deregistered, then registered again.
  tag('r@v1.0.0', commits.weights);
  tag('r@v1.0.0!#1', commits.weights);
  tag('r@v1.0.0#2', commits.weights);
  const f = await readStore(gtoReader, root);

  it('names the stage by the active assignment, not the last tag', () => {
    expect(node(f, 'artifact:m').props).toMatchObject({ stages: { prod: 'v1.0.0' }, deprecated: false });
    expect(node(f, 'artifact:m@v1.0.0').props.stages).toEqual(['prod']);
    expect(node(f, 'artifact:m@v2.0.0').props.stages).toEqual([]);
  });

  it('drops the stages of a deregistered version', () => {
    expect(node(f, 'artifact:n').props).toMatchObject({ stages: { prod: 'v1.0.0' } });
    expect(node(f, 'artifact:n@v2.0.0').props).toMatchObject({ active: false, stages: [] });
  });

  it('takes a version registered again as registered', () => {
    const r = node(f, 'artifact:r@v1.0.0').props;
    expect(r).toMatchObject({ registered: true, active: true });
    expect(r.deregistered).toBeUndefined();
  });
});

describe('gto reader: a registry whose refs are reftables', async () => {
  const { root, commits, head, tag } = buildGtoRepo(temp.make());
  tag('clf@v1.0.0', commits.weights);
  tag('clf@v1.1.0', head);
  tag('clf#prod#1', head);
  convertToReftable(root, { blockSize: 256 });
  const f = await readStore(gtoReader, root);

  it('reads the GTO tags from the tables', () => {
    expect(node(f, 'artifact:clf').props).toMatchObject({ stages: { prod: 'v1.1.0' }, versions: ['v1.0.0', 'v1.1.0'] });
    expect(node(f, 'artifact:clf@v1.1.0').props).toMatchObject({ tag: 'clf@v1.1.0', message: 'gto: clf@v1.1.0' });
  });
});

describe('gto reader: an artifact declared in a subfolder dvc.yaml', async () => {
  const { root, tag } = buildGtoRepo(temp.make());
  write(root, 'models/sub/dvc.yaml', 'artifacts:\n  nested:\n    path: n.safetensors\n    type: model\n');
  write(root, 'models/sub/n.safetensors', Buffer.alloc(16, 2));
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'a nested artifact');
  tag('models/sub=nested@v0.1.0', git(root, 'rev-parse', 'HEAD'));
  const f = await readStore(gtoReader, root);

  it('takes its type and path from that dvc.yaml, the path relative to its folder', () => {
    expect(node(f, 'artifact:models/sub:nested').props).toMatchObject({ type: 'model', path: 'models/sub/n.safetensors' });
    expect(edgesBetween(f, 'file:models/sub/n.safetensors', 'artifact:models/sub:nested@v0.1.0')[0]).toMatchObject({ relation: 'version-of' });
  });
});

describe('gto reader: .gto naming another artifacts file (INDEX)', async () => {
  const { root, tag, head } = buildGtoRepo(temp.make());
  write(root, '.gto', 'INDEX: registry.yaml\n');
  write(root, 'registry.yaml', 'tok:\n  type: tokenizer\n  path: tok/tokenizer.json\n  description: the tokenizer\n');
  tag('tok@v1.0.0', head);
  const f = await readStore(gtoReader, root);

  it('reads the artifacts from the file INDEX names', () => {
    expect(node(f, 'artifact:tok').props).toMatchObject({ type: 'tokenizer', path: 'tok/tokenizer.json', description: 'the tokenizer' });
  });
});
