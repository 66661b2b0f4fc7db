import type { FragmentBuilder } from './fragment';
import { MetricAccumulator, parseModelMetricLine, parseRunMetricLine, type MetricSummary } from './metrics';
import { dict } from './records';
import { isRecord, parseYamlText, readText } from './safe-text';
import type { StoreFiles } from './store-files';

/**
 * The folder store's small files: `meta.yaml` documents, and the
 * one-file-per-key folders (`params/`, `tags/`, `metrics/`, registry
 * `aliases/`) whose file name is the key (keys may contain `/`, so they are
 * nested folders) and whose content is the value.
 */

export const MAX_META_BYTES = 1024 * 1024;
const MAX_VALUE_BYTES = 64 * 1024;
/** Tags that carry documents: the logged-model history (JSON) and run notes. */
const LONG_TAGS = new Set(['mlflow.log-model.history', 'mlflow.note.content']);
const MAX_LONG_VALUE_BYTES = 1024 * 1024;
/** Bad lines reported one by one per metric file; the rest are counted. */
const MAX_LINE_FINDINGS = 5;

/** Reads a meta.yaml: a mapping, or a finding and undefined. Lists missing required fields. */
export async function readMeta(files: StoreFiles, out: FragmentBuilder, path: string, required: readonly string[]): Promise<Record<string, unknown> | undefined> {
  const read = await readText(files, out, path, MAX_META_BYTES, { whole: true });
  if (!read) return undefined;
  if (read.text.trim() === '') {
    out.finding(path, 'mlflow-meta-empty', 'warning', 'the meta.yaml is empty (MLflow reads this as an interrupted write)');
    return undefined;
  }
  const doc = parseYamlText(read.text, out, path);
  if (doc === undefined) return undefined;
  if (!isRecord(doc)) {
    out.finding(path, 'mlflow-meta-invalid', 'error', 'the meta.yaml is not a mapping of fields');
    return undefined;
  }
  const missing = required.filter((k) => doc[k] === undefined || doc[k] === null || doc[k] === '');
  if (missing.length > 0) out.finding(path, 'mlflow-meta-missing-field', 'warning', `the meta.yaml has no ${missing.join(', ')}`);
  return doc;
}

/** Files below `dir`, keyed by their path relative to it (the key, with `/` for nesting). */
export function keyedFiles(files: StoreFiles, dir: string): [key: string, path: string][] {
  const cut = dir.length + 1;
  return [...files.under(dir)].map((p) => [p.slice(cut), p]);
}

/** `params/`, `tags/` and `aliases/` folders: each file's content is the value, written without a newline. */
export async function readValueFolder(files: StoreFiles, out: FragmentBuilder, dir: string): Promise<Record<string, string>> {
  const values = dict<string>();
  for (const [key, path] of keyedFiles(files, dir)) {
    const read = await readText(files, out, path, LONG_TAGS.has(key) ? MAX_LONG_VALUE_BYTES : MAX_VALUE_BYTES);
    if (read) values[key] = read.text;
  }
  return values;
}

/** A `metrics/` folder of a run (`model: false`) or of a 3.x logged model (`model: true`). */
export async function readMetricFolder(files: StoreFiles, out: FragmentBuilder, dir: string, model: boolean): Promise<Record<string, MetricSummary>> {
  const metrics = dict<MetricSummary>();
  for (const [key, path] of keyedFiles(files, dir)) {
    const summary = await readMetricFile(files, out, path, model);
    if (summary) metrics[key] = summary;
  }
  return metrics;
}

export async function readMetricFile(files: StoreFiles, out: FragmentBuilder, path: string, model: boolean): Promise<MetricSummary | undefined> {
  const acc = new MetricAccumulator();
  let bad = 0;
  let invalidUtf8 = false;
  try {
    for await (const { line, n, last, endsWithNewline } of files.lines(path)) {
      if (!invalidUtf8 && line.includes('\uFFFD')) {
        invalidUtf8 = true;
        out.finding(path, 'mlflow-invalid-utf8', 'warning', 'the metric file is not valid UTF-8');
      }
      if (line.trim() === '') continue;
      const parsed = model ? parseModelMetricLine(line) : parseRunMetricLine(line);
      if (parsed.ok) {
        acc.add(parsed.point);
        if (last && !endsWithNewline) out.finding(path, 'mlflow-metric-no-final-newline', 'info', `line ${n} has no newline after it; MLflow ends every line with one, so it may be cut short`);
        continue;
      }
      bad++;
      if (last && !endsWithNewline) out.finding(path, 'mlflow-metric-line-truncated', 'warning', `line ${n} is cut short (${parsed.reason}); it was skipped`);
      else if (bad <= MAX_LINE_FINDINGS) out.finding(path, 'mlflow-metric-line-invalid', 'warning', `line ${n}: ${parsed.reason}; it was skipped`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    out.finding(path, 'mlflow-file-unreadable', 'error', `cannot read the metric file: ${err.message}`);
  }
  if (bad > MAX_LINE_FINDINGS) out.finding(path, 'mlflow-metric-lines-skipped', 'warning', `${bad} malformed lines in all were skipped`);
  const summary = acc.summary();
  if (!summary && bad === 0) out.finding(path, 'mlflow-metric-empty', 'info', 'the metric file has no values (MLflow reports it as malformed)');
  return summary;
}
