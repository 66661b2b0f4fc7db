import { describe, expect, it } from 'vitest';
import {
  binGet, binInt1, binPut, binUnicode, frame, global, inst, OP, osSystemPickle, pickle, proto, shortBinUnicode, torchStateDictPickle,
} from '../../../test/fixtures/formats/pickle';
import { classifyGlobal } from './pickle-globals';
import { scanPickle } from './pickle';
import { pickleFindings } from './pickle-report';

const names = (data: Buffer) => scanPickle(data).globals.map((g) => `${g.name}:${g.safety}`);
const codes = (data: Buffer) => pickleFindings(scanPickle(data)).map((f) => f.code);

describe('pickle scanner', () => {
  it('reports GLOBAL os.system + REDUCE as dangerous (and never runs it)', () => {
    const scan = scanPickle(osSystemPickle());
    expect(scan.globals).toEqual([{ name: 'os.system', safety: 'dangerous', imports: 1, calls: 1 }]);
    expect(scan.complete).toBe(true);
    const findings = pickleFindings(scan);
    expect(findings).toEqual([expect.objectContaining({ severity: 'error', code: 'pickle-dangerous-import' })]);
    expect(findings[0]!.message).toContain('os.system');
  });

  it('resolves STACK_GLOBAL operands, including through the memo', () => {
    const direct = pickle(proto(4), frame(40), shortBinUnicode('builtins'), OP.MEMOIZE, shortBinUnicode('eval'), OP.MEMOIZE, OP.STACK_GLOBAL, OP.STOP);
    expect(names(direct)).toEqual(['builtins.eval:dangerous']);
    const viaMemo = pickle(
      proto(4),
      shortBinUnicode('subprocess'), binPut(0), OP.POP,
      shortBinUnicode('Popen'), binPut(1), OP.POP,
      binGet(0), binGet(1), OP.STACK_GLOBAL,
      OP.STOP,
    );
    expect(names(viaMemo)).toEqual(['subprocess.Popen:dangerous']);
  });

  it('sees INST and OBJ, the protocol 0/1 ways to call', () => {
    expect(names(pickle(OP.MARK, shortBinUnicode('ls'), inst('posix', 'system'), OP.STOP))).toEqual(['posix.system:dangerous']);
    const obj = pickle(OP.MARK, global('nt', 'system'), binUnicode('dir'), OP.OBJ, OP.STOP);
    expect(scanPickle(obj).globals[0]).toMatchObject({ name: 'nt.system', calls: 1 });
  });

  it('counts storages and tensors in a torch state dict, all globals safe', () => {
    const scan = scanPickle(
      torchStateDictPickle([
        { name: 'a.weight', storageKey: '0', numel: 6 },
        { name: 'a.bias', storageKey: '1', numel: 2 },
        { name: 'tied.weight', storageKey: '0', numel: 6 },
      ]),
    );
    expect(scan.complete).toBe(true);
    expect(scan.protocol).toBe(2);
    expect(scan.persistentIds).toBe(3);
    expect(scan.storages).toBe(2);
    expect(scan.tensors).toBe(3);
    expect(scan.globals.every((g) => g.safety === 'safe')).toBe(true);
    expect(pickleFindings(scan)).toEqual([]);
  });

  it('warns about unknown globals and unresolvable STACK_GLOBAL', () => {
    expect(codes(pickle(proto(2), global('my_project.models', 'Net'), OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP))).toEqual(['pickle-unknown-import']);
    const dynamic = pickle(proto(4), binInt1(1), binInt1(2), OP.STACK_GLOBAL, OP.STOP);
    expect(codes(dynamic)).toEqual(['pickle-unresolved-global', 'pickle-unknown-import']);
  });

  it('reports truncated, malformed and empty pickles without throwing', () => {
    expect(codes(osSystemPickle().subarray(0, 14))).toEqual(['pickle-truncated', 'pickle-dangerous-import']);
    expect(codes(Buffer.from([0x80, 0x02, 0xff]))).toEqual(['pickle-malformed']);
    expect(scanPickle(Buffer.alloc(0))).toMatchObject({ pickles: 0, complete: false, globals: [] });
    expect(codes(pickle(OP.REDUCE, OP.STOP))).toEqual(['pickle-stack-underflow']);
    const huge = Buffer.concat([Buffer.from([0x80, 0x04, 0x8d]), Buffer.from('ffffffffffffff7f', 'hex')]);
    expect(codes(huge)).toEqual(['pickle-truncated']);
  });

  it('flags invalid UTF-8 in strings', () => {
    expect(codes(pickle(binUnicode(Buffer.from([0xff, 0xfe])), OP.STOP))).toEqual(['pickle-invalid-utf8']);
  });

  it('follows back-to-back pickles only when asked', () => {
    const two = Buffer.concat([pickle(proto(2), binInt1(1), OP.STOP), osSystemPickle()]);
    expect(scanPickle(two).globals).toEqual([]);
    expect(scanPickle(two, 5).globals.map((g) => g.name)).toEqual(['os.system']);
  });
});

describe('global classification', () => {
  it.each([
    ['collections.OrderedDict', 'safe'],
    ['torch._utils._rebuild_tensor_v2', 'safe'],
    ['torch._utils._rebuild_parameter', 'safe'],
    ['torch.FloatStorage', 'safe'],
    ['torch.cuda.HalfStorage', 'safe'],
    ['torch.bfloat16', 'safe'],
    ['torch.Size', 'safe'],
    ['numpy.core.multiarray._reconstruct', 'safe'],
    ['numpy.dtype', 'safe'],
    ['_codecs.encode', 'safe'],
    ['builtins.set', 'safe'],
    ['os.system', 'dangerous'],
    ['posix.system', 'dangerous'],
    ['subprocess.check_output', 'dangerous'],
    ['builtins.getattr', 'dangerous'],
    ['__builtin__.eval', 'dangerous'],
    ['runpy._run_code', 'dangerous'],
    ['webbrowser.open', 'dangerous'],
    ['socket.create_connection', 'dangerous'],
    ['shutil.rmtree', 'dangerous'],
    ['sys.modules', 'dangerous'],
    ['pty.spawn', 'dangerous'],
    ['importlib.import_module', 'dangerous'],
    ['torch.nn.modules.linear.Linear', 'unknown'],
    ['ossify.thing', 'unknown'],
  ])('%s is %s', (name, safety) => {
    expect(classifyGlobal(name)).toBe(safety);
  });
});
