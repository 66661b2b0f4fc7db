import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTrainingRepo, git, write } from '../../../../test/fixtures/git/repo';
import { convertToReftable } from '../../../../test/fixtures/git/reftable';
import { contextFor, edgesBetween, findingCodes, node, readStore } from '../../../../test/fixtures/plain/context';
import { tempDirs } from '../../../../test/helpers/temp';
import { gitReader } from './git';
import { parseIndex } from './git/index-file';
import { parseReftable } from './git/reftable';

const temp = tempDirs('git-reader');
afterAll(() => temp.cleanup());

const commitOf = (f: Awaited<ReturnType<typeof readStore>>, path: string) => f.edges.find((e) => e.to === `file:${path}` && e.relation === 'code')?.from.slice('git:commit:'.length);

describe('git reader: loose objects', async () => {
  const { root, commits } = buildTrainingRepo(temp.make());
  const f = await readStore(gitReader, root);
  const head = node(f, `git:commit:${commits.readme}`);

  it('makes the HEAD commit a code node with branch, tags, remote (token removed) and author', () => {
    expect(head.kind).toBe('code');
    expect(head.props).toMatchObject({ head: true, branch: 'main', tags: ['v1.0'], subject: 'add a card', author: 'Ada Trainer', dirty: false });
    expect(head.props.remoteUrl).toBe('https://oauth2:***@github.com/acme/classifier.git');
    expect(JSON.stringify(f)).not.toContain('ghp_secret');
    expect(head.evidence[0]).toEqual({ file: '.git/HEAD', detail: 'HEAD: refs/heads/main' });
  });

  it('finds the commit that last touched each tracked file', () => {
    expect(commitOf(f, 'models/a.safetensors')).toBe(commits.weights);
    expect(commitOf(f, 'config.yaml')).toBe(commits.config);
    expect(commitOf(f, 'README.md')).toBe(commits.readme);
    expect(edgesBetween(f, `git:commit:${commits.config}`, 'file:config.yaml')[0]).toMatchObject({ relation: 'code', strength: 'declared' });
    expect(node(f, `git:commit:${commits.config}`).props.subject).toBe('lower the learning rate');
    // A blob id is a digest of the committed content.
    expect(node(f, 'file:config.yaml').files[0]!.digests?.[0]?.algorithm).toBe('git-sha1');
  });

  it('records the commit of each tag, and an annotated tag\'s message and tagger', () => {
    expect(node(f, `git:commit:${commits.weights}`).props).toMatchObject({ tags: ['v0.1'], tagDetails: [], subject: 'first weights' });
    expect(head.props.tagDetails).toEqual([{ name: 'v1.0', message: 'first release', tagger: 'Ada Trainer', date: expect.stringMatching(/^2023-11-/) }]);
  });

  it('detects a dirty work tree from the index, even when the size is unchanged', async () => {
    writeFileSync(join(root, 'config.yaml'), 'lr: 0.3\n');
    const dirty = await readStore(gitReader, root);
    expect(node(dirty, `git:commit:${commits.readme}`).props).toMatchObject({ dirty: true, dirtyFiles: { modified: ['config.yaml'] } });
    git(root, 'checkout', '--', 'config.yaml');
  });
});

describe('git reader: after git gc (packed refs and objects, deltas)', async () => {
  const { root, commits } = buildTrainingRepo(temp.make());
  git(root, 'repack', '-a', '-d', '-f', '--depth=50', '--window=50');
  git(root, 'pack-refs', '--all');
  git(root, 'prune-packed');
  const f = await readStore(gitReader, root);

  it('has no loose objects left to read', () => {
    const loose = readdirSync(join(root, '.git/objects')).filter((d) => /^[0-9a-f]{2}$/.test(d));
    expect(loose).toEqual([]);
  });

  it('reads HEAD, the annotated tag and history out of the pack', () => {
    const head = node(f, `git:commit:${commits.readme}`);
    expect(head.props).toMatchObject({ subject: 'add a card', tags: ['v1.0'] });
    expect(commitOf(f, 'config.yaml')).toBe(commits.config);
    expect(commitOf(f, 'models/a.safetensors')).toBe(commits.weights);
    expect(findingCodes(f)).not.toContain('git-object-corrupt');
  });
});

