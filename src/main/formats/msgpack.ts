import { defineReader } from './report';

/**
 * Flax checkpoints (`flax_model.msgpack`): a msgpack map of parameters. Only
 * the top-level type and entry count are read; walking the tree would mean
 * touching every tensor.
 */
export const msgpackReader = defineReader({
  id: 'msgpack',
  kind: 'checkpoint',
  extensions: ['.msgpack'],
  inspect: async (src, report) => {
    const head = await src.read(0, 5);
    const b = head[0];
    if (b === undefined) {
      report.error('msgpack-empty', 'the file is empty');
      return;
    }
    if (b >= 0x80 && b <= 0x8f) Object.assign(report.summary, { topLevel: 'map', entries: b & 0x0f });
    else if (b === 0xde && head.length >= 3) Object.assign(report.summary, { topLevel: 'map', entries: head.readUInt16BE(1) });
    else if (b === 0xdf && head.length >= 5) Object.assign(report.summary, { topLevel: 'map', entries: head.readUInt32BE(1) });
    else {
      report.summary.topLevel = b >= 0x90 && b <= 0x9f ? 'array' : 'other';
      report.warning('msgpack-not-map', 'the file does not start with a msgpack map, so it is not a Flax checkpoint');
    }
  },
});
