import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import { splitCard } from './parse';
import { joinSections, moveSection, replaceSection, splitSections } from './sections';

describe('sections', () => {
  it.each(CORPUS.map((c) => [c.name, splitCard(c.text).body] as const))('%s: split and join is byte-identical', (_, body) => {
    expect(joinSections(splitSections(body))).toBe(body);
  });

  const body = CORPUS[0]!.text.slice(CORPUS[0]!.text.indexOf('# Model Card'));

  it('splits at the level used for sections, keeping subsections and code inside', () => {
    const s = splitSections(body);
    expect(s.map((x) => [x.title, x.level, x.mitchell])).toEqual([
      ['Model Card for tiny-bert', 1, undefined],
      ['Model Details', 2, 'model-details'],
      ['Intended Use', 2, 'intended-use'],
      ['Training Data', 2, 'training-data'],
    ]);
    expect(s[1]!.text).toContain('### Model Description');
    expect(s[2]!.text).toContain('## not a heading: inside code');
  });

  it('reorders, leaving moved sections byte for byte', () => {
    const s = splitSections(body);
    const moved = moveSection(s, 3, 1);
    expect(moved.map((x) => x.title)).toEqual(['Model Card for tiny-bert', 'Training Data', 'Model Details', 'Intended Use']);
    expect(moved.map((x) => x.text).sort()).toEqual(s.map((x) => x.text).sort());
    expect(joinSections(moveSection(moved, 1, 3))).toBe(body);
  });

  it('gives a last section with no final newline one when it moves up', () => {
    const s = splitSections('## A\r\ntext a\r\n## B\r\ntext b');
    expect(joinSections(moveSection(s, 1, 0, '\r\n'))).toBe('## B\r\ntext b\r\n## A\r\ntext a\r\n');
  });

  it('replaces one section and keeps the others', () => {
    const s = splitSections(body);
    const out = joinSections(replaceSection(s, s[2]!.id, '## Intended Use\n\nAnything.\n\n'));
    expect(out).toBe(body.replace(s[2]!.text, '## Intended Use\n\nAnything.\n\n'));
  });

  it('has a preamble for text before the first heading', () => {
    const s = splitSections('intro\n\n## A\n## B\n');
    expect(s[0]).toMatchObject({ id: 'preamble', level: 0, text: 'intro\n\n' });
  });
});
