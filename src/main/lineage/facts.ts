import type { ReadableDb } from '../db/connection';
import { getNode } from '../db/lineage';
import { auditCheckpoint, flatten } from './audit';

/**
 * What a card learns from a lineage node dropped on it: the data (names and
 * digests), the base model, the code revision and the hyperparameters, read
 * from the checkpoint's audit (for a dataset node: the dataset itself).
 */
export interface CardLineageFacts {
  datasets: { name: string; digest?: string }[];
  baseModel?: string;
  codeRevision?: string;
  hyperparameters: Record<string, unknown>;
}

export function cardFactsFor(db: ReadableDb, nodeId: number): CardLineageFacts | null {
  const node = getNode(db, nodeId);
  if (!node) return null;
  if (node.kind !== 'checkpoint') {
    return node.kind === 'dataset' ? { datasets: [{ name: node.label }], hyperparameters: {} } : { datasets: [], hyperparameters: {} };
  }
  const audit = auditCheckpoint(db, nodeId);
  const facts: CardLineageFacts = { datasets: [], hyperparameters: {} };
  if (!audit) return facts;
  const axis = (name: string) => audit.axes.find((a) => a.axis === name);
  for (const f of axis('data')?.found ?? []) {
    if (f.what.startsWith('dataset ')) {
      const digest = /^(sha256|md5):([0-9a-f]+)/.exec(f.value);
      facts.datasets.push({ name: f.what.slice('dataset '.length), ...(digest ? { digest: `${digest[1]}:${digest[2]}` } : {}) });
    } else if (f.what === 'base model') facts.baseModel = f.value;
  }
  const commit = axis('code')?.found.find((f) => f.what === 'commit');
  if (commit) facts.codeRevision = commit.value;
  // the nearest config's values, flattened, as the hyperparameters
  const config = axis('hyperparameters')?.found.find((f) => f.what.startsWith('config ') || f.what.startsWith('run '));
  const source = config?.nodeId ? getNode(db, config.nodeId) : null;
  if (source) {
    for (const [k, v] of flatten(source.props).slice(0, 80)) {
      if (/^(tags|metrics|files)\b/.test(k) || (typeof v === 'string' && v.length > 200)) continue;
      facts.hyperparameters[k.replace(/^(config|params)\./, '')] = v;
    }
  }
  return facts;
}
