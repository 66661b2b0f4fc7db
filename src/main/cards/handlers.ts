import type { z } from 'zod';
import type { cardMethods, CardFinding } from '../../shared/cards';
import { ApiError } from '../../shared/errors';
import { CardEditError } from './edit';
import { formFromCard, applyForm } from './form';
import { generateCard, linkLineage } from './lineage';
import { readMetadata, splitCard } from './parse';
import { CardConflictError, CardFileError, backupPath, createCard, openCard, saveCardText } from './save';
import { joinSections, moveSection, splitSections } from './sections';
import { checkCard } from './validate';

type CardMethods = typeof cardMethods;
export type CardHandlers = { [M in keyof CardMethods]: (params: z.output<CardMethods[M]['params']>) => Promise<z.output<CardMethods[M]['result']>> };

/** The card API methods, for `Workspace#handlers()` to spread in. Card errors become `ApiError`s. */
export function cardHandlers(): CardHandlers {
  const edit = (text: string): { text: string; findings: CardFinding[] } => ({ text, findings: checkCard(text) });
  return {
    openCard: guard(async ({ path }) => {
      const card = await openCard(path);
      const parts = splitCard(card.text);
      return { path, text: card.text, sha256: card.sha256, metadata: readMetadata(card.text) ?? null, sections: splitSections(parts.body), findings: checkCard(card.text), form: formFromCard(card.text) };
    }),
    checkCardText: guard(async ({ text }) => checkCard(text)),
    openCardText: guard(async ({ text }) => ({ metadata: readMetadata(text) ?? null, sections: splitSections(splitCard(text).body), findings: checkCard(text), form: formFromCard(text) })),
    applyCardForm: guard(async ({ text, form }) => edit(applyForm(text, form))),
    moveCardSection: guard(async ({ text, from, to }) => {
      const parts = splitCard(text);
      const body = joinSections(moveSection(splitSections(parts.body), from, to, parts.eol));
      return edit(parts.bom + parts.open + parts.yaml + parts.close + body);
    }),
    linkCardLineage: guard(async ({ text, facts }) => edit(linkLineage(text, facts))),
    generateCard: guard(async ({ facts, meta }) => edit(generateCard(facts, meta))),
    saveCard: guard(async ({ path, baseText, text }) => ({ sha256: (await saveCardText(path, baseText, text)).sha256, backup: backupPath(path) })),
    createCard: guard(async ({ path, text }) => ({ sha256: (await createCard(path, text)).sha256 })),
  };
}

function guard<P, R>(fn: (p: P) => Promise<R>): (p: P) => Promise<R> {
  return async (p) => {
    try {
      return await fn(p);
    } catch (e) {
      if (e instanceof CardConflictError) throw new ApiError('conflict', e.message, { diff: e.diff });
      if (e instanceof CardFileError && /already exists/.test(e.message)) throw new ApiError('conflict', e.message);
      if (e instanceof CardEditError || e instanceof CardFileError || e instanceof RangeError) throw new ApiError('invalid-input', e.message);
      throw e;
    }
  };
}
