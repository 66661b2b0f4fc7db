import { cpSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import type { WritableDb } from '../../src/main/db/connection';
import { documentChecksum } from '../../src/main/registry/canonical';
import { createRegistry, type Registry } from '../../src/main/registry';
import { ApiError } from '../../src/shared/errors';
import type { RegistryExportDocument } from '../../src/shared/registry';
import { tempDirs } from '../helpers/temp';
import { openWorkspace } from '../helpers/workspace';

function registryState(db: WritableDb): string {
  return JSON.stringify(['registry_models', 'registry_versions', 'registry_aliases', 'registry_audit'].map((t) => db.raw.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
}

/** The same registry, as each machine shows it: integrity aside (it depends on the files each machine has). */
function comparable(r: Registry, name: string) {
  const m = r.show(name);
  return {
    uid: m.uid,
    description: m.description,
    tags: m.tags,
    aliases: m.aliases.map((a) => [a.alias, a.version]),
    versions: m.versions.map((v) => ({ uid: v.uid, number: v.number, stage: v.stage, files: v.files, card: v.card, links: v.links, registeredBy: v.registeredBy, registeredAt: v.registeredAt })),
  };
}

function refused(r: Registry, db: WritableDb, text: string, kind: string, message: RegExp): ApiError {
  const before = registryState(db);
  let error: unknown;
  try {
    r.importDocument(text);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).kind).toBe(kind);
  expect((error as ApiError).message).toMatch(message);
  expect(registryState(db)).toBe(before);
  return error as ApiError;
}

/** A document as an export writes it, after an edit, with a checksum that matches again. */
function resealed(doc: RegistryExportDocument, edit: (d: Record<string, unknown>) => void): string {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  edit(copy);
  copy.checksum = documentChecksum(copy);
  return JSON.stringify(copy);
}

describe('moving a registry between machines', () => {
  const temp = tempDirs('registry-exchange');
  let a: Workspace; // the machine the registry starts on
  let b: Workspace; // an air-gapped machine with a copy of the files
  let c: Workspace; // a machine that registered the same name independently
  let ra: Registry;
  let rb: Registry;
  let rc: Registry;
  let projA: string;
  let projB: string;
  let first: RegistryExportDocument;

  const clock = () => {
    let t = 0;
    return () => new Date(Date.UTC(2025, 0, 1) + 1000 * t++).toISOString();
  };
  const open = async (dir: string, proj: string) => {
    const ws = openWorkspace(join(dir, 'ws.db'));
    await ws.addStore({ path: proj }).scan!.done;
    await (ws as unknown as { idle?: () => Promise<void> }).idle?.();
    return ws;
  };

  beforeAll(async () => {
    const dir = temp.make();
    projA = join(dir, 'proj');
    mkdirSync(projA);
    for (const n of [1, 2, 3]) writeFileSync(join(projA, `model-${n}.bin`), `weights ${n}`);
    writeFileSync(join(projA, 'README.md'), '# the model\n');
    projB = join(dir, 'copy');
    cpSync(projA, projB, { recursive: true });
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'model-1.bin'), 'different weights');
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    mkdirSync(join(dir, 'c'));
    a = await open(join(dir, 'a'), projA);
    b = await open(join(dir, 'b'), projB);
    c = await open(join(dir, 'c'), other);
    projA = realpathSync(projA);
    projB = realpathSync(projB);
    ra = createRegistry(a.db, { actor: 'alice', now: clock() });
    rb = createRegistry(b.db, { actor: 'bob', now: (() => { const n = clock(); return () => n().replace('2025', '2026'); })() });
    rc = createRegistry(c.db, { actor: 'carol', now: clock() });
    for (const n of [1, 2, 3]) ra.register({ name: 'team/classifier', paths: [join(projA, `model-${n}.bin`)], description: 'sorts images', tags: { task: 'vision' } });
    ra.setAlias({ name: 'team/classifier', version: '2', alias: 'champion' });
    ra.setStage({ name: 'team/classifier', version: '1', stage: 'production' });
    rc.register({ name: 'team/classifier', paths: [join(other, 'model-1.bin')] });
    first = ra.exportDocument();
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((w) => w.close()));
    temp.cleanup();
  });

  it('exports one versioned document with a checksum over everything else', () => {
    expect(first).toMatchObject({ format: 'pedigree-registry', schemaVersion: 1, exportedBy: 'alice' });
    expect(first.models).toHaveLength(1);
    expect(first.versions.map((v) => v.number)).toEqual([1, 2, 3]);
    expect(first.aliases).toEqual([expect.objectContaining({ alias: 'champion', versionUid: first.versions[1]!.uid })]);
    expect(first.audit.map((e) => e.action)).toEqual(['model.create', 'version.register', 'version.register', 'version.register', 'alias.set', 'stage.set']);
    expect(first.checksum).toBe(documentChecksum(first));
  });

  it('imports it whole on another machine, keeping ids, numbers, history and who did what', () => {
    const res = rb.importDocument(JSON.stringify(first, null, 2));
    expect(res).toMatchObject({ changed: true, added: { models: 1, versions: 3, audit: 6 } });
    expect(comparable(rb, 'team/classifier')).toEqual(comparable(ra, 'team/classifier'));
    const log = rb.log({ name: 'team/classifier' });
    expect(log.map((e) => e.actor)).toEqual(['alice', 'alice', 'alice', 'alice', 'alice', 'alice']);
    expect(rb.log({ limit: 1 })[0]).toMatchObject({ action: 'registry.import', actor: 'bob', after: { checksum: first.checksum, exportedBy: 'alice' } });
  });

  it('shows the pinned files as missing there, pointing at the copies with the registered content', () => {
    const v1 = rb.show('team/classifier').versions[0]!;
    expect(v1.integrity.status).toBe('missing');
    expect(v1.integrity.files[0]).toMatchObject({ absPath: join(projA, 'model-1.bin'), foundElsewhere: [join(projB, 'model-1.bin')] });
  });

  it('changes nothing when the same document is imported again', () => {
    const before = registryState(b.db);
    expect(rb.importDocument(JSON.stringify(first))).toMatchObject({ changed: false, added: { models: 0, versions: 0, stages: 0, aliases: 0, modelUpdates: 0, audit: 0 } });
    expect(registryState(b.db)).toBe(before);
  });

  it('takes newer changes from a later export (a moved alias, a new stage) without calling them conflicts', () => {
    ra.setAlias({ name: 'team/classifier', version: '3', alias: 'champion', move: true });
    ra.setStage({ name: 'team/classifier', version: '3', stage: 'staging' });
    ra.updateModel({ name: 'team/classifier', description: 'sorts images into 10 classes' });
    const res = rb.importDocument(JSON.stringify(ra.exportDocument()));
    expect(res.added).toMatchObject({ aliases: 1, stages: 1, modelUpdates: 1, audit: 3, versions: 0 });
    expect(comparable(rb, 'team/classifier')).toEqual(comparable(ra, 'team/classifier'));
  });

  it('keeps its own newer state when an older document comes again', () => {
    const before = registryState(b.db);
    expect(rb.importDocument(JSON.stringify(first)).changed).toBe(false);
    expect(registryState(b.db)).toBe(before);
  });

  it('refuses a document that conflicts, listing every conflict, and changes nothing', () => {
    // both sides change the same things differently after they last met
    ra.setAlias({ name: 'team/classifier', version: '1', alias: 'champion', move: true });
    ra.setStage({ name: 'team/classifier', version: '2', stage: 'archived' });
    rb.setAlias({ name: 'team/classifier', version: '2', alias: 'champion', move: true });
    rb.setStage({ name: 'team/classifier', version: '2', stage: 'production' });
    const e = refused(rb, b.db, JSON.stringify(ra.exportDocument()), 'conflict', /nothing was imported/);
    expect((e.details as { conflicts: string[] }).conflicts).toEqual([
      'team/classifier v2: stage is production here and archived in the document, and both changed it',
      'team/classifier @champion: points at v2 here and at v1 in the document',
    ]);
  });

  it('refuses a model registered independently under the same name whose version 1 holds other content', () => {
    const e = refused(rc, c.db, JSON.stringify(first), 'conflict', /team\/classifier v1: pinned digests differ/);
    // the two machines also described the model differently, each in its own first entry
    expect((e.details as { conflicts: string[] }).conflicts).toEqual([
      'team/classifier: description or tags changed here and in the document since they last met',
      expect.stringMatching(/^team\/classifier v1: pinned digests differ \(here [0-9a-f]{12}, in the document [0-9a-f]{12}\)$/),
    ]);
  });

  it('refuses a tampered document', () => {
    const text = JSON.stringify(first, null, 2).replace(first.versions[0]!.files[0]!.sha256, 'f'.repeat(64));
    refused(rb, b.db, text, 'invalid-input', /checksum mismatch: the document was changed after it was exported/);
    refused(rb, b.db, JSON.stringify({ ...first, exportedBy: 'mallory' }), 'invalid-input', /checksum mismatch/);
  });

  it('refuses a truncated document', () => {
    const text = JSON.stringify(first, null, 2);
    refused(rb, b.db, text.slice(0, Math.floor(text.length / 2)), 'invalid-input', /not a complete JSON document \(truncated or damaged\?\)/);
    refused(rb, b.db, '', 'invalid-input', /not a complete JSON document/);
  });

  it('refuses a document of a newer schema, naming both versions', () => {
    refused(rb, b.db, resealed(first, (d) => (d.schemaVersion = 2)), 'invalid-input', /schema version 2, newer than this Pedigree reads \(1\)/);
  });

  it('refuses what is not an export, or does not hold together', () => {
    refused(rb, b.db, '{"format":"something-else"}', 'invalid-input', /not a Pedigree registry export: format is "something-else"/);
    refused(rb, b.db, '[1,2]', 'invalid-input', /not a JSON object/);
    refused(rb, b.db, resealed(first, (d) => delete d.versions), 'invalid-input', /the export is malformed: versions/);
    refused(rb, b.db, resealed(first, (d) => ((d.aliases as { versionUid: string }[])[0]!.versionUid = 'nowhere')), 'invalid-input', /alias @champion points at version nowhere/);
    refused(rb, b.db, resealed(first, (d) => ((d.models as { name: string }[])[0]!.name = 'bad name')), 'invalid-input', /invalid character/);
  });
});
