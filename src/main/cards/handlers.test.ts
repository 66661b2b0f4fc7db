import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../../test/fixtures/cards/corpus';
import { cardMethods } from '../../shared/cards';
import { ApiError } from '../../shared/errors';
import { cardHandlers } from './handlers';

describe('card API handlers', () => {
  const h = cardHandlers();
  it('answer in the shapes the contract declares', async () => {
    const text = CORPUS[0]!.text;
    const moved = await h.moveCardSection({ text, from: 3, to: 1 });
    expect(cardMethods.moveCardSection.result.parse(moved).text).not.toBe(text);
    const gen = await h.generateCard(cardMethods.generateCard.params.parse({ facts: { baseModel: 'a/b' }, meta: { modelName: 'm', license: 'mit' } }));
    expect(gen.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
  it('turn card errors into ApiErrors', async () => {
    await expect(h.openCard({ path: '/nonexistent/README.md' })).rejects.toBeInstanceOf(ApiError);
    await expect(h.moveCardSection({ text: '# a\n', from: 0, to: 5 })).rejects.toMatchObject({ kind: 'invalid-input' });
  });
});
