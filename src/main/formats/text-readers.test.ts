import { describe, expect, it } from 'vitest';
import { codes, readWith } from '../../../test/fixtures/formats/helpers';
import { cardReader, frontMatter } from './card';
import { jsonReader, tomlReader, yamlReader } from './config';
import { codeReader, environmentReader, requirementsReader } from './environment';
import { csvReader, jsonlReader, splitRow } from './text-dataset';

const text = (s: string) => Buffer.from(s);

describe('JSONL and CSV datasets', () => {
  it('counts JSONL lines and reads the first record\'s fields', async () => {
    const r = await readWith(jsonlReader, 'train.jsonl', text('{"prompt":"a","completion":"b"}\n{"prompt":"c","completion":"d"}\nnot json\n'));
    expect(r.kind).toBe('dataset');
    expect(r.summary).toMatchObject({ lines: 3, linesExact: true, fields: ['prompt', 'completion'] });
    expect(codes(r)).toEqual(['jsonl-invalid-lines']);
  });

  it('estimates lines past the first megabyte', async () => {
    const line = `${JSON.stringify({ text: 'x'.repeat(90) })}\n`;
    const r = await readWith(jsonlReader, 'big.jsonl', text(line.repeat(30_000)));
    expect(r.summary.linesExact).toBe(false);
    expect(r.summary.estimatedLines).toBeGreaterThan(29_000);
    expect(r.summary.estimatedLines).toBeLessThan(31_000);
    expect(r.bytesRead).toBeLessThanOrEqual(1024 * 1024);
  });

  it('reads CSV and TSV headers, quotes included', async () => {
    expect((await readWith(csvReader, 'data.csv', text('id,"text, quoted",label\r\n1,"a",0\n'))).summary).toMatchObject({ columns: ['id', 'text, quoted', 'label'], lines: 2 });
    expect((await readWith(csvReader, 'data.tsv', text('a\tb\n'))).summary).toMatchObject({ columns: ['a', 'b'], delimiter: '\t' });
    expect(splitRow('"say ""hi""",x', ',')).toEqual(['say "hi"', 'x']);
  });

  it('flags binary and invalid UTF-8 content', async () => {
    expect(codes(await readWith(csvReader, 'x.csv', Buffer.from([0x61, 0x00, 0xff, 0x0a])))).toEqual(['csv-invalid-utf8', 'csv-binary']);
    expect((await readWith(jsonlReader, 'x.jsonl', Buffer.alloc(0))).summary).toMatchObject({ lines: 0 });
  });
});

describe('configs', () => {
  it('parses YAML, JSON and outlines TOML', async () => {
    expect((await readWith(yamlReader, 'train.yaml', text('model:\n  name: x\nlr: 0.1\n'))).summary).toMatchObject({ topLevel: 'object', keys: ['model', 'lr'] });
    const hf = await readWith(jsonReader, 'config.json', text(JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 64 })));
    expect(hf.kind).toBe('config');
    expect(hf.summary).toMatchObject({ model_type: 'llama', architectures: ['LlamaForCausalLM'], keys: ['model_type', 'architectures', 'hidden_size'] });
    const rows = await readWith(jsonReader, 'data.json', text('[{"a":1},{"a":2}]'));
    expect(rows.kind).toBe('dataset');
    expect(rows.summary).toMatchObject({ topLevel: 'array', items: 2 });
    expect((await readWith(tomlReader, 'x.toml', text('title = "x"\n[tool.a]\nk = 1\n[[bin]]\n'))).summary).toEqual(expect.objectContaining({ sections: ['tool.a', 'bin'], keys: ['title'] }));
  });

  it('stops alias bombs and reports invalid YAML and JSON', async () => {
    const lol = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lol.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(codes(await readWith(yamlReader, 'bomb.yaml', text(lol.join('\n'))))).toEqual(['yaml-invalid']);
    expect(codes(await readWith(yamlReader, 'x.yml', text('a: [1, 2\n')))).toEqual(['yaml-invalid']);
    expect(codes(await readWith(jsonReader, 'x.json', text('{"a": }')))).toEqual(['json-not-json']);
    expect(codes(await readWith(jsonReader, 'x.json', Buffer.alloc(0)))).toEqual(['json-not-json']);
  });

  it('flags PyYAML tags that run code under unsafe_load', async () => {
    const r = await readWith(yamlReader, 'x.yaml', text('x: !!python/object/apply:os.system ["ls"]\n'));
    expect(codes(r)).toEqual(['yaml-python-tag']);
  });
});

