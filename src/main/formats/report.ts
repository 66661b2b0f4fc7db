import type { ByteSource, FileKind, FormatFinding, FormatReader, FormatReport, Severity } from './types';

/** The file ends before a structure it promised. Becomes '<format>-truncated'. */
export class Truncated extends Error {}

/** The bytes contradict the format. Becomes '<format>-<code>' (default 'malformed'). */
export class Malformed extends Error {
  constructor(
    message: string,
    readonly code = 'malformed',
  ) {
    super(message);
  }
}

/** A hostile file can produce a finding per tensor; past this they are only counted. */
const MAX_FINDINGS = 200;

/** Collects one file's findings and summary; turns escaped errors into findings. */
export class ReportBuilder {
  readonly findings: FormatFinding[] = [];
  readonly summary: Record<string, unknown> = {};
  private dropped = 0;

  constructor(
    readonly format: string,
    public kind: FileKind,
  ) {}

  add(severity: Severity, code: string, message: string): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push({ severity, code, message });
    else this.dropped++;
  }
  error(code: string, message: string): void {
    this.add('error', code, message);
  }
  warning(code: string, message: string): void {
    this.add('warning', code, message);
  }
  info(code: string, message: string): void {
    this.add('info', code, message);
  }
  has(code: string): boolean {
    return this.findings.some((f) => f.code === code);
  }

  /** Records an error that escaped a reader, so the partial summary still counts. */
  fail(e: unknown): void {
    if (e instanceof Truncated) this.error(`${this.format}-truncated`, e.message);
    else if (e instanceof Malformed) this.error(`${this.format}-${e.code}`, e.message);
    else this.error(`${this.format}-read-failed`, `reading the file failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  build(): FormatReport {
    const findings = [...this.findings];
    if (this.dropped > 0) {
      findings.push({ severity: 'warning', code: 'too-many-findings', message: `${this.dropped} more findings were not recorded` });
    }
    return { format: this.format, kind: this.kind, summary: this.summary, findings };
  }
}

export function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return (i >= 0 ? name.slice(i + 1) : name).toLowerCase();
}

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  const base = baseName(name);
  return extensions.some((ext) => base.endsWith(ext));
}

export interface ReaderSpec {
  id: string;
  kind: FileKind;
  /** Lower-case, with the dot: '.safetensors', '.safetensors.index.json'. */
  extensions: string[];
  sniff?(head: Buffer, name: string): boolean;
  /** Extra name rule beyond extensions, e.g. 'requirements-dev.txt'. */
  matchName?(base: string): boolean;
  inspect(src: ByteSource, report: ReportBuilder): Promise<void>;
}

/** Builds a FormatReader whose `read` never throws. */
export function defineReader(spec: ReaderSpec): FormatReader {
  const reader: FormatReader = {
    id: spec.id,
    kind: spec.kind,
    extensions: spec.extensions,
    match: (name, head) =>
      (spec.sniff?.(head, name) ?? false) || hasExtension(name, spec.extensions) || (spec.matchName?.(baseName(name)) ?? false),
    read: async (src) => {
      const report = new ReportBuilder(spec.id, spec.kind);
      report.summary.size = src.size;
      try {
        await spec.inspect(src, report);
      } catch (e) {
        report.fail(e);
      }
      return report.build();
    },
  };
  if (spec.sniff) reader.sniff = spec.sniff;
  return reader;
}

/** Reads exactly `length` bytes or reports where the file ended. */
export async function readExact(src: ByteSource, offset: number, length: number, what: string): Promise<Buffer> {
  if (offset + length > src.size) {
    throw new Truncated(`the file ends before ${what} (needs ${length} bytes at offset ${offset}, file is ${src.size} bytes)`);
  }
  const buf = await src.read(offset, length);
  if (buf.length < length) throw new Truncated(`the file ends before ${what} (got ${buf.length} of ${length} bytes)`);
  return buf;
}

/** u64 from a file as a number, or a Malformed error when it cannot be a size or offset. */
export function toSafeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n) throw new Malformed(`${what} is ${v}, which no real file can have`, 'absurd-value');
  return Number(v);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
