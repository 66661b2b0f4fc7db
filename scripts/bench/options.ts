import { availableParallelism, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';

export type Section = 'hash' | 'rss' | 'index' | 'ui-scan' | 'ui-graph' | 'lineage';
const SECTIONS: readonly Section[] = ['hash', 'rss', 'index', 'ui-scan', 'ui-graph', 'lineage'];

export interface BenchOptions {
  quick: boolean;
  strict: boolean;
  sections: Section[];
  cores: number;
  /** Size of each file in the throughput run, bytes. */
  hashFileBytes: number;
  /** Size of the file whose hashing is watched for peak RSS, bytes. */
  rssFileBytes: number;
  /** Small files in the index tree, the tree the UI watches being scanned, and the tree the search runs over. */
  treeFiles: number;
  /** Nodes of the graph the lineage view lays out and draws whole. */
  graphNodes: number;
  /** Nodes of the index the lineage view focuses and collapses in. */
  bigGraphNodes: number;
  /** Nodes of the index the ancestor and descendant queries run over. */
  lineageNodes: number;
  /** Size of the sparse safetensors and GGUF files whose headers are read, bytes. */
  hugeBytes: number;
  /** Seconds of mouse drags and wheel zooms while frame times are recorded. */
  panSeconds: number;
  /** Timed repetitions of the throughput and index runs; the fastest of each tool is reported. */
  rounds: number;
  /** Folder the temporary files go under. */
  baseDir: string;
  /** Profile the UI steps (a second pass) and keep traces and CPU profiles in bench-results/profiles. */
  profile: boolean;
}

const GB = 1024 ** 3;

export const USAGE = `Usage: npm run bench -- [options]

  --quick          smoke run: 256 MB hash files, a 2 GB RSS file, 20,000 small files
                   (the graphs, the 100,000-node query index and the 100 GB sparse
                   headers stay full size: they are cheap)
  --only SECTION   hash | rss | index | ui-scan | ui-graph | lineage (repeatable)
                     ui-scan   renderer responsiveness in Chromium while a store scans
                     ui-graph  lineage view: 2,000-node draw, pan/zoom frame times,
                               10,000-node focus and collapse; file search
                     lineage   header-only reads of 100 GB files; ancestor and
                               descendant queries over 100,000 nodes
  --size-gb N      size of each throughput file in GiB (default 1; one file per core)
  --files N        small files in the index, ui-scan and search trees (default 100,000)
  --rounds N       timed repetitions of the hash and index runs (the fastest of each
                   tool counts) and of the graph draw (the median counts) (default 3, quick 1)
  --dir D          put temporary files under D (default: the OS temp folder)
  --profile        ui-graph: run every UI step a second time under a Chrome trace and a
                   CPU profile; summaries go into the notes, the files into
                   bench-results/profiles/ (open them in DevTools)
  --strict         exit 1 when a target is missed
  -h, --help`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      strict: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      'size-gb': { type: 'string' },
      files: { type: 'string' },
      rounds: { type: 'string' },
      dir: { type: 'string' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const only = (values.only ?? []).flatMap((s) => s.split(','));
  for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`--only takes ${SECTIONS.join(', ')}; got "${s}"`);
  const sizeGb = values['size-gb'] === undefined ? (quick ? 0.25 : 1) : positive('--size-gb', values['size-gb']);
  return {
    quick,
    strict: values.strict === true,
    sections: only.length > 0 ? SECTIONS.filter((s) => only.includes(s)) : [...SECTIONS],
    cores: availableParallelism(),
    hashFileBytes: Math.round(sizeGb * GB),
    rssFileBytes: (quick ? 2 : 10) * GB,
    treeFiles: values.files === undefined ? (quick ? 20_000 : 100_000) : Math.round(positive('--files', values.files)),
    rounds: values.rounds === undefined ? (quick ? 1 : 3) : Math.round(positive('--rounds', values.rounds)),
    graphNodes: 2_000,
    bigGraphNodes: 10_000,
    lineageNodes: 100_000,
    hugeBytes: 100e9,
    panSeconds: 3,
    baseDir: values.dir ?? tmpdir(),
    profile: values.profile === true,
  };
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number; got "${text}"`);
  return n;
}