describe('model cards', () => {
  it('reads front matter keys that lineage uses', async () => {
    const card = '---\nlicense: apache-2.0\nbase_model: meta/tiny\ndatasets:\n  - alpaca\n  - dolly\ntags: [a, b]\n---\n\n# My Finetune\n\nText.\n';
    const r = await readWith(cardReader, 'README.md', text(card));
    expect(r.findings).toEqual([]);
    expect(r.kind).toBe('card');
    expect(r.summary).toMatchObject({ hasFrontMatter: true, license: 'apache-2.0', baseModel: 'meta/tiny', datasets: ['alpaca', 'dolly'], tags: ['a', 'b'], title: 'My Finetune' });
  });

  it('handles cards without or with broken front matter', async () => {
    expect((await readWith(cardReader, 'README.md', text('# Title only\n'))).summary).toMatchObject({ hasFrontMatter: false, title: 'Title only' });
    expect(codes(await readWith(cardReader, 'README.md', text('---\na: [\n---\n')))).toEqual(['card-invalid']);
    expect(frontMatter('\ufeff---\r\na: 1\r\n---\r\nbody')?.yaml).toBe('a: 1\r\n');
    expect(cardReader.match('models/x/README.md', Buffer.alloc(0))).toBe(true);
    expect(cardReader.match('notes.md', Buffer.alloc(0))).toBe(false);
  });
});

describe('environment and code', () => {
  it('lists requirements and counts pinned ones', async () => {
    const r = await readWith(requirementsReader, 'requirements-train.txt', text('# deps\ntorch==2.1.0\ntransformers>=4.30  # comment\n-r base.txt\n--index-url https://x\nnumpy[extra]==1.26.0 ; python_version>"3.8"\n'));
    expect(r.kind).toBe('environment');
    expect(r.summary).toMatchObject({ packageCount: 3, pinned: 2, includes: ['base.txt'] });
    expect(requirementsReader.match('requirements-dev.txt', Buffer.alloc(0))).toBe(true);
  });

  it('classifies lockfiles, conda environments and pyproject', async () => {
    const poetry = await readWith(environmentReader, 'poetry.lock', text('[[package]]\nname = "a"\n\n[[package]]\nname = "b"\n'));
    expect(poetry.summary).toMatchObject({ role: 'lockfile', packageCount: 2 });
    const conda = await readWith(environmentReader, 'environment.yml', text('name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - torch\n'));
    expect(conda.summary).toMatchObject({ role: 'conda-environment', name: 'train', packages: ['python=3.11'] });
    const pyproject = await readWith(environmentReader, 'pyproject.toml', text('[project]\nname = "trainer"\nrequires-python = ">=3.10"\n'));
    expect(pyproject.summary).toMatchObject({ role: 'manifest', name: 'trainer', requiresPython: '>=3.10' });
    const pipfile = await readWith(environmentReader, 'Pipfile.lock', text('{"default": {"a": {}, "b": {}}, "develop": {"c": {}}}'));
    expect(pipfile.summary).toMatchObject({ role: 'lockfile', packageCount: 3 });
  });

  it('counts code lines and notebook cells', async () => {
    expect((await readWith(codeReader, 'train.py', text('import torch\nprint(1)\n'))).summary).toMatchObject({ lines: 2 });
    const nb = { cells: [{}, {}], metadata: { kernelspec: { name: 'python3' } } };
    expect((await readWith(codeReader, 'x.ipynb', text(JSON.stringify(nb)))).summary).toMatchObject({ cells: 2, kernel: 'python3' });
  });
});
