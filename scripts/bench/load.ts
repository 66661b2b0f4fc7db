import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * How much CPU other processes took while a section ran: the machine's busy
 * time minus this process's and its (waited-for) children's. On a shared
 * machine this says how far to trust the figures.
 */
export interface Interference {
  seconds: number;
  /** Core-seconds used by processes outside this benchmark. */
  otherCoreSeconds: number;
  /** The same as a share of the machine's capacity over the section. */
  otherShare: number;
}

const TICK = 100; // USER_HZ on Linux

function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return user + nice + system + irq + softirq + steal;
}

function ownTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the parenthesised command name: utime is the 14th field overall.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

export function watchInterference(): () => Interference | null {
  try {
    const t0 = performance.now();
    const busy0 = machineBusyTicks();
    const own0 = ownTicks();
    return () => {
      const seconds = (performance.now() - t0) / 1000;
      const other = Math.max(0, machineBusyTicks() - busy0 - (ownTicks() - own0)) / TICK;
      return { seconds, otherCoreSeconds: other, otherShare: seconds > 0 ? other / (seconds * cpus().length) : 0 };
    };
  } catch {
    return () => null; // not Linux
  }
}
