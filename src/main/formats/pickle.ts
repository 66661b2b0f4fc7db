import { classifyGlobal, rebuildsTensor } from './pickle-globals';
import type { GlobalSafety } from './pickle-globals';
import { decodeUtf8 } from './text';
import type { FormatFinding } from './types';

/**
 * Walks pickle opcodes (protocols 0-5) and never executes one. A small
 * symbolic stack follows strings, ints, tuples and globals far enough to
 * resolve STACK_GLOBAL (whose operands may come from the memo) and to read
 * torch's persistent ids; everything else is an opaque value.
 */

/** Scanning stops here; a real data.pkl is a few MB even for large models. */
export const MAX_PICKLE_BYTES = 64 * 1024 * 1024;
const MAX_LINE = 64 * 1024;
const MAX_MEMO = 2_000_000;
const MAX_STACK = 10_000_000;
/** Tuples longer than this are opaque: persistent ids and globals need fewer. */
const MAX_TUPLE = 8;

export interface PickleGlobal {
  name: string;
  safety: GlobalSafety;
  /** GLOBAL / STACK_GLOBAL / INST opcodes naming it. */
  imports: number;
  /** REDUCE / NEWOBJ / OBJ / INST applying it. */
  calls: number;
}

export interface PickleScan {
  protocol: number | null;
  pickles: number;
  opcodes: number;
  bytesScanned: number;
  /** Every pickle scanned ended with STOP. */
  complete: boolean;
  globals: PickleGlobal[];
  persistentIds: number;
  /** Distinct storage keys among ('storage', type, key, ...) persistent ids. */
  storages: number;
  /** Calls to torch._utils._rebuild_tensor*. */
  tensors: number;
  problems: FormatFinding[];
}

type Value =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'global'; name: string }
  | { t: 'tuple'; items: Value[] }
  | { t: 'mark' }
  | { t: 'other' };

const OTHER: Value = { t: 'other' };
const MARK: Value = { t: 'mark' };

class EndOfData extends Error {}

/**
 * Scans `data` (at most MAX_PICKLE_BYTES of it). `maxPickles` > 1 follows
 * pickles written back to back, as torch's legacy format does.
 */
export function scanPickle(data: Buffer, maxPickles = 1): PickleScan {
  const s = new Scanner(data.subarray(0, MAX_PICKLE_BYTES));
  s.run(maxPickles);
  return s.result();
}

class Scanner {
  private pos = 0;
  private stack: Value[] = [];
  private memo = new Map<number, Value>();
  private readonly globals = new Map<string, PickleGlobal>();
  private readonly storageKeys = new Set<string>();
  private readonly problems: FormatFinding[] = [];
  private protocol: number | null = null;
  private pickles = 0;
  private opcodes = 0;
  private persistentIds = 0;
  private tensors = 0;
  private complete = false;
  private underflow = false;
  private badText = false;

  constructor(private readonly data: Buffer) {}

  run(maxPickles: number): void {
    try {
      while (this.pickles < maxPickles && this.pos < this.data.length) {
        if (this.pickles > 0 && this.data[this.pos] !== 0x80) break; // raw tensor bytes follow in legacy files
        this.complete = false;
        this.stack = [];
        this.memo = new Map();
        this.pickles++;
        this.scanOne();
        this.complete = true;
      }
    } catch (e) {
      if (e instanceof EndOfData) this.problem('error', 'pickle-truncated', `the pickle ends at byte ${this.data.length} before its STOP opcode`);
      else this.problem('error', 'pickle-malformed', e instanceof Error ? e.message : String(e));
    }
    if (this.underflow) this.problem('warning', 'pickle-stack-underflow', 'an opcode popped more values than the pickle had pushed');
    if (this.badText) this.problem('warning', 'pickle-invalid-utf8', 'some pickle strings are not valid UTF-8');
  }

  result(): PickleScan {
    return {
      protocol: this.protocol,
      pickles: this.pickles,
      opcodes: this.opcodes,
      bytesScanned: this.pos,
      complete: this.complete,
      globals: [...this.globals.values()],
      persistentIds: this.persistentIds,
      storages: this.storageKeys.size,
      tensors: this.tensors,
      problems: this.problems,
    };
  }

  private problem(severity: FormatFinding['severity'], code: string, message: string): void {
    if (this.problems.length < 50) this.problems.push({ severity, code, message });
  }

