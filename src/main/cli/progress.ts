import type { ScanProgress } from '../../shared/domain';
import { formatBytes, formatDuration, formatRate } from './format';

/**
 * Scan progress on stderr: a redrawn bar on a terminal, a plain line every few
 * seconds otherwise (logs and CI stay readable).
 */
export function createProgressPrinter(stream: NodeJS.WriteStream, label: string): { update(p: ScanProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(p) {
      const fraction = p.bytesToHash > 0 ? p.bytesHashed / p.bytesToHash : p.filesToHash > 0 ? p.filesHashed / p.filesToHash : 0;
      const eta = p.etaSeconds === null ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
      const text = `${label}: ${p.phase} ${p.filesSeen} files seen, ${p.filesHashed}/${p.filesToHash} hashed, ${formatBytes(p.bytesHashed)}/${formatBytes(p.bytesToHash)} ${formatRate(p.bytesPerSecond)}${eta}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(Math.min(1, fraction) * width);
        const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
        const cols = stream.columns ?? 100;
        const current = p.currentFile ? ` ${p.currentFile}` : '';
        stream.write(`\r\x1b[K${`${bar} ${text}${current}`.slice(0, cols - 1)}`);
        drawn = true;
      } else if (Date.now() - lastPlain >= 2000) {
        lastPlain = Date.now();
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
    },
  };
}
