import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import { joinCard, readMetadata, splitCard } from './parse';
import { checkCard } from './validate';

describe('splitCard', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s: the parts join back byte for byte', (_, c) => {
    const parts = splitCard(c.text);
    expect(joinCard(parts)).toBe(c.text);
    expect(Buffer.from(joinCard(parts), 'utf8').equals(Buffer.from(c.text, 'utf8'))).toBe(true);
  });

  it('finds the front matter, the line ending and the BOM', () => {
    const p = splitCard('\ufeff---\r\nlicense: mit\r\n---\r\n# T\r\n');
    expect(p).toMatchObject({ bom: '\ufeff', open: '---\r\n', yaml: 'license: mit\r\n', close: '---\r\n', body: '# T\r\n', eol: '\r\n', fence: 'yaml' });
  });

  it('takes front matter after blank lines, as huggingface_hub does, and keeps the lines in place', () => {
    const text = '\n\n---\nlicense: mit\nbase_model: meta-llama/Llama-2-7b-hf\n---\n# T\n';
    const p = splitCard(text);
    expect(p).toMatchObject({ open: '\n\n---\n', fence: 'yaml', yamlLine: 4 });
    expect(joinCard(p)).toBe(text);
    expect(readMetadata(text)).toMatchObject({ license: 'mit', base_model: 'meta-llama/Llama-2-7b-hf' });
  });

  it('never treats a ---js fence as metadata', () => {
    const c = CORPUS.find((x) => x.name === 'js-fence')!;
    expect(splitCard(c.text)).toMatchObject({ fence: 'foreign', foreignLang: 'js', yaml: '' });
    expect(readMetadata(c.text)).toBeUndefined();
  });

  it('reads metadata as plain data', () => {
    expect(readMetadata(CORPUS[0]!.text)).toMatchObject({ license: 'apache-2.0', datasets: ['imdb'] });
    expect(readMetadata('# none\n')).toEqual({});
  });
});

describe('checkCard', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s: reports what it must', (_, c) => {
    const codes = checkCard(c.text).map((f) => f.code);
    for (const code of c.expect ?? []) expect(codes).toContain(code);
    if (!c.expect) expect(checkCard(c.text).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('names the key and the line in the file', () => {
    const f = checkCard(CORPUS.find((c) => c.name === 'unknown-license')!.text)[0]!;
    expect(f).toMatchObject({ severity: 'error', code: 'card-license-unknown', key: 'license', line: 2 });
    const dup = checkCard(CORPUS.find((c) => c.name === 'duplicate-keys')!.text).find((x) => x.code === 'card-duplicate-key');
    expect(dup).toMatchObject({ key: 'license', line: 4 });
    const invalid = checkCard(CORPUS.find((c) => c.name === 'invalid-yaml')!.text)[0]!;
    expect(invalid.code).toBe('card-front-matter-invalid');
  });

  it('accepts a string where the Hub expects a list, as info', () => {
    const fs = checkCard(CORPUS.find((c) => c.name === 'datasets-string')!.text);
    expect(fs.filter((f) => f.code.endsWith('-string')).every((f) => f.severity === 'info')).toBe(true);
    expect(fs.some((f) => f.severity === 'error')).toBe(false);
  });
});