  // --- reading the opcode stream -------------------------------------------------
  private take(n: number): Buffer {
    if (n < 0 || this.pos + n > this.data.length) throw new EndOfData();
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private u8 = () => this.take(1).readUInt8(0);
  private u16 = () => this.take(2).readUInt16LE(0);
  private u32 = () => this.take(4).readUInt32LE(0);
  private i32 = () => this.take(4).readInt32LE(0);
  private u64(): number {
    const v = this.take(8).readBigUInt64LE(0);
    if (v > BigInt(this.data.length)) throw new EndOfData(); // longer than all the data we hold
    return Number(v);
  }
  /** A newline-terminated argument (protocol 0), as raw bytes. */
  private rawLine(): Buffer {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw new EndOfData();
    const b = this.data.subarray(this.pos, end);
    this.pos = end + 1;
    return b.at(-1) === 0x0d ? b.subarray(0, -1) : b;
  }
  /** Module and class names, memo indices: short, and UTF-8 as Python reads them. */
  private line(): string {
    const at = this.pos;
    const b = this.rawLine();
    if (b.length > MAX_LINE) throw new Error(`a name at byte ${at} is longer than ${MAX_LINE} bytes`);
    return this.text(b);
  }
  /** STRING and UNICODE values: escaped Latin-1, kept only when short enough to be a name. */
  private quotedLine(): Value {
    const b = this.rawLine();
    if (b.length > MAX_LINE) return OTHER;
    return { t: 'str', v: b.toString('latin1').replace(/^(['"])(.*)\1$/s, '$2') };
  }
  private text(b: Buffer): string {
    const s = decodeUtf8(b);
    if (s !== undefined) return s;
    this.badText = true;
    return b.toString('latin1');
  }

  // --- the symbolic stack -----------------------------------------------------------
  private push(v: Value): void {
    if (this.stack.length >= MAX_STACK) throw new Error(`the pickle stack grows past ${MAX_STACK} values`);
    this.stack.push(v);
  }
  private pop(): Value {
    const v = this.stack.pop();
    if (v === undefined || v.t === 'mark') {
      this.underflow = true;
      if (v) this.stack.push(v);
      return OTHER;
    }
    return v;
  }
  private popMark(): Value[] {
    const i = this.stack.lastIndexOf(MARK);
    if (i < 0) {
      this.underflow = true;
      return this.stack.splice(0);
    }
    return this.stack.splice(i).slice(1);
  }
  private top(): Value {
    return this.stack[this.stack.length - 1] ?? OTHER;
  }
  private tuple(items: Value[]): Value {
    return items.length <= MAX_TUPLE ? { t: 'tuple', items } : OTHER;
  }
  private remember(index: number): void {
    if (this.memo.size < MAX_MEMO || this.memo.has(index)) this.memo.set(index, this.top());
  }

  // --- what we look for -------------------------------------------------------------
  private importGlobal(module: string, name: string): Value {
    const qualified = `${module}.${name}`;
    const g = this.globals.get(qualified) ?? { name: qualified, safety: classifyGlobal(qualified), imports: 0, calls: 0 };
    g.imports++;
    this.globals.set(qualified, g);
    return { t: 'global', name: qualified };
  }
  private call(callable: Value): void {
    if (callable.t !== 'global') return;
    const g = this.globals.get(callable.name);
    if (g) g.calls++;
    if (rebuildsTensor(callable.name)) this.tensors++;
  }
  private persistentId(pid: Value): void {
    this.persistentIds++;
    if (pid.t !== 'tuple') return;
    const [kind, , key] = pid.items;
    if (kind?.t === 'str' && kind.v === 'storage' && key?.t === 'str') this.storageKeys.add(key.v);
  }

  private scanOne(): void {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      this.opcodes++;
      switch (op) {
        case 0x80: { // PROTO
          const v = this.u8();
          if (v > 5) this.problem('warning', 'pickle-unknown-protocol', `pickle protocol ${v} is newer than 5`);
          this.protocol ??= v;
          break;
        }
        case 0x2e: return; // STOP
        case 0x95: this.take(8); break; // FRAME: its opcodes follow inline
        case 0x28: this.push(MARK); break;
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP
        case 0x46: this.rawLine(); this.push(OTHER); break; // FLOAT
        case 0x49: case 0x4c: { // INT, LONG
          const n = Number.parseInt(this.rawLine().toString('latin1'), 10);
          this.push(Number.isSafeInteger(n) ? { t: 'int', v: n } : OTHER);
          break;
        }
        case 0x4a: this.push({ t: 'int', v: this.i32() }); break; // BININT
        case 0x4b: this.push({ t: 'int', v: this.u8() }); break; // BININT1
        case 0x4d: this.push({ t: 'int', v: this.u16() }); break; // BININT2
        case 0x8a: this.take(this.u8()); this.push(OTHER); break; // LONG1
        case 0x8b: this.take(this.u32()); this.push(OTHER); break; // LONG4
        case 0x47: this.take(8); this.push(OTHER); break; // BINFLOAT
        case 0x4e: case 0x88: case 0x89: this.push(OTHER); break; // NONE, NEWTRUE, NEWFALSE
        case 0x50: this.rawLine(); this.persistentId(OTHER); this.push(OTHER); break; // PERSID
        case 0x51: this.persistentId(this.pop()); this.push(OTHER); break; // BINPERSID
        case 0x53: this.push(this.quotedLine()); break; // STRING
        case 0x54: this.push({ t: 'str', v: this.take(this.u32()).toString('latin1') }); break; // BINSTRING
        case 0x55: this.push({ t: 'str', v: this.take(this.u8()).toString('latin1') }); break; // SHORT_BINSTRING
        case 0x56: this.push(this.quotedLine()); break; // UNICODE
        case 0x58: this.push({ t: 'str', v: this.text(this.take(this.u32())) }); break; // BINUNICODE
        case 0x8c: this.push({ t: 'str', v: this.text(this.take(this.u8())) }); break; // SHORT_BINUNICODE
        case 0x8d: this.push({ t: 'str', v: this.text(this.take(this.u64())) }); break; // BINUNICODE8
        case 0x42: this.take(this.u32()); this.push(OTHER); break; // BINBYTES
        case 0x43: this.take(this.u8()); this.push(OTHER); break; // SHORT_BINBYTES
        case 0x8e: case 0x96: this.take(this.u64()); this.push(OTHER); break; // BINBYTES8, BYTEARRAY8
        case 0x97: this.push(OTHER); break; // NEXT_BUFFER
        case 0x98: break; // READONLY_BUFFER
        case 0x5d: case 0x7d: case 0x8f: this.push(OTHER); break; // EMPTY_LIST, EMPTY_DICT, EMPTY_SET
        case 0x29: this.push({ t: 'tuple', items: [] }); break; // EMPTY_TUPLE
        case 0x61: this.pop(); break; // APPEND
        case 0x65: case 0x75: case 0x90: this.popMark(); break; // APPENDS, SETITEMS, ADDITEMS
        case 0x73: this.pop(); this.pop(); break; // SETITEM
        case 0x6c: case 0x64: case 0x91: this.popMark(); this.push(OTHER); break; // LIST, DICT, FROZENSET
        case 0x74: this.push(this.tuple(this.popMark())); break; // TUPLE
        case 0x85: this.push(this.tuple([this.pop()])); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push(this.tuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push(this.tuple([a, b, c])); break; } // TUPLE3
        case 0x62: this.pop(); break; // BUILD: the state is applied to the object below it
        case 0x52: this.pop(); this.call(this.pop()); this.push(OTHER); break; // REDUCE
        case 0x81: this.pop(); this.call(this.pop()); this.push(OTHER); break; // NEWOBJ
        case 0x92: this.pop(); this.pop(); this.call(this.pop()); this.push(OTHER); break; // NEWOBJ_EX
        case 0x63: { // GLOBAL
          const module = this.line();
          this.push(this.importGlobal(module, this.line()));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (module.t === 'str' && name.t === 'str') this.push(this.importGlobal(module.v, name.v));
          else {
            this.problem('warning', 'pickle-unresolved-global', `STACK_GLOBAL at byte ${at} takes a module or name that is not a plain string`);
            this.push(this.importGlobal('<unresolved>', '<unresolved>'));
          }
          break;
        }
        case 0x69: { // INST
          const module = this.line();
          const g = this.importGlobal(module, this.line());
          this.popMark();
          this.call(g);
          this.push(OTHER);
          break;
        }
        case 0x6f: this.call(this.popMark()[0] ?? OTHER); this.push(OTHER); break; // OBJ
        case 0x82: case 0x83: case 0x84: { // EXT1, EXT2, EXT4: a global from copyreg's registry
          const code = op === 0x82 ? this.u8() : op === 0x83 ? this.u16() : this.u32();
          this.push(this.importGlobal('<extension>', String(code)));
          break;
        }
        case 0x67: this.push(this.memo.get(Number.parseInt(this.line(), 10)) ?? OTHER); break; // GET
        case 0x68: this.push(this.memo.get(this.u8()) ?? OTHER); break; // BINGET
        case 0x6a: this.push(this.memo.get(this.u32()) ?? OTHER); break; // LONG_BINGET
        case 0x70: this.remember(Number.parseInt(this.line(), 10)); break; // PUT
        case 0x71: this.remember(this.u8()); break; // BINPUT
        case 0x72: this.remember(this.u32()); break; // LONG_BINPUT
        case 0x94: this.remember(this.memo.size); break; // MEMOIZE
        default:
          throw new Error(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }
}
