import { isRecord, parseJsonBytes } from './json-file';
import { defineReader, hasExtension } from './report';
import type { ReportBuilder } from './report';
import { clip } from './text';
import type { ByteSource } from './types';
import { readZipEntry } from './zip';
import type { ZipDirectory } from './zip';
import { isZip, openZip } from './zip-archive';

const MAX_CONFIG = 16 * 1024 * 1024;
const MAX_METADATA = 1024 * 1024;
/** Nodes visited looking for Lambda layers; configs have thousands, not millions. */
const MAX_WALK = 1_000_000;

/** Keras 3 `.keras`: a zip of config.json, metadata.json and the weights. */
export const kerasReader = defineReader({
  id: 'keras',
  kind: 'checkpoint',
  extensions: ['.keras'],
  sniff: (head, name) => hasExtension(name, ['.keras']) && isZip(head),
  inspect: async (src, report) => {
    const dir = await openZip(src, report);
    if (!dir) return;
    const names = dir.entries.map((e) => e.name);
    report.summary.entries = names.slice(0, 100);
    report.summary.hasWeights = names.some((n) => n.startsWith('model.weights.'));
    const metadata = await readJsonEntry(src, dir, 'metadata.json', MAX_METADATA, report);
    if (isRecord(metadata)) {
      report.summary.kerasVersion = typeof metadata.keras_version === 'string' ? clip(metadata.keras_version, 64) : undefined;
      report.summary.dateSaved = typeof metadata.date_saved === 'string' ? clip(metadata.date_saved, 64) : undefined;
    }
    const config = await readJsonEntry(src, dir, 'config.json', MAX_CONFIG, report);
    if (config === undefined) {
      if (!names.includes('config.json')) report.error('keras-no-config', 'the archive has no config.json, so it is not a Keras 3 model');
      return;
    }
    if (isRecord(config)) {
      const inner = isRecord(config.config) ? config.config : {};
      report.summary.className = typeof config.class_name === 'string' ? clip(config.class_name, 256) : undefined;
      report.summary.module = typeof config.module === 'string' ? clip(config.module, 256) : undefined;
      report.summary.name = typeof inner.name === 'string' ? clip(inner.name, 256) : undefined;
    }
    if (hasLambda(config)) {
      report.warning('keras-lambda-layer', 'the model has a Lambda layer, whose Python bytecode runs if loaded with safe_mode=False');
    }
  },
});

async function readJsonEntry(src: ByteSource, dir: ZipDirectory, name: string, cap: number, report: ReportBuilder): Promise<unknown> {
  const entry = dir.entries.find((e) => e.name === name);
  if (!entry) return undefined;
  const read = await readZipEntry(src, entry, cap);
  if (!read.ok) {
    report.error(read.code, read.message);
    return undefined;
  }
  return parseJsonBytes(read.data, report, name);
}

function hasLambda(config: unknown): boolean {
  const stack: unknown[] = [config];
  for (let visited = 0; stack.length > 0 && visited < MAX_WALK; visited++) {
    const v = stack.pop();
    // Pushed one by one: spreading a huge array overflows the call stack.
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (isRecord(v)) {
      if (v.class_name === 'Lambda' || '__lambda__' in v) return true;
      for (const item of Object.values(v)) stack.push(item);
    }
  }
  return false;
}
