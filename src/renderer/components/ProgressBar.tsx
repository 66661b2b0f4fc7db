import type { ScanProgress } from '../../shared/domain';
import { formatBytes, formatDuration } from './format';

/** A scan's progress: bytes hashed of bytes to hash, throughput and ETA, and the file at hand. */
export function ProgressBar({ progress }: { progress: ScanProgress | null }) {
  if (!progress) {
    return (
      <div className="progress" role="progressbar" aria-label="scan starting">
        <div className="progress-track indeterminate" />
        <div className="progress-text">starting…</div>
      </div>
    );
  }
  // While a whole disk is walked for the first time, its used space stands for the total (an estimate, marked ~).
  const estimating = progress.phase === 'walking' && progress.expectedBytes !== null;
  const total = estimating ? Math.max(progress.expectedBytes!, progress.bytesToHash) : progress.bytesToHash;
  const fraction = total > 0 ? progress.bytesHashed / total : progress.filesToHash > 0 ? progress.filesHashed / progress.filesToHash : 0;
  const pct = Math.min(100, Math.round(fraction * 100));
  return (
    <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="scan progress">
      <div className={`progress-track${progress.phase === 'walking' && progress.filesToHash === 0 && !estimating ? ' indeterminate' : ''}`}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="progress-text">
        <span>
          {progress.phase} · {progress.filesSeen.toLocaleString()} files seen · {progress.filesHashed.toLocaleString()}/{progress.filesToHash.toLocaleString()} hashed · {formatBytes(progress.bytesHashed)} of {estimating ? `about ${formatBytes(total)} (the disk's used space)` : formatBytes(progress.bytesToHash)}
        </span>
        <span className="muted">
          {formatBytes(progress.bytesPerSecond)}/s · ETA {estimating && progress.etaSeconds !== null ? '~' : ''}
          {formatDuration(progress.etaSeconds)}
        </span>
      </div>
      {progress.currentFile && <div className="progress-file mono" title={progress.currentFile}>{progress.currentFile}</div>}
    </div>
  );
}
