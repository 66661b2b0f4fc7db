import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Severity } from '../../../../shared/domain';
import { classifyByName } from '../../../scan/classify';
import type { Digest, EdgeRelation, EdgeStrength, Evidence, LineageEdge, LineageFragment, LineageNode, NodeFile, NodeKind, ReaderContext } from '../../model';
import { parseBytes, type ParseOutcome } from './safe-yaml';
import { baseName, dirOf, joinRel } from '../../../../shared/rel-path';

/**
 * What the DVC, git, GTO, Hugging Face and plain-folder readers share: a
 * fragment builder that merges nodes met twice, bounded file reads that
 * never throw, and the `file:<path>` node every reader uses for a file.
 */

/** Nodes and edges are capped so one hostile store cannot make a fragment of millions. */
const MAX_NODES = 200_000;
const MAX_EDGES = 400_000;
const MAX_FINDINGS = 2_000;

export class FragmentBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();
  private readonly findings: LineageFragment['findings'] = [];
  private dropped = 0;

  constructor(readonly reader: string) {}

  /** Adds a node, or merges into the one with the same key: props filled in, files and evidence joined. */
  node(node: { key: string; kind: NodeKind; label: string; props?: Record<string, unknown>; files?: NodeFile[]; evidence?: Evidence[] }): LineageNode {
    const known = this.nodes.get(node.key);
    if (!known) {
      const fresh: LineageNode = { key: node.key, kind: node.kind, label: node.label, props: { ...(node.props ?? {}) }, files: [], evidence: [] };
      if (this.nodes.size >= MAX_NODES) {
        this.dropped++;
        return fresh;
      }
      this.nodes.set(node.key, fresh);
      for (const f of node.files ?? []) addFile(fresh, f);
      for (const e of node.evidence ?? []) addEvidence(fresh, e);
      return fresh;
    }
    for (const [k, v] of Object.entries(node.props ?? {})) if (v !== undefined && known.props[k] === undefined) known.props[k] = v;
    for (const f of node.files ?? []) addFile(known, f);
    for (const e of node.evidence ?? []) addEvidence(known, e);
    return known;
  }

  has(key: string): boolean {
    return this.nodes.has(key);
  }

  get(key: string): LineageNode | undefined {
    return this.nodes.get(key);
  }

  edge(from: string, to: string, relation: EdgeRelation, strength: EdgeStrength, evidence: Evidence): void {
    if (from === to) return;
    const id = `${from}\0${to}\0${relation}\0${strength}`;
    if (this.edges.has(id)) return;
    if (this.edges.size >= MAX_EDGES) {
      this.dropped++;
      return;
    }
    this.edges.set(id, { from, to, relation, strength, evidence });
  }

  finding(path: string, code: string, severity: Severity, message: string): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push({ path, code, severity, message });
  }

  build(): LineageFragment {
    const findings = [...this.findings];
    if (this.dropped > 0) findings.push({ path: '', code: `${this.reader}-fragment-capped`, severity: 'warning', message: `${this.dropped} nodes or edges past the limit were left out` });
    return { reader: this.reader, nodes: [...this.nodes.values()], edges: [...this.edges.values()], findings };
  }
}

function addFile(node: LineageNode, file: NodeFile): void {
  const same = node.files.find((f) => f.path === file.path);
  if (!same) {
    node.files.push({ ...file, digests: file.digests ? [...file.digests] : undefined });
    return;
  }
  if (same.size === undefined && file.size !== undefined) same.size = file.size;
  if (same.declaredOnly && !file.declaredOnly) delete same.declaredOnly;
  for (const d of file.digests ?? []) {
    same.digests ??= [];
    if (!same.digests.some((x) => x.algorithm === d.algorithm && x.value === d.value)) same.digests.push(d);
  }
}

function addEvidence(node: LineageNode, e: Evidence): void {
  if (!node.evidence.some((x) => x.file === e.file && x.detail === e.detail && x.line === e.line)) node.evidence.push(e);
}

// ---- Paths ----

export { baseName, dirOf, joinRel };

/**
 * A path written in a store file, resolved against a store-relative folder.
 * Null when it is a URL, absolute, or leaves the store.
 */
export function resolveInStore(baseDir: string, written: string): string | null {
  if (written === '' || written.includes('\0') || /^[a-z][a-z0-9+.-]*:\/\//i.test(written)) return null;
  const p = written.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-z]:\//i.test(p)) return null;
  const rel = posix.normalize(posix.join(baseDir || '.', p)).replace(/\/+$/, '');
  if (rel === '..' || rel.startsWith('../')) return null;
  return rel === '.' ? '' : rel;
}

