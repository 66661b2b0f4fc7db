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
      // While a whole disk is walked for the first time, its used space stands for the total (an estimate, marked ~).
      const estimating = p.phase === 'walking' && p.expectedBytes !== null;
      const total = estimating ? Math.max(p.expectedBytes!, p.bytesToHash) : p.bytesToHash;
      const fraction = total > 0 ? p.bytesHashed / total : p.filesToHash > 0 ? p.filesHashed / p.filesToHash : 0;
      const eta = p.etaSeconds === null ? '' : ` ETA ${estimating ? '~' : ''}${formatDuration(p.etaSeconds)}`;
      const text = `${label}: ${p.phase} ${p.filesSeen} files seen, ${p.filesHashed}/${p.filesToHash} hashed, ${formatBytes(p.bytesHashed)}/${estimating ? '~' : ''}${formatBytes(total)} ${formatRate(p.bytesPerSecond)}${eta}`;
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
