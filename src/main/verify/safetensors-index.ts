import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Collected } from './types';
import type { StoreView } from './dvc';
import { baseName, dirOf, isPlainRelative, joinRel, type Scope } from './paths';
import { DECLARING_FILE_CAP, isRecord, parseJsonText, readBounded } from './read';

/**
 * A sharded safetensors checkpoint: `*.safetensors.index.json` maps each
 * tensor to the shard holding it. Every shard must be beside the index, and
 * `metadata.total_size` (the tensors' bytes, headers excluded) cannot exceed
 * what the shards hold together.
 */

const SUFFIX = '.safetensors.index.json';

export function collectSafetensorsIndexes(store: StoreView, scope: Scope, sink: Collected): void {
  for (const rel of store.paths) {
    if (rel.endsWith(SUFFIX) && scope.contains(rel)) checkIndex(store.root, rel, sink);
  }
}

function checkIndex(root: string, rel: string, sink: Collected): void {
  const bad = (message: string): void => {
    sink.findings.push({ path: rel, code: 'safetensors-index-invalid', severity: 'error', message: `${rel}: ${message}; its shards were not checked` });
  };
  const read = readBounded(join(root, rel), DECLARING_FILE_CAP);
  if (!read.ok) return bad(read.message);
  const parsed = parseJsonText(read.bytes.toString('utf8'));
  if (!parsed.ok) return bad(parsed.message);
  if (!isRecord(parsed.value)) return bad('the top level is not an object');
  const map = parsed.value.weight_map;
  if (!isRecord(map)) return bad('it has no "weight_map" object');
  const tensors = new Map<string, number>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string') return bad(`weight_map["${tensor}"] is not a file name`);
    tensors.set(shard, (tensors.get(shard) ?? 0) + 1);
  }
  const dir = dirOf(rel);
  let shardBytes = 0;
  let allPresent = true;
  for (const [shard, count] of tensors) {
    if (!isPlainRelative(shard)) {
      sink.findings.push({ path: rel, code: 'safetensors-shard-path', severity: 'error', message: `${rel}: shard "${shard}" is not a plain relative file name; not checked` });
      allPresent = false;
      continue;
    }
    const shardRel = joinRel(dir, shard);
    try {
      const st = statSync(join(root, shardRel));
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      shardBytes += st.size;
    } catch (e) {
      allPresent = false;
      const code = (e as NodeJS.ErrnoException).code;
      const tensorsText = `${count} tensor${count === 1 ? '' : 's'}`;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        sink.mismatches.push({ path: shardRel, code: 'shard-missing', expected: null, actual: null, algorithm: null, source: `${rel}: weight_map`, message: `${shard}, which ${baseName(rel)} names for ${tensorsText}, is not beside it` });
      } else {
        sink.findings.push({ path: shardRel, code: 'safetensors-shard-unreadable', severity: 'error', message: `${shard} (named in ${rel} for ${tensorsText}): ${(e as Error).message}` });
      }
    }
  }
  const meta = parsed.value.metadata;
  const total = isRecord(meta) ? meta.total_size : undefined;
  if (allPresent && typeof total === 'number' && total > shardBytes) {
    sink.findings.push({
      path: rel,
      code: 'safetensors-total-size',
      severity: 'warning',
      message: `${rel}: metadata.total_size is ${total} bytes, more than its ${tensors.size} shard${tensors.size === 1 ? '' : 's'} hold together (${shardBytes} bytes): a shard is truncated, or the index describes other files`,
    });
  }
}