// ---- Files ----

export type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; missing: boolean; message: string };

/** Reads a whole file of at most `cap` bytes. FIFOs and devices are refused, not opened for reading. */
export async function readBounded(abs: string, cap: number): Promise<ReadOutcome> {
  let fh;
  try {
    fh = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'ENOENT' || err.code === 'ENOTDIR';
    return { ok: false, missing, message: missing ? 'no such file' : err.code === 'ELOOP' ? 'a symbolic link loop' : `cannot be read: ${err.message}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, missing: false, message: 'not a regular file' };
    if (st.size > cap) return { ok: false, missing: false, message: `${st.size} bytes, over the ${cap}-byte limit` };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const { bytesRead } = await fh.read(buf, n, st.size - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return { ok: true, bytes: buf.subarray(0, n) };
  } catch (e) {
    return { ok: false, missing: false, message: `cannot be read: ${(e as Error).message}` };
  } finally {
    await fh.close();
  }
}

/**
 * Reads and parses a store file as YAML (or JSON), recording any problem as a
 * finding `<prefix>-<problem>` on the file. Undefined when it cannot be used.
 */
export async function readDocument(ctx: ReaderContext, b: FragmentBuilder, rel: string, prefix: string, opts: { json?: boolean; missingOk?: boolean; pyFloats?: boolean } = {}): Promise<Extract<ParseOutcome, { ok: true }> | undefined> {
  const read = await readBounded(posix.join(ctx.root, rel), 10 * 1024 * 1024);
  if (!read.ok) {
    if (!(read.missing && opts.missingOk)) b.finding(rel, `${prefix}-unreadable`, 'warning', `${rel}: ${read.message}`);
    return undefined;
  }
  const parsed = parseBytes(read.bytes, opts.json ?? false, { pyFloats: opts.pyFloats });
  if (!parsed.ok) {
    b.finding(rel, `${prefix}-${parsed.code}`, 'error', `${rel}: ${parsed.message}`);
    return undefined;
  }
  if (parsed.invalidUtf8) b.finding(rel, `${prefix}-invalid-utf8`, 'warning', `${rel} is not valid UTF-8; undecodable bytes were replaced`);
  return parsed;
}

// ---- File nodes ----

export function fileKey(rel: string): string {
  return `file:${rel}`;
}

/** The node kind a file's name suggests; data of unknown kind counts as a dataset. */
export function kindOfPath(rel: string, isDir = false): NodeKind {
  if (isDir) return 'dataset';
  const { kind } = classifyByName(baseName(rel));
  return kind === 'other' ? 'dataset' : kind;
}

/**
 * The `file:<path>` node. Digests are the ones given (declared by a store
 * file, or from the index); a path the index does not hold is `declaredOnly`.
 */
export function fileNode(ctx: ReaderContext, rel: string, opts: { kind?: NodeKind; digests?: Digest[]; size?: number; props?: Record<string, unknown>; evidence?: Evidence[]; indexDigests?: boolean } = {}): Parameters<FragmentBuilder['node']>[0] {
  const indexed = ctx.files.get(rel);
  const digests = [...(opts.digests ?? [])];
  if (indexed && opts.indexDigests) {
    if (indexed.sha256) digests.push({ algorithm: 'sha256', value: indexed.sha256 });
    if (indexed.md5) digests.push({ algorithm: 'md5', value: indexed.md5 });
  }
  const file: NodeFile = { path: rel, size: opts.size ?? indexed?.size };
  if (digests.length > 0) file.digests = digests;
  if (!indexed) file.declaredOnly = true;
  return { key: fileKey(rel), kind: opts.kind ?? kindOfPath(rel), label: baseName(rel) || '.', props: opts.props ?? {}, files: [file], evidence: opts.evidence ?? [] };
}

/** Folders that hold at least one indexed file, for "is this a directory in the store". */
export function indexedFolders(ctx: ReaderContext): Set<string> {
  const dirs = new Set<string>();
  for (const rel of ctx.files.keys()) {
    for (let d = dirOf(rel); !dirs.has(d); d = dirOf(d)) {
      dirs.add(d);
      if (d === '') break;
    }
  }
  return dirs;
}

/** Short strings for props: long values from files are cut. */
export function clip(s: string, max = 256): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
