import type { PickleScan } from './pickle';
import { clip } from './text';
import type { FormatFinding } from './types';

/** Turns a scan into findings: every dangerous import by name, unknown ones together. */
export function pickleFindings(scan: PickleScan): FormatFinding[] {
  const findings: FormatFinding[] = [...scan.problems];
  const unknown: string[] = [];
  for (const g of scan.globals) {
    if (g.safety === 'dangerous') {
      findings.push({ severity: 'error', code: 'pickle-dangerous-import', message: `the pickle imports ${clip(g.name, 200)}, which can run code or reach the system when loaded` });
    } else if (g.safety === 'unknown') unknown.push(g.name);
  }
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).map((n) => clip(n, 120)).join(', ');
    findings.push({
      severity: 'warning',
      code: 'pickle-unknown-import',
      message: `the pickle imports ${unknown.length} global(s) outside the safe list, so loading it needs weights_only=False: ${shown}${unknown.length > 10 ? ', …' : ''}`,
    });
  }
  return findings;
}

export function pickleSummary(scan: PickleScan): Record<string, unknown> {
  return {
    protocol: scan.protocol,
    opcodes: scan.opcodes,
    storages: scan.storages,
    tensors: scan.tensors,
    persistentIds: scan.persistentIds,
    globals: scan.globals.slice(0, 1000).map((g) => ({ name: clip(g.name, 300), safety: g.safety, imports: g.imports, calls: g.calls })),
  };
}
