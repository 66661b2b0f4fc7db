import { isRecord, parseJsonBytes, someKeys } from './json-file';
import { defineReader } from './report';
import type { ReportBuilder } from './report';
import { clip, readTextPrefix } from './text';
import type { ByteSource } from './types';
import { parseYaml } from './yaml-text';

/** Configs are small; a 10 MB "config" is data and is only classified, not parsed. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;
const MAX_KEYS = 100;

async function configText(src: ByteSource, report: ReportBuilder): Promise<string | undefined> {
  if (src.size > MAX_CONFIG_BYTES) {
    report.info(`${report.format}-not-parsed`, `the file is ${src.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for parsing`);
    return undefined;
  }
  const { text, validUtf8 } = await readTextPrefix(src, MAX_CONFIG_BYTES);
  if (!validUtf8) report.warning(`${report.format}-invalid-utf8`, 'the file is not valid UTF-8');
  return text;
}

function describeValue(v: unknown, report: ReportBuilder): void {
  if (isRecord(v)) Object.assign(report.summary, { topLevel: 'object', keys: someKeys(v, MAX_KEYS) });
  else if (Array.isArray(v)) Object.assign(report.summary, { topLevel: 'array', items: v.length });
  else report.summary.topLevel = v === null ? 'null' : typeof v;
}

export const yamlReader = defineReader({
  id: 'yaml',
  kind: 'config',
  extensions: ['.yaml', '.yml'],
  inspect: async (src, report) => {
    const text = await configText(src, report);
    if (text === undefined) return;
    const value = parseYaml(text, report);
    if (value !== undefined) describeValue(value, report);
  },
});

/**
 * JSON is a config when it is an object (config.json, tokenizer_config.json)
 * and a dataset when it is an array of records.
 */
export const jsonReader = defineReader({
  id: 'json',
  kind: 'config',
  extensions: ['.json'],
  inspect: async (src, report) => {
    if (src.size > MAX_CONFIG_BYTES) {
      const first = (await readTextPrefix(src, 4096)).text.trimStart()[0];
      if (first === '[') report.kind = 'dataset';
      report.info('json-not-parsed', `the file is ${src.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for parsing`);
      return;
    }
    const value = parseJsonBytes(await src.read(0, src.size), report, 'the file');
    if (value === undefined) return;
    if (Array.isArray(value)) report.kind = 'dataset';
    describeValue(value, report);
    if (isRecord(value)) {
      // The keys lineage cares about in HF config.json.
      for (const key of ['model_type', 'architectures', '_name_or_path', 'transformers_version', 'torch_dtype']) {
        const v = value[key];
        if (typeof v === 'string') report.summary[key] = clip(v, 256);
        else if (Array.isArray(v)) report.summary[key] = v.slice(0, 10).map((x) => clip(String(x), 256));
      }
    }
  },
});

/** No TOML parser in the dependencies: table names and top-level keys by line are enough to classify. */
export const tomlReader = defineReader({
  id: 'toml',
  kind: 'config',
  extensions: ['.toml', '.ini', '.cfg'],
  inspect: async (src, report) => {
    const text = await configText(src, report);
    if (text === undefined) return;
    Object.assign(report.summary, outlineSections(text));
  },
});

export function outlineSections(text: string): { sections: string[]; keys: string[] } {
  const sections: string[] = [];
  const keys: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const section = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line)?.[1];
    if (section !== undefined) {
      if (sections.length < MAX_KEYS && !sections.includes(section)) sections.push(clip(section, 256));
      continue;
    }
    const key = /^([A-Za-z0-9_.\-"']+)\s*[=:]/.exec(line)?.[1];
    if (key !== undefined && sections.length === 0 && keys.length < MAX_KEYS) keys.push(clip(key, 256));
  }
  return { sections, keys };
}