describe('git reader: other pack layouts', () => {
  it.each([
    ['REF deltas (no delta-base-offset)', ['-c', 'repack.useDeltaBaseOffset=false']],
    ['a version 1 pack index', ['-c', 'pack.indexVersion=1']],
  ])('reads history through %s', async (_what, config) => {
    const { root, commits } = buildTrainingRepo(temp.make());
    git(root, ...config, 'repack', '-a', '-d', '-f', '--depth=50', '--window=50');
    git(root, 'prune-packed');
    const f = await readStore(gitReader, root);
    expect(node(f, `git:commit:${commits.readme}`).props.subject).toBe('add a card');
    expect(commitOf(f, 'config.yaml')).toBe(commits.config);
    expect(findingCodes(f)).not.toContain('git-object-corrupt');
  });
});

describe('git reader: worktrees, nested repositories and index versions', async () => {
  const main = temp.make();
  const { commits } = buildTrainingRepo(main);
  const wt = join(temp.make(), 'wt');
  git(main, 'worktree', 'add', '-q', '-b', 'experiment', wt);

  it('follows a .git file to the worktree gitdir and its common dir', async () => {
    const f = await readStore(gitReader, wt);
    expect(node(f, `git:commit:${commits.readme}`).props).toMatchObject({ branch: 'experiment', head: true, tags: ['v1.0'] });
    expect(commitOf(f, 'config.yaml')).toBe(commits.config);
  });

  it('finds a repository nested in the store', async () => {
    const store = temp.make();
    write(store, 'data/x.csv', 'a\n');
    const nested = buildTrainingRepo(join(store, 'models', 'clone'));
    expect(gitReader.match(contextFor(store))).toBe(true);
    const f = await readStore(gitReader, store);
    expect(node(f, `git:commit:${nested.commits.readme}`).props.workTree).toBe('models/clone');
    expect(commitOf(f, 'models/clone/config.yaml')).toBe(nested.commits.config);
  });

  it('follows a submodule .git file (gitdir: ../../.git/modules/<name>, no commondir)', async () => {
    const store = temp.make();
    buildTrainingRepo(store);
    const sub = buildTrainingRepo(join(store, 'vendor/lib'));
    // What `git submodule absorbgitdirs` leaves behind.
    mkdirSync(join(store, '.git/modules'), { recursive: true });
    renameSync(join(store, 'vendor/lib/.git'), join(store, '.git/modules/lib'));
    writeFileSync(join(store, 'vendor/lib/.git'), 'gitdir: ../../.git/modules/lib\n');
    const f = await readStore(gitReader, store);
    expect(node(f, `git:commit:${sub.commits.readme}`).props).toMatchObject({ workTree: 'vendor/lib', branch: 'main', dirty: false });
    expect(commitOf(f, 'vendor/lib/config.yaml')).toBe(sub.commits.config);
  });

  it('parses index versions 2, 3 (intent-to-add) and 4 (prefix-compressed paths) alike', () => {
    const dir = temp.make();
    buildTrainingRepo(dir);
    const paths = (v: number) => {
      git(dir, 'update-index', '--index-version', String(v));
      const index = parseIndex(readFileSync(join(dir, '.git/index')), 20);
      if (typeof index === 'string') throw new Error(index);
      expect(index.version).toBe(v);
      expect(index.problems).toEqual([]);
      return index.entries.map((e) => e.path);
    };
    const v2 = paths(2);
    expect(v2).toContain('models/a.safetensors');
    expect(paths(4)).toEqual(v2);
    write(dir, 'later.py', 'x\n');
    git(dir, 'add', '-N', 'later.py');
    const v3 = parseIndex(readFileSync(join(dir, '.git/index')), 20);
    if (typeof v3 === 'string') throw new Error(v3);
    expect(v3.entries.find((e) => e.path === 'later.py')?.intentToAdd).toBe(true);
  });
});

