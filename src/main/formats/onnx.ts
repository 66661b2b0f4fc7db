import { ByteCursor } from './cursor';
import { asNumber, cursorVarint, decodeMessage, splitTag, Wire } from './protobuf';
import { defineReader, plural, Truncated } from './report';
import type { ReportBuilder } from './report';
import { clip, LenientText } from './text';
import type { ByteSource } from './types';

/** ModelProto field numbers (onnx.proto). */
const F = {
  IR_VERSION: 1, PRODUCER_NAME: 2, PRODUCER_VERSION: 3, DOMAIN: 4, MODEL_VERSION: 5,
  DOC_STRING: 6, GRAPH: 7, OPSET_IMPORT: 8, METADATA_PROPS: 14,
} as const;
const STRING_FIELDS: Record<number, string> = { 2: 'producerName', 3: 'producerVersion', 4: 'domain', 6: 'docString' };
/** Top-level fields walked; a real model has a dozen or so. */
const MAX_TOP_LEVEL_FIELDS = 100_000;
const MAX_STRING = 64 * 1024;
const MAX_SUBMESSAGE = 1024 * 1024;
const MAX_OPSETS = 1000;
const MAX_METADATA = 1000;

/**
 * ONNX has no magic, so it is matched by name. The graph (field 7) holds the
 * weights and can be gigabytes: it is skipped by its length, never decoded.
 */
export const onnxReader = defineReader({
  id: 'onnx',
  kind: 'checkpoint',
  extensions: ['.onnx'],
  inspect: inspectOnnx,
});

async function inspectOnnx(src: ByteSource, report: ReportBuilder): Promise<void> {
  if (src.size === 0) {
    report.error('onnx-empty', 'the file is empty');
    return;
  }
  const c = new ByteCursor(src, 0, src.size, 4096);
  const text = new LenientText();
  const opsets: { domain: string; version: number | null }[] = [];
  const metadata = new Map<string, string>();
  const s = report.summary;
  let fields = 0;
  try {
    while (c.remaining > 0) {
      if (++fields > MAX_TOP_LEVEL_FIELDS) {
        report.error('onnx-too-many-fields', `the model has more than ${MAX_TOP_LEVEL_FIELDS} top-level fields; reading stopped`);
        break;
      }
      const { field, wire } = splitTag(await cursorVarint(c));
      if (wire === Wire.VARINT) {
        const v = await cursorVarint(c);
        if (field === F.IR_VERSION) s.irVersion = asNumber(v);
        else if (field === F.MODEL_VERSION) s.modelVersion = asNumber(v);
        continue;
      }
      if (wire !== Wire.LEN) {
        c.skip(wire === Wire.I64 ? 8 : 4, `field ${field}`);
        continue;
      }
      const lengthValue = await cursorVarint(c);
      if (lengthValue > BigInt(c.remaining)) throw new Truncated(`field ${field} claims ${lengthValue} bytes, past the end of the file`);
      const length = Number(lengthValue);
      const name = STRING_FIELDS[field];
      if (field === F.GRAPH) {
        s.graphBytes = ((s.graphBytes as number | undefined) ?? 0) + length;
        c.skip(length, 'the graph');
      } else if (name !== undefined) {
        if (length > MAX_STRING) {
          // Cut mid-character on purpose, so not counted as bad UTF-8.
          s[name] = `${(await c.bytes(MAX_STRING, name)).toString('utf8')}…`;
          c.skip(length - MAX_STRING, name);
        } else s[name] = text.decode(await c.bytes(length, name));
      } else if (field === F.OPSET_IMPORT && length <= MAX_SUBMESSAGE && opsets.length < MAX_OPSETS) {
        const m = decodeMessage(await c.bytes(length, 'an opset import'));
        opsets.push({ domain: stringField(m, 1, text) ?? '', version: asNumber(m.find((f) => f.field === 2)?.value) ?? null });
      } else if (field === F.METADATA_PROPS && length <= MAX_SUBMESSAGE && metadata.size < MAX_METADATA) {
        const m = decodeMessage(await c.bytes(length, 'a metadata property'));
        metadata.set(stringField(m, 1, text) ?? '', clip(stringField(m, 2, text) ?? '', 4096));
      } else {
        c.skip(length, `field ${field}`);
      }
    }
  } finally {
    s.opsetImport = opsets;
    s.metadata = Object.fromEntries(metadata);
    if (text.invalid > 0) report.warning('onnx-invalid-utf8', `${plural(text.invalid, 'string')} in the model are not valid UTF-8`);
  }
  if (s.irVersion === undefined) report.warning('onnx-no-ir-version', 'the model has no ir_version, so it may not be ONNX');
  if (s.graphBytes === undefined) report.warning('onnx-no-graph', 'the model has no graph');
}

function stringField(fields: ReturnType<typeof decodeMessage>, number: number, text: LenientText): string | undefined {
  const v = fields.find((f) => f.field === number && f.wire === Wire.LEN)?.value;
  return Buffer.isBuffer(v) ? text.decode(v.subarray(0, MAX_STRING)) : undefined;
}
