import type { StateCreator } from 'zustand';
import type { Comparison } from '../../shared/compare';
import { ApiError } from '../../shared/errors';
import { getApi } from '../api';
import type { LoadState, State } from './store';

/** The compare view: the subjects come from the URL; the comparison is a cache of the workspace. */
export interface CompareSlice {
  comparison: Comparison | null;
  comparisonState: LoadState;
  comparisonError: string | null;
  runComparison(refs: string[]): Promise<void>;
  exportComparison(refs: string[], as: 'html' | 'json'): Promise<void>;
}

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));
let seq = 0;

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const createCompareSlice: StateCreator<State, [], [], CompareSlice> = (set, get) => ({
  comparison: null,
  comparisonState: 'idle',
  comparisonError: null,
  async runComparison(refs) {
    const mine = ++seq;
    if (refs.length < 2) {
      set({ comparison: null, comparisonState: 'idle', comparisonError: null });
      return;
    }
    set({ comparisonState: 'loading', comparisonError: null });
    try {
      const comparison = await getApi().compareSubjects({ refs });
      if (mine === seq) set({ comparison, comparisonState: 'ready' });
    } catch (e) {
      if (mine === seq) set({ comparisonState: 'error', comparisonError: message(e) });
    }
  },
  async exportComparison(refs, as) {
    try {
      if (as === 'json') {
        const c = get().comparison ?? (await getApi().compareSubjects({ refs }));
        download('pedigree-comparison.json', 'application/json', `${JSON.stringify(c, null, 2)}\n`);
      } else {
        const { html } = await getApi().exportComparisonHtml({ refs });
        download('pedigree-comparison.html', 'text/html', html);
      }
    } catch (e) {
      set({ comparisonError: message(e) });
    }
  },
});