describe('git reader: bad input becomes findings and the read goes on', async () => {
  it('a broken .git/HEAD', async () => {
    const store = temp.make();
    buildTrainingRepo(store);
    const nested = buildTrainingRepo(join(store, 'sub'));
    writeFileSync(join(store, '.git/HEAD'), 'garbage\n');
    const f = await readStore(gitReader, store);
    expect(f.findings.find((x) => x.code === 'git-head-invalid')?.path).toBe('.git/HEAD');
    node(f, `git:commit:${nested.commits.readme}`); // the other repository is still read
  });

  it('a truncated loose object', async () => {
    const { root, commits } = buildTrainingRepo(temp.make());
    const file = join(root, '.git/objects', commits.readme.slice(0, 2), commits.readme.slice(2));
    truncateSync(file, 10);
    const f = await readStore(gitReader, root);
    const finding = f.findings.find((x) => x.code === 'git-object-corrupt');
    expect(finding?.path).toBe(`.git/objects/${commits.readme.slice(0, 2)}/${commits.readme.slice(2)}`);
    expect(node(f, `git:commit:${commits.readme}`).props.branch).toBe('main'); // HEAD is still known
  });

  it('an index that is cut short', () => {
    const dir = temp.make();
    buildTrainingRepo(dir);
    const bytes = readFileSync(join(dir, '.git/index'));
    const index = parseIndex(bytes.subarray(0, 100), 20);
    expect(typeof index === 'string' ? index : index.problems.join()).toMatch(/ends|checksum/);
  });
});

describe('git reader: files git stores through a filter', async () => {
  const root = temp.make();
  git(root, 'init', '-q', '-b', 'main');
  write(root, '.gitattributes', '*.yaml text eol=crlf\n');
  write(root, 'config.yaml', 'lr: 0.1\nseed: 7\n');
  write(root, 'params.json', '{"lr": 0.1}');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'configs');
  // A fresh checkout writes config.yaml with CRLF endings; the object keeps LF.
  for (const f of ['config.yaml', 'params.json']) git(root, 'rm', '-q', '--cached', f);
  git(root, 'reset', '-q', '--hard');
  const f = await readStore(gitReader, root);

  it('gives a file the object name as its git blob id only when the file hashes to it', () => {
    expect(readFileSync(join(root, 'config.yaml'), 'utf8')).toContain('\r\n');
    expect(node(f, 'file:config.yaml').files[0]!.digests).toBeUndefined();
    expect(node(f, 'file:params.json').files[0]!.digests?.[0]?.algorithm).toBe('git-sha1');
  });
});

