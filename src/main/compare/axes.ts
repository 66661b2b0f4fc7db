import type { AxisComparison, AxisFact, DriftStatus, KeyDiff } from '../../shared/compare';
import type { Evidence } from '../../shared/lineage';
import { diffKeyed, drift, showValue, worstDrift } from './diff';
import type { Fact, SubjectFacts } from './facts';

/**
 * Which of the four axes drifted between the columns, fact by fact. A fact a
 * column does not record makes it unknown there; two columns that both record
 * it and disagree make it changed.
 */

/** Column letters for one-line reasons: A, B, C… */
export const letter = (i: number): string => String.fromCharCode(65 + (i % 26));
const MAX_LISTED = 20;
const SEED_KEY = /(^|[._])(seed|random_seed|manual_seed|global_seed|data_seed)$/i;

/**
 * Like `drift`, for a member of a set (a dataset, a pin, a config key): a
 * column that records the set but lacks the member differs from one that has it.
 */
function judgeMember(values: (string | null)[], knows: boolean[]): DriftStatus | null {
  if (values.every((v) => v === null)) return null;
  if (values.some((v, i) => v === null && !knows[i])) {
    const known = values.filter((v, i) => knows[i]);
    return new Set(known).size > 1 ? 'changed' : 'unknown';
  }
  return new Set(values).size > 1 ? 'changed' : 'same';
}

function fact(what: string, cells: (Fact | null)[]): AxisFact | null {
  const values = cells.map((c) => c?.value ?? null);
  const status = drift(values);
  return status === null ? null : { what, values, status, evidence: cells.map((c) => c?.evidence ?? null) };
}

function memberFact(what: string, values: (string | null)[], knows: boolean[], evidence: (Evidence | null)[]): AxisFact | null {
  const status = judgeMember(values, knows);
  return status === null ? null : { what, values, status, evidence };
}

const arrow = (f: AxisFact) => f.values.map((v) => v ?? '(none)').join(' → ');

function reasonOf(status: DriftStatus, facts: AxisFact[], nothing: string): string {
  const changed = facts.filter((f) => f.status === 'changed');
  if (status === 'changed') return changed.slice(0, 4).map((f) => `${f.what}: ${arrow(f)}`).join('; ') + (changed.length > 4 ? `; and ${changed.length - 4} more` : '');
  const unknown = facts.filter((f) => f.status === 'unknown');
  if (status === 'unknown') {
    if (facts.length === 0) return nothing;
    return unknown.slice(0, 3).map((f) => `${f.what} not recorded for ${f.values.map((v, i) => (v === null ? letter(i) : null)).filter(Boolean).join(', ')}`).join('; ');
  }
  return `${facts.length} fact${facts.length === 1 ? '' : 's'} agree: ${facts.slice(0, 4).map((f) => f.what).join(', ')}${facts.length > 4 ? '…' : ''}`;
}

function axis(name: AxisComparison['axis'], facts: AxisFact[], notes: string[], nothing: string): AxisComparison {
  const status = worstDrift(facts.map((f) => f.status));
  return { axis: name, status, reason: reasonOf(status, facts, nothing), facts, notes };
}

function dataAxis(cols: SubjectFacts[]): AxisComparison {
  const digests = [...new Set(cols.flatMap((c) => [...c.datasets.keys()]))];
  const knows = cols.map((c) => c.datasets.size > 0);
  const facts = digests.flatMap((d) => {
    const label = cols.map((c) => c.datasets.get(d)?.label).find(Boolean)!;
    const f = memberFact(`dataset ${label}`, cols.map((c) => (c.datasets.has(d) ? d : null)), knows, cols.map((c) => c.datasets.get(d)?.evidence ?? null));
    return f ? [f] : [];
  });
  const notes: string[] = [];
  if (digests.length === 0) {
    // no content digests anywhere: the names are all there is to go on
    const named = cols.map((c) => (c.undigested.length ? [...c.undigested].sort().join(', ') : null));
    const f = fact('datasets (by name; no digest)', named.map((v) => (v === null ? null : { value: v, evidence: null })));
    if (f) facts.push(f);
  } else {
    cols.forEach((c, i) => {
      if (c.undigested.length) notes.push(`${letter(i)} also names ${c.undigested.join(', ')} without a content digest (not compared)`);
    });
  }
  cols.forEach((c, i) => {
    for (const b of c.baseModels) notes.push(`${letter(i)} starts from the base model ${b.label} (${b.value})`);
  });
  return axis('data', facts, notes, 'no column records its input data');
}

