import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import { diffLines, splitLines } from './diff';
import { CardEditError, parseAssignment, setMetadata } from './edit';
import { readMetadata, splitCard } from './parse';

/** The lines that differ between two texts (deleted, inserted). */
function changed(a: string, b: string): { deleted: string[]; inserted: string[] } {
  const ops = diffLines(splitLines(a), splitLines(b))!;
  return { deleted: ops.filter((o) => o.op === 'delete').map((o) => o.line), inserted: ops.filter((o) => o.op === 'insert').map((o) => o.line) };
}

describe('setMetadata', () => {
  it('changes only the edited line and keeps CRLF', () => {
    const c = CORPUS.find((x) => x.name === 'crlf-basic')!;
    const out = setMetadata(c.text, { license: 'apache-2.0' });
    expect(changed(c.text, out)).toEqual({ deleted: ['license: mit\r\n'], inserted: ['license: apache-2.0\r\n'] });
  });

  it('keeps a comment after the value and other keys verbatim', () => {
    const c = CORPUS.find((x) => x.name === 'comments-unknown-keys')!;
    const out = setMetadata(c.text, { license: 'apache-2.0' });
    expect(changed(c.text, out)).toEqual({ deleted: ['license: mit   # the code license\n'], inserted: ['license: apache-2.0   # the code license\n'] });
    expect(readMetadata(out)).toMatchObject({ my_custom_key: { nested: { a: 1, b: ['x', 'y'] } }, aliased: [1, 2] });
  });

  it('keeps a list flow or block, with its indentation', () => {
    const crlfCard = CORPUS.find((x) => x.name === 'crlf-basic')!.text;
    const flow = setMetadata(crlfCard, { datasets: ['imdb', 'sst2', 'glue'] });
    expect(changed(crlfCard, flow).inserted).toEqual(['datasets: [imdb, sst2, glue]\r\n']);
    const block = setMetadata(crlfCard, { tags: ['x'] });
    expect(changed(crlfCard, block)).toEqual({ deleted: ['  - a\r\n', '  - b\r\n'], inserted: ['  - x\r\n'] });
    const lfCard = CORPUS[0]!.text;
    expect(changed(lfCard, setMetadata(lfCard, { tags: ['x', 'y'] })).inserted).toEqual(['- x\n', '- y\n']);
  });

  it('keeps the old quoting', () => {
    const c = CORPUS.find((x) => x.name === 'comments-unknown-keys')!;
    expect(changed(c.text, setMetadata(c.text, { quoted: 'other' })).inserted).toEqual(["quoted: 'other'\n"]);
  });

  it('appends a new key at the end of the front matter', () => {
    const c = CORPUS[0]!;
    const out = setMetadata(c.text, { library_name: 'transformers' });
    expect(out).toContain('base_model: google-bert/bert-base-uncased\nlibrary_name: transformers\n---\n');
    expect(changed(c.text, out)).toEqual({ deleted: [], inserted: ['library_name: transformers\n'] });
  });

  it('creates front matter at the top of a card without one, after a BOM, in its line ending', () => {
    const c = CORPUS.find((x) => x.name === 'no-metadata-crlf-no-final-newline')!;
    const out = setMetadata(c.text, { license: 'mit' });
    expect(out).toBe(`---\r\nlicense: mit\r\n---\r\n${c.text}`);
    expect(setMetadata('\ufeff# T\n', { tags: ['a'] })).toBe('\ufeff---\ntags:\n- a\n---\n# T\n');
  });

  it('fills an empty front matter', () => {
    expect(setMetadata('---\n---\n# Empty', { license: 'mit' })).toBe('---\nlicense: mit\n---\n# Empty');
  });

  it('removes a key with undefined', () => {
    const c = CORPUS[0]!;
    expect(changed(c.text, setMetadata(c.text, { datasets: undefined }))).toEqual({ deleted: ['datasets:\n', '- imdb\n'], inserted: [] });
  });

  it('keeps four-space indentation', () => {
    const c = CORPUS.find((x) => x.name === 'block-scalar-and-indent4')!;
    const out = setMetadata(c.text, { more: { a: { b: 1 } } });
    expect(changed(c.text, out).inserted).toEqual(['more:\n', '    a:\n', '        b: 1\n']);
    expect(changed(c.text, setMetadata(c.text, { description: 'short' }))).toEqual({ deleted: ['description: |\n', '    line one\n', '    line two\n'], inserted: ['description: short\n'] });
  });

  it.each(CORPUS.filter((c) => c.editable === false).map((c) => [c.name, c.text] as const))('%s: refuses, never guessing', (_, text) => {
    expect(() => setMetadata(text, { license: 'mit' })).toThrow(CardEditError);
  });

  it('refuses to edit a duplicated key', () => {
    expect(() => setMetadata(CORPUS.find((x) => x.name === 'duplicate-keys')!.text, { license: 'mit' })).toThrow(/appears 2 times/);
  });

  it.each(CORPUS.filter((c) => c.editable !== false).map((c) => [c.name, c.text] as const))('%s: a set leaves the body and every other key alone', (_, text) => {
    const out = setMetadata(text, { pipeline_tag: 'text-classification' });
    expect(splitCard(out).body).toBe(splitCard(text).body);
    const before = readMetadata(text) ?? {};
    expect(readMetadata(out)).toEqual({ ...before, pipeline_tag: 'text-classification' });
    expect(changed(text, out).deleted.filter((l) => !/^---/.test(l))).toEqual([]);
  });
});

describe('parseAssignment', () => {
  it('reads scalars and flat flow collections', () => {
    expect(parseAssignment('license=mit')).toEqual({ key: 'license', value: 'mit' });
    expect(parseAssignment('tags=[a, b]')).toEqual({ key: 'tags', value: ['a', 'b'] });
    expect(parseAssignment('x=3')).toEqual({ key: 'x', value: 3 });
    expect(parseAssignment('link=https://example.com/a=b')).toEqual({ key: 'link', value: 'https://example.com/a=b' });
  });

  it('refuses what card set should not guess at', () => {
    expect(() => parseAssignment('model-index=[{name: x}]')).toThrow(/too complex/);
    expect(() => parseAssignment('model-index.0.name=x')).toThrow(/top-level keys only/);
    expect(() => parseAssignment('tags=[[a]]')).toThrow(/too complex/);
    expect(() => parseAssignment('noequals')).toThrow(/KEY=VALUE/);
    expect(() => parseAssignment('tags=[a')).toThrow(/not valid YAML/);
    expect(() => parseAssignment('license=')).toThrow(/no value/);
  });
});