describe('git reader: a partial clone without old trees (--filter=tree:0)', async () => {
  const origin = temp.make();
  const { commits } = buildTrainingRepo(origin);
  git(origin, 'config', 'uploadpack.allowFilter', 'true');
  const root = join(temp.make(), 'clone');
  git(dirname(root), 'clone', '-q', '--no-local', '--filter=tree:0', `file://${origin}`, root);
  const f = await readStore(gitReader, root);

  it('stops the history walk at the first tree it lacks, instead of blaming every file on HEAD', () => {
    // Only HEAD's trees were fetched: what any commit changed needs its parent's tree too.
    expect(node(f, `git:commit:${commits.readme}`).props).toMatchObject({ head: true });
    expect(commitOf(f, 'README.md')).toBeUndefined();
    expect(commitOf(f, 'models/a.safetensors')).toBeUndefined();
    expect(commitOf(f, 'config.yaml')).toBeUndefined();
    expect(f.findings.find((x) => x.code === 'git-history-truncated')?.message).toMatch(/is not in the object store \(a partial clone/);
  });
});

describe('git reader: refs in reftables (git 2.45+)', async () => {
  for (const blockSize of [0, 256]) {
    describe(blockSize ? 'aligned tables' : 'unaligned tables', async () => {
      const { root, commits } = buildTrainingRepo(temp.make());
      const files = await readStore(gitReader, root);
      // A second table on the stack deletes the lightweight tag and adds one.
      convertToReftable(root, { blockSize, later: [{ name: 'refs/tags/v0.1', deleted: true }, { name: 'refs/tags/v2', sha: commits.config }] });
      const f = await readStore(gitReader, root);

      it('reads HEAD, its branch and the tags from the stack, newer tables winning', () => {
        const head = node(f, `git:commit:${commits.readme}`);
        expect(head.props).toMatchObject({ head: true, branch: 'main', tags: ['v1.0'] });
        expect((head.props.tagDetails as { message: string }[])[0]).toMatchObject({ name: 'v1.0', message: 'first release' });
        expect(node(f, `git:commit:${commits.config}`).props.tags).toEqual(['v2']);
        expect(f.nodes.some((n) => (n.props.tags as string[] | undefined)?.includes('v0.1'))).toBe(false);
        expect(findingCodes(f).filter((c) => c.startsWith('git-reftable') || c === 'git-no-commits' || c === 'git-head-invalid')).toEqual([]);
      });

      it('finds the same history as with loose refs', () => {
        for (const path of ['models/a.safetensors', 'config.yaml', 'README.md']) expect(commitOf(f, path)).toBe(commitOf(files, path));
      });
    });
  }

  it('reports a table it cannot read, and reads on', async () => {
    const { root } = buildTrainingRepo(temp.make());
    convertToReftable(root);
    writeFileSync(join(root, '.git', 'reftable', 'tables.list'), '0x000000000001-0x000000000001-aaaaaaaa.ref\nmissing.ref\n');
    const f = await readStore(gitReader, root);
    expect(f.findings.find((x) => x.code === 'git-reftable-unreadable')?.message).toMatch(/missing\.ref/);
    expect(f.nodes.find((n) => n.props.head === true)?.props.branch).toBe('main');
  });
});

describe('reftable parser on hostile bytes', () => {
  it('refuses names that grow by prefix compression, and never throws on random or cut tables', () => {
    // Each record repeats the whole name before it and adds a byte: a few bytes a record spell ever longer names.
    const header = Buffer.alloc(24);
    header.write('REFT', 0, 'latin1');
    header[4] = 1;
    const records: number[] = [];
    const varint = (n: number) => {
      const bytes = [n & 0x7f];
      let v = n;
      while ((v = Math.floor(v / 128)) > 0) bytes.unshift(0x80 | (--v & 0x7f));
      return bytes;
    };
    for (let i = 0; i < 100_000; i++) records.push(...varint(i), ...varint(8 * 1 + 0), 0x61, 0);
    const body = Buffer.from(records);
    const blockLen = 28 + body.length + 5;
    const block = Buffer.concat([Buffer.from('r'), Buffer.from([blockLen >> 16, (blockLen >> 8) & 255, blockLen & 255]), body, Buffer.from([0, 0, 28, 0, 1])]);
    const table = Buffer.concat([header, block, header, Buffer.alloc(44)]);
    expect(parseReftable(table)).toMatch(/ref name of 4097 bytes/);
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(table.subarray(0, 24 + Math.floor(Math.random() * 2000)));
      for (let i = 24; i < bytes.length; i++) if (Math.random() < 0.05) bytes[i] = Math.floor(Math.random() * 256);
      expect(() => parseReftable(bytes)).not.toThrow();
    }
  });

  it('does not open a FIFO named as a table', async () => {
    const { root } = buildTrainingRepo(temp.make());
    convertToReftable(root);
    const fifo = join(root, '.git', 'reftable', 'fifo.ref');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(root, '.git', 'reftable', 'tables.list'), '0x000000000001-0x000000000001-aaaaaaaa.ref\nfifo.ref\n');
    const f = await readStore(gitReader, root);
    expect(f.findings.find((x) => x.code === 'git-reftable-unreadable')?.message).toMatch(/fifo\.ref: not a regular file/);
  });
});
