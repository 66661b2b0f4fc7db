import type { StateCreator } from 'zustand';
import type { CardFinding, CardForm, CardView } from '../../shared/cards';
import { ApiError } from '../../shared/errors';
import { getApi } from '../api';
import type { LoadState, State } from './store';

/**
 * The card editor's state. `baseText` is the text as read from disk (a save
 * is refused when the file no longer has it); `text` is the edited text. Each
 * edit is made by the core (byte-preserving) and comes back with findings.
 */
export interface CardsSlice {
  card: CardView | null;
  cardText: string;
  cardFindings: CardFinding[];
  cardState: LoadState;
  cardError: string | null;
  cardConflict: string | null;
  cardSaved: string | null;
  openCardAt(path: string): Promise<void>;
  newCard(path: string, text: string): void;
  applyForm(form: CardForm): Promise<void>;
  moveSection(from: number, to: number): Promise<void>;
  linkNode(nodeId: number): Promise<void>;
  saveCurrentCard(): Promise<void>;
}

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

export const createCardsSlice: StateCreator<State, [], [], CardsSlice> = (set, get) => {
  const edit = async (fn: (text: string) => Promise<{ text: string; findings: CardFinding[] }>) => {
    try {
      const r = await fn(get().cardText);
      set({ cardText: r.text, cardFindings: r.findings, cardError: null, cardSaved: null });
      // sections and form follow the edited text
      const card = get().card;
      if (card) set({ card: { ...card, ...(await reread(r.text)) } });
    } catch (e) {
      set({ cardError: message(e) });
    }
  };
  return {
    card: null,
    cardText: '',
    cardFindings: [],
    cardState: 'idle',
    cardError: null,
    cardConflict: null,
    cardSaved: null,
    async openCardAt(path) {
      set({ cardState: 'loading', cardError: null, cardConflict: null, cardSaved: null });
      try {
        const card = await getApi().openCard({ path });
        set({ card, cardText: card.text, cardFindings: card.findings, cardState: 'ready' });
      } catch (e) {
        set({ cardState: 'error', cardError: message(e) });
      }
    },
    newCard(path, text) {
      set({ card: { path, text: '', sha256: '', metadata: null, sections: [], findings: [], form: emptyForm() }, cardText: text, cardState: 'ready', cardConflict: null, cardSaved: null });
      void edit(async (t) => ({ text: t, findings: await getApi().checkCardText({ text: t }) }));
    },
    applyForm: (form) => edit((text) => getApi().applyCardForm({ text, form })),
    moveSection: (from, to) => edit((text) => getApi().moveCardSection({ text, from, to })),
    async linkNode(nodeId) {
      const facts = await getApi().cardFactsForNode({ nodeId });
      await edit((text) => getApi().linkCardLineage({ text, facts }));
    },
    async saveCurrentCard() {
      const card = get().card;
      if (!card) return;
      try {
        const r = card.sha256 ? await getApi().saveCard({ path: card.path, baseText: card.text, text: get().cardText }) : await getApi().createCard({ path: card.path, text: get().cardText });
        set({ card: { ...card, text: get().cardText, sha256: r.sha256 }, cardConflict: null, cardSaved: 'backup' in r ? `saved; the previous text is in ${r.backup}` : 'saved' });
      } catch (e) {
        const diff = e instanceof ApiError && e.kind === 'conflict' ? (e.details as { diff?: string } | undefined)?.diff : undefined;
        set({ cardConflict: diff ?? null, cardError: message(e) });
      }
    },
  };
};

/** Sections and form of an edited text, read by the core so they match what a save writes. */
async function reread(text: string): Promise<Partial<CardView>> {
  const { sections, form, metadata } = await getApi().openCardText({ text });
  return { sections, form, metadata };
}

function emptyForm(): CardForm {
  return { license: '', licenseName: '', licenseLink: '', tags: [], datasets: [], baseModel: [], baseModelRelation: '', metrics: [], modelIndex: [] };
}
