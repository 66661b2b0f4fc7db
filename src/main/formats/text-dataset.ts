import { isRecord, someKeys } from './json-file';
import { defineReader } from './report';
import type { ReportBuilder } from './report';
import { clip, readTextPrefix } from './text';
import type { TextPrefix } from './text';
import type { ByteSource } from './types';

/** Lines are counted in this prefix only; beyond it the count is an estimate. */
const SAMPLE_BYTES = 1024 * 1024;
const MAX_COLUMNS = 1000;

export const jsonlReader = defineReader({
  id: 'jsonl',
  kind: 'dataset',
  extensions: ['.jsonl', '.ndjson', '.jsonl.gz'],
  inspect: async (src, report) => {
    const sample = await sampleText(src, report);
    if (!sample) return;
    const lines = completeLines(sample);
    let invalid = 0;
    let fields: string[] | undefined;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const row: unknown = JSON.parse(line);
        if (fields === undefined && isRecord(row)) fields = someKeys(row, MAX_COLUMNS);
      } catch {
        invalid++;
      }
    }
    if (invalid > 0) report.warning('jsonl-invalid-lines', `${invalid} of the first ${lines.length} lines are not valid JSON`);
    Object.assign(report.summary, lineCounts(src, sample, lines.length), { fields: fields ?? [] });
  },
});

export const csvReader = defineReader({
  id: 'csv',
  kind: 'dataset',
  extensions: ['.csv', '.tsv', '.tab'],
  inspect: async (src, report) => {
    const sample = await sampleText(src, report);
    if (!sample) return;
    const lines = completeLines(sample);
    const header = lines[0] ?? sample.text;
    const delimiter = src.path.toLowerCase().endsWith('.csv') ? ',' : '\t';
    const columns = splitRow(header, delimiter).slice(0, MAX_COLUMNS).map((c) => clip(c, 256));
    Object.assign(report.summary, lineCounts(src, sample, lines.length), { delimiter, columns });
  },
});

async function sampleText(src: ByteSource, report: ReportBuilder): Promise<TextPrefix | undefined> {
  if (src.path.toLowerCase().endsWith('.gz')) {
    report.info(`${report.format}-compressed`, 'the file is gzip-compressed, so its rows were not read');
    return undefined;
  }
  const sample = await readTextPrefix(src, SAMPLE_BYTES);
  if (!sample.validUtf8) report.warning(`${report.format}-invalid-utf8`, 'the file is not valid UTF-8');
  if (sample.text.includes('\u0000')) report.warning(`${report.format}-binary`, 'the file holds NUL bytes, so it is probably not text');
  return sample;
}

/** Lines fully inside the sample; a partial last line is dropped when the file goes on. */
function completeLines(sample: TextPrefix): string[] {
  const lines = sample.text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (sample.truncated || lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function lineCounts(src: ByteSource, sample: TextPrefix, lines: number): Record<string, unknown> {
  if (!sample.truncated) return { lines, linesExact: true };
  const sampled = Buffer.byteLength(sample.text);
  return { lines, linesExact: false, estimatedLines: lines > 0 ? Math.round((src.size / sampled) * lines) : undefined };
}

/** One row, honouring double quotes (RFC 4180); good enough for a header. */
export function splitRow(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}
