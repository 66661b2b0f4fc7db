import { isRecord, parseJsonBytes } from './json-file';
import { outlineSections } from './config';
import { defineReader } from './report';
import type { ReportBuilder } from './report';
import { clip, readTextPrefix } from './text';
import type { ByteSource } from './types';
import { parseYaml } from './yaml-text';

/** Lockfiles of big projects reach a few MB; past this only the prefix is read. */
const MAX_ENV_BYTES = 10 * 1024 * 1024;
const MAX_PACKAGES = 1000;
const LOCKFILES = ['poetry.lock', 'pipfile.lock', 'uv.lock', 'pdm.lock', 'conda-lock.yml', 'conda-lock.yaml', 'pixi.lock'];
/** Conda environments, and MLflow's python_env.yaml which shares the dependencies list. */
const CONDA_ENVS = ['environment.yml', 'environment.yaml', 'conda.yml', 'conda.yaml', 'python_env.yaml'];
const MANIFESTS = ['pyproject.toml', 'pipfile', 'setup.cfg'];

async function text(src: ByteSource, report: ReportBuilder): Promise<string> {
  const prefix = await readTextPrefix(src, MAX_ENV_BYTES);
  if (prefix.truncated) report.info(`${report.format}-truncated-read`, `only the first ${MAX_ENV_BYTES} bytes were read`);
  if (!prefix.validUtf8) report.warning(`${report.format}-invalid-utf8`, 'the file is not valid UTF-8');
  return prefix.text;
}

/** pip requirements files: which packages, and how many are pinned to one version. */
export const requirementsReader = defineReader({
  id: 'requirements',
  kind: 'environment',
  extensions: [],
  matchName: (base) => ((base.startsWith('requirements') || base.startsWith('constraints')) && base.endsWith('.txt')) || base === 'pip-freeze.txt',
  inspect: async (src, report) => {
    const packages: { name: string; spec: string }[] = [];
    const includes: string[] = [];
    let count = 0;
    let pinned = 0;
    for (const raw of (await text(src, report)).split('\n')) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '') continue;
      const include = /^(?:-r|--requirement|-c|--constraint)\s*(\S+)/.exec(line)?.[1];
      if (include !== undefined) {
        if (includes.length < MAX_PACKAGES) includes.push(clip(include, 256));
        continue;
      }
      if (line.startsWith('-')) continue; // --index-url and other options
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$/.exec(line);
      if (!m) continue;
      count++;
      const spec = m[3] ?? '';
      if (/^===?\s*[^,;*]+$/.test(spec.split(';')[0]!.trim())) pinned++;
      if (packages.length < MAX_PACKAGES) packages.push({ name: m[1]!.toLowerCase(), spec: clip(spec, 256) });
    }
    Object.assign(report.summary, { packageCount: count, pinned, packages, includes });
  },
});

/** Lockfiles, conda environments and project manifests: classified, with a light outline. */
export const environmentReader = defineReader({
  id: 'environment',
  kind: 'environment',
  extensions: [],
  matchName: (base) => LOCKFILES.includes(base) || CONDA_ENVS.includes(base) || MANIFESTS.includes(base),
  inspect: async (src, report) => {
    const base = src.path.split(/[\\/]/).pop()?.toLowerCase() ?? '';
    const body = await text(src, report);
    if (base === 'pipfile.lock') {
      const lock = parseJsonBytes(Buffer.from(body), report, 'the lockfile');
      if (isRecord(lock)) {
        const count = (section: unknown) => (isRecord(section) ? Object.keys(section).length : 0);
        Object.assign(report.summary, { role: 'lockfile', packageCount: count(lock.default) + count(lock.develop) });
      }
    } else if (CONDA_ENVS.includes(base)) {
      const env = parseYaml(body, report, 'the environment');
      const deps = isRecord(env) && Array.isArray(env.dependencies) ? env.dependencies : [];
      Object.assign(report.summary, {
        role: 'conda-environment',
        name: isRecord(env) && typeof env.name === 'string' ? clip(env.name, 256) : undefined,
        packages: deps.filter((d): d is string => typeof d === 'string').slice(0, MAX_PACKAGES).map((d) => clip(d, 256)),
      });
    } else if (LOCKFILES.includes(base)) {
      // TOML lockfiles (poetry, uv, pdm) list one [[package]] table per package.
      const tables = body.match(/^\[\[package\]\]/gm)?.length ?? 0;
      const yamlEntries = body.match(/^\s*-\s*name:/gm)?.length ?? 0;
      Object.assign(report.summary, { role: 'lockfile', packageCount: Math.max(tables, yamlEntries) });
    } else {
      const name = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(body)?.[1];
      const python = /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(body)?.[1];
      Object.assign(report.summary, { role: 'manifest', name: name && clip(name, 256), requiresPython: python && clip(python, 64), ...outlineSections(body) });
    }
  },
});

/** Training and conversion scripts: counted as code so lineage can point at them. */
export const codeReader = defineReader({
  id: 'code',
  kind: 'code',
  extensions: ['.py', '.ipynb', '.sh', '.r', '.jl', '.scala'],
  inspect: async (src, report) => {
    if (src.path.toLowerCase().endsWith('.ipynb')) {
      if (src.size > MAX_ENV_BYTES) {
        report.info('code-not-parsed', `the notebook is ${src.size} bytes, over the ${MAX_ENV_BYTES}-byte limit for parsing`);
        return;
      }
      const nb = parseJsonBytes(await src.read(0, src.size), report, 'the notebook');
      if (!isRecord(nb)) return;
      const meta = isRecord(nb.metadata) ? nb.metadata : {};
      const kernel = isRecord(meta.kernelspec) ? meta.kernelspec : {};
      Object.assign(report.summary, {
        language: 'notebook',
        cells: Array.isArray(nb.cells) ? nb.cells.length : 0,
        kernel: typeof kernel.name === 'string' ? clip(kernel.name, 128) : undefined,
      });
      return;
    }
    const { text: body, truncated } = await readTextPrefix(src, 1024 * 1024);
    const newlines = body.split('\n').length - 1;
    Object.assign(report.summary, { lines: newlines + (body.length > 0 && !body.endsWith('\n') ? 1 : 0), linesExact: !truncated });
  },
});
