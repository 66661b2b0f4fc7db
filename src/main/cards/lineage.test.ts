import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import type { LineageFacts } from '../../shared/cards';
import { generateCard, linkLineage } from './lineage';
import { readMetadata, splitCard } from './parse';
import { splitSections } from './sections';
import { checkCard } from './validate';

const FACTS: LineageFacts = {
  datasets: [
    { name: 'stanfordnlp/imdb', digest: 'sha256:' + 'a'.repeat(64) },
    { name: 'data/train.parquet', digest: 'sha256:' + 'b'.repeat(64) },
  ],
  baseModel: 'google-bert/bert-base-uncased',
  baseModelRelation: 'finetune',
  codeRevision: '0123456789abcdef0123456789abcdef01234567',
  hyperparameters: { learning_rate: 2e-5, epochs: 3, optimizer: 'adamw', 'a|b': [1, 2] },
};

const errors = (text: string) => checkCard(text).filter((f) => f.severity === 'error');

describe('linkLineage', () => {
  it.each(CORPUS.filter((c) => c.editable !== false && !c.expect?.some((e) => /type|unknown|relation|duplicate|model-index/.test(e))).map((c) => [c.name, c.text] as const))(
    '%s: links with no error finding, and linking again changes nothing',
    (_, text) => {
      const out = linkLineage(text, FACTS);
      expect(errors(out)).toEqual([]);
      expect(linkLineage(out, FACTS)).toBe(out);
      const meta = readMetadata(out)!;
      expect(meta.datasets).toContain('stanfordnlp/imdb');
      expect(meta.datasets).not.toContain('data/train.parquet');
      expect(meta.pedigree).toMatchObject({ code_revision: FACTS.codeRevision, datasets: [{ name: 'stanfordnlp/imdb' }, { name: 'data/train.parquet' }], hyperparameters: { epochs: 3 } });
      const sections = splitSections(splitCard(out).body);
      expect(sections.find((s) => s.mitchell === 'training-data')!.text).toContain('b'.repeat(64));
      expect(sections.find((s) => s.mitchell === 'model-details')!.text).toContain(FACTS.codeRevision!);
    },
  );

  it('puts the blocks in the existing sections and keeps the rest of the card', () => {
    const text = CORPUS[0]!.text;
    const out = linkLineage(text, FACTS);
    const before = splitSections(splitCard(text).body);
    const after = splitSections(splitCard(out).body);
    expect(after.map((s) => s.title)).toEqual(before.map((s) => s.title));
    expect(after.find((s) => s.title === 'Intended Use')!.text).toBe(before.find((s) => s.title === 'Intended Use')!.text);
    expect(after.find((s) => s.title === 'Model Details')!.text.startsWith(before.find((s) => s.title === 'Model Details')!.text.trimEnd())).toBe(true);
    expect(out).toContain('| learning_rate | 0.00002 |');
    expect(out).toContain('| a\\|b | [1,2] |');
  });

  it('replaces an earlier link rather than adding another', () => {
    const once = linkLineage(CORPUS[0]!.text, FACTS);
    const twice = linkLineage(once, { ...FACTS, codeRevision: 'fedcba' });
    expect(twice).toContain('fedcba');
    expect(twice).not.toContain(FACTS.codeRevision);
    expect(twice.match(/<!-- pedigree:lineage -->/g)).toHaveLength(2);
  });

  it('turns datasets: imdb (a string) into a list and keeps CRLF', () => {
    const crlf = CORPUS.find((c) => c.name === 'crlf-basic')!.text;
    const out = linkLineage(crlf, FACTS);
    expect(out.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const s = linkLineage(CORPUS.find((c) => c.name === 'datasets-string')!.text, FACTS);
    expect(readMetadata(s)!.datasets).toEqual(['imdb', 'stanfordnlp/imdb']);
  });
});

describe('generateCard', () => {
  it('writes every Mitchell section and front matter that validates', () => {
    const text = generateCard(FACTS, { modelName: 'tiny-bert-imdb', license: 'apache-2.0', tags: ['text-classification'], libraryName: 'transformers' });
    expect(errors(text)).toEqual([]);
    const sections = splitSections(splitCard(text).body);
    expect(sections.filter((s) => s.mitchell).map((s) => s.mitchell)).toEqual([
      'model-details', 'intended-use', 'factors', 'metrics', 'evaluation-data', 'training-data', 'quantitative-analyses', 'ethical-considerations', 'caveats-and-recommendations',
    ]);
    expect(readMetadata(text)).toMatchObject({ license: 'apache-2.0', base_model: FACTS.baseModel, base_model_relation: 'finetune', datasets: ['stanfordnlp/imdb'], library_name: 'transformers' });
    expect(linkLineage(text, FACTS)).toBe(text);
  });

  it('works with no facts at all', () => {
    const text = generateCard({}, { modelName: 'm', license: 'other', licenseName: 'custom' });
    expect(errors(text)).toEqual([]);
    expect(text.startsWith('---\nlicense: other\nlicense_name: custom\n---\n# m\n')).toBe(true);
  });
});
