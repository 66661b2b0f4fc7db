import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import { createRegistry, type Registry } from '../../src/main/registry';
import { buildGtoRepo } from '../fixtures/git/repo';
import { write2x } from '../fixtures/mlflow/scenarios';
import { tempDirs } from '../helpers/temp';
import { openWorkspace } from '../helpers/workspace';

/**
 * The store import against what the real readers write, end to end: index an
 * MLflow folder store and a git repository with GTO tags, let the workspace
 * read their lineage, import. The fragments in registry-stores.test.ts pin
 * the details; this proves the two agree on the shape of the graph.
 */
describe('importing registries the real readers found', () => {
  const temp = tempDirs('registry-readers');
  let ws: Workspace;
  let r: Registry;

  beforeAll(async () => {
    const ml = temp.make();
    write2x(ml);
    const { root, commits, head, tag } = buildGtoRepo(temp.make());
    tag('clf@v1.0.0', commits.weights);
    tag('clf@v1.1.0', head);
    tag('clf#prod#1', head);
    ws = openWorkspace(`${temp.make()}/ws.db`);
    for (const dir of [ml, root]) await ws.addStore({ path: dir }).scan!.done;
    await (ws as unknown as { idle?: () => Promise<void> }).idle?.();
    r = createRegistry(ws.db, { actor: 'tester' });
  });
  afterAll(async () => {
    await ws.close();
    temp.cleanup();
  });

  it('imports the MLflow registry with its stage and alias, and the GTO artifact with its versions', () => {
    const res = r.importFromStores();
    expect(res.models.map((m) => [m.name, m.source]).sort()).toEqual(expect.arrayContaining([['cifar-resnet', 'mlflow'], ['clf', 'gto']]));
    const resnet = r.show('cifar-resnet');
    expect(resnet.versions.map((v) => [v.label, v.stage])).toEqual([['v1', 'production']]);
    expect(resnet.aliases.map((a) => [a.alias, a.version])).toEqual([['champion', '1']]);
    expect(resnet.versions[0]!.files.length).toBeGreaterThan(0);
    expect(resnet.versions[0]!.integrity.status).toBe('intact');
    const clf = r.show('clf');
    expect(clf.versions.map((v) => [v.label, v.stage])).toEqual([
      ['v1.0.0', 'none'],
      ['v1.1.0', 'production'],
    ]);
    expect(r.importFromStores().changed).toBe(false);
  });
});