function codeAxis(cols: SubjectFacts[]): AxisComparison {
  const facts: AxisFact[] = [];
  const commit = fact('commit', cols.map((c) => c.commit));
  if (commit) facts.push(commit);
  const dirty = fact('working tree', cols.map((c) => c.dirty));
  if (dirty) facts.push(dirty);
  const knows = cols.map((c) => c.pins.size > 0);
  const names = [...new Set(cols.flatMap((c) => [...c.pins.keys()]))];
  const pinFacts = names.flatMap((n) => {
    const f = memberFact(`pin ${n}`, cols.map((c) => c.pins.get(n) ?? null), knows, cols.map((c) => c.pinsEvidence));
    return f ? [f] : [];
  });
  facts.push(...pinFacts.filter((f) => f.status !== 'same'));
  const same = pinFacts.filter((f) => f.status === 'same');
  if (same.length) facts.push({ what: `${same.length} other pin${same.length === 1 ? '' : 's'}`, values: cols.map(() => same.map((f) => `${f.what.slice(4)}==${f.values[0]}`).join(', ')), status: 'same', evidence: cols.map((c) => c.pinsEvidence) });
  return axis('code', facts, [], 'no column records a commit or dependency pins');
}

function hyperAxis(cols: SubjectFacts[]): AxisComparison {
  const facts: AxisFact[] = [];
  const seed = fact('seed', cols.map((c) => c.seed));
  if (seed) facts.push(seed);
  const knows = cols.map((c) => c.config.size > 0);
  const keys = [...new Set(cols.flatMap((c) => [...c.config.keys()]))];
  const keyFacts = keys.flatMap((k) => {
    const f = memberFact(k, cols.map((c) => (c.config.has(k) ? showValue(c.config.get(k)) : null)), knows, cols.map((c) => c.configEvidence));
    return f ? [f] : [];
  });
  // the seed has its own row above; its config key still counts towards the status
  const differing = keyFacts.filter((f) => f.status !== 'same' && !(seed && SEED_KEY.test(f.what)));
  const hidden = keyFacts.filter((f) => f.status !== 'same' && seed && SEED_KEY.test(f.what));
  facts.push(...differing.slice(0, MAX_LISTED));
  if (differing.length > MAX_LISTED) facts.push({ what: `${differing.length - MAX_LISTED} more config keys`, values: cols.map(() => null), status: worstDrift(differing.slice(MAX_LISTED).map((f) => f.status)), evidence: cols.map(() => null) });
  const same = keyFacts.length - differing.length - hidden.length;
  if (same) facts.push({ what: `${same} other config key${same === 1 ? '' : 's'}`, values: cols.map(() => 'equal'), status: 'same', evidence: cols.map((c) => c.configEvidence) });
  const result = axis('hyperparameters', facts, [], 'no column records a training config or run parameters');
  if (result.status !== 'changed' && hidden.some((f) => f.status === 'changed')) result.status = 'changed';
  return result;
}

function computeAxis(cols: SubjectFacts[]): AxisComparison {
  const facts = [fact('hardware', cols.map((c) => c.hardware)), fact('driver', cols.map((c) => c.driver)), fact('CUDA', cols.map((c) => c.cuda)), fact('precision', cols.map((c) => c.precision))].filter((f): f is AxisFact => f !== null);
  return axis('compute', facts, [], 'no column records hardware, driver or precision');
}

export function compareAxes(cols: SubjectFacts[]): { axes: AxisComparison[]; config: KeyDiff[]; pins: KeyDiff[] } {
  return {
    axes: [dataAxis(cols), codeAxis(cols), hyperAxis(cols), computeAxis(cols)],
    config: diffKeyed(cols.map((c) => c.config)),
    pins: diffKeyed(cols.map((c) => c.pins)),
  };
}
