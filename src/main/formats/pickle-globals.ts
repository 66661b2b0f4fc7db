/**
 * What a pickle may import. 'safe' follows torch's `weights_only` allowlist
 * and picklescan's safe globals: loading them builds tensors and containers,
 * nothing else. 'dangerous' follows picklescan's unsafe list: they reach the
 * shell, the network, the file system or arbitrary code. Everything else is
 * 'unknown' (a whole-model pickle imports its nn.Module classes, which are
 * code from somewhere the file does not say).
 */
export type GlobalSafety = 'safe' | 'unknown' | 'dangerous';

/** Whole modules (and their submodules) that have no business in a checkpoint. */
const DANGEROUS_MODULES = [
  'os', 'posix', 'nt', 'subprocess', '_posixsubprocess', 'runpy', 'webbrowser', 'socket', 'shutil', 'sys', 'pty',
  'importlib', 'ctypes', 'multiprocessing', 'pickle', '_pickle', 'dill', 'marshal', 'code', 'codeop', 'commands',
  'pdb', 'bdb', 'asyncio', 'venv', 'pip', 'ensurepip', 'httplib', 'http', 'urllib', 'urllib2', 'urllib3', 'requests',
  'aiohttp', 'ssl', 'ftplib', 'smtplib', 'telnetlib', 'platform', 'signal', 'threading', '_thread',
];

const DANGEROUS_NAMES = new Set([
  ...['builtins', '__builtin__', '__builtins__'].flatMap((m) =>
    ['eval', 'exec', 'execfile', 'compile', 'getattr', 'setattr', 'delattr', '__import__', 'open', 'apply', 'breakpoint', 'input', 'globals', 'locals', 'vars'].map(
      (n) => `${m}.${n}`,
    ),
  ),
  'operator.attrgetter',
  'operator.methodcaller',
  'functools.partial',
  'functools.reduce',
  'pydoc.pipepager',
  'pydoc.locate',
  'torch.serialization.load',
  'torch.load',
  'torch._inductor.codecache.compile_file',
  'numpy.testing._private.utils.runstring',
  'numpy.load',
  'io.open',
  'io.FileIO',
  '_io.open',
  '_io.FileIO',
  'tempfile.mktemp',
]);

const TORCH_REBUILDERS = [
  '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter', '_rebuild_parameter_with_state',
  '_rebuild_sparse_tensor', '_rebuild_meta_tensor_no_storage', '_rebuild_nested_tensor', '_rebuild_qtensor',
  '_rebuild_device_tensor_from_numpy', '_rebuild_device_tensor_from_cpu_tensor', '_rebuild_wrapper_subclass',
];

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'chalf', 'complex64', 'cfloat',
  'complex128', 'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64',
  'long', 'bool', 'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn', 'float8_e5m2',
  'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2', 'bits8', 'bits16',
];
const TORCH_ENUMS = [
  'strided', 'sparse_coo', 'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn', 'contiguous_format',
  'channels_last', 'channels_last_3d', 'preserve_format', 'per_tensor_affine', 'per_channel_affine',
  'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams',
];

const SAFE_NAMES = new Set([
  ...TORCH_REBUILDERS.map((n) => `torch._utils.${n}`),
  ...TORCH_DTYPES.map((n) => `torch.${n}`),
  ...TORCH_ENUMS.map((n) => `torch.${n}`),
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.device',
  'torch.Tensor',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.serialization._get_layout',
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.Counter',
  'collections.deque',
  'numpy.core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray._reconstruct',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.dtype',
  'numpy.ndarray',
  '_codecs.encode',
  ...['set', 'frozenset', 'bytearray', 'bytes', 'slice', 'complex', 'dict', 'list', 'tuple', 'int', 'float', 'bool', 'str', 'range'].map(
    (n) => `builtins.${n}`,
  ),
]);

/** Python 3 writes Python 2 module names into protocol 0-2 pickles (fix_imports). */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', exceptions: 'builtins', copy_reg: 'copyreg' };

export function classifyGlobal(name: string): GlobalSafety {
  const dot = name.indexOf('.');
  const py3 = dot > 0 ? PY2_MODULES[name.slice(0, dot)] : undefined;
  const qualified = py3 ? `${py3}${name.slice(dot)}` : name;
  if (DANGEROUS_NAMES.has(qualified)) return 'dangerous';
  if (DANGEROUS_MODULES.some((m) => qualified === m || qualified.startsWith(`${m}.`))) return 'dangerous';
  if (SAFE_NAMES.has(qualified)) return 'safe';
  // Typed storages (torch.FloatStorage, torch.cuda.HalfStorage) and numpy's dtype classes.
  if (/^torch(\.cuda)?\.[A-Za-z0-9]+Storage$/.test(qualified)) return 'safe';
  if (/^numpy\.dtypes\.[A-Za-z0-9]+DType$/.test(qualified)) return 'safe';
  return 'unknown';
}

/** Calls that rebuild one tensor each, for counting tensors without running anything. */
export function rebuildsTensor(qualified: string): boolean {
  // A parameter wraps a tensor already rebuilt, so it is not counted twice.
  return qualified.startsWith('torch._utils._rebuild_') && !qualified.includes('parameter');
}
