import { parseDocument } from 'yaml';
import type { ReportBuilder } from './report';

/** Anchors and aliases can expand exponentially ("billion laughs"); this bounds them. */
const MAX_ALIASES = 100;
/** Tags that make PyYAML's unsafe loader import modules or call functions. */
const PYTHON_CODE_TAG = /!!python\/(object|name|module)/;

/**
 * Parses YAML text into plain JS, never evaluating tags. Problems become
 * findings with the report's format as prefix; the result is then undefined.
 */
export function parseYaml(text: string, report: ReportBuilder, what = 'the YAML'): unknown {
  if (PYTHON_CODE_TAG.test(text)) {
    report.warning(`${report.format}-python-tag`, `${what} has !!python tags, which run code when loaded with yaml.unsafe_load`);
  }
  try {
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false, merge: true });
    const first = doc.errors[0];
    if (first) {
      report.error(`${report.format}-invalid`, `${what} is not valid YAML: ${first.message.split('\n')[0]}`);
      return undefined;
    }
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    report.error(`${report.format}-invalid`, `${what} cannot be read: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return undefined;
  }
}
