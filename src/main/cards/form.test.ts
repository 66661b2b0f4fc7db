import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import { cardFormProblems } from '../../shared/cards';
import { applyForm, formFromCard } from './form';

describe('the editor form', () => {
  it('reads the fields and writes back only what changed', () => {
    const text = CORPUS.find((c) => c.name === 'datasets-string')!.text;
    const form = formFromCard(text);
    expect(form).toMatchObject({ license: 'mit', datasets: ['imdb'], tags: ['sentiment'], baseModel: ['bert-base-uncased'] });
    expect(applyForm(text, form)).toBe(text);
    const out = applyForm(text, { ...form, license: 'apache-2.0', tags: [] });
    expect(out).toBe(text.replace('license: mit', 'license: apache-2.0').replace('tags: sentiment\n', ''));
  });

  it('validates the fields', () => {
    const form = formFromCard(CORPUS[0]!.text);
    expect(cardFormProblems(form)).toEqual({});
    const bad = cardFormProblems({ ...form, license: 'nope', baseModelRelation: 'fine', datasets: ['a b'], modelIndex: [{ name: '', results: [] }] });
    expect(Object.keys(bad).sort()).toEqual(['baseModelRelation', 'datasets', 'license', 'modelIndex']);
    expect(cardFormProblems({ ...form, license: 'other' }).licenseName).toMatch(/license name/);
  });
});
