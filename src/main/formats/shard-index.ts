import { isRecord, readJsonFile } from './json-file';
import { defineReader } from './report';
import { clip } from './text';

/** Real indexes are a few hundred KB even for the largest models. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
const MAX_LISTED_SHARDS = 10_000;

/**
 * `model.safetensors.index.json` (and the same layout for
 * `pytorch_model.bin.index.json`): which shard holds each tensor. Lineage
 * needs the shard list to treat the shards as one checkpoint.
 */
export const shardIndexReader = defineReader({
  id: 'shard-index',
  kind: 'checkpoint',
  extensions: ['.safetensors.index.json', '.bin.index.json', '.pt.index.json', '.pth.index.json'],
  inspect: async (src, report) => {
    const index = await readJsonFile(src, MAX_INDEX_BYTES, report);
    if (index === undefined) return;
    if (!isRecord(index)) {
      report.error('shard-index-not-object', 'the index is not a JSON object');
      return;
    }
    const metadata = isRecord(index.metadata) ? index.metadata : {};
    const totalSize = metadata.total_size;
    if (typeof totalSize === 'number') report.summary.totalSize = totalSize;
    else report.warning('shard-index-no-total-size', 'metadata.total_size is missing or not a number');

    const weightMap = index.weight_map;
    if (!isRecord(weightMap)) {
      report.error('shard-index-no-weight-map', 'weight_map is missing or not an object');
      return;
    }
    const perShard = new Map<string, number>();
    let tensorCount = 0;
    for (const [tensor, shard] of Object.entries(weightMap)) {
      tensorCount++;
      if (typeof shard !== 'string') {
        report.error('shard-index-bad-shard', `tensor '${clip(tensor, 120)}' maps to a shard name that is not a string`);
        continue;
      }
      // The shard is resolved beside the index; a path out of the folder is a red flag.
      if (shard.includes('..') || shard.startsWith('/') || shard.includes('\\')) {
        report.warning('shard-index-shard-path', `shard '${clip(shard, 120)}' points outside the index's folder`);
      }
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    const shards = [...perShard.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, MAX_LISTED_SHARDS)
      .map(([file, tensors]) => ({ file, tensors }));
    Object.assign(report.summary, { tensorCount, shardCount: perShard.size, shards });
  },
});
