/** The load in progress (bytes, speed, ETA, cancel), and what the last load had to say. */
import { type ReactElement, useEffect, useState } from 'react';
import { formatBytes } from '../../models/hub/fit.ts';
import { useLensPick } from './useLens.ts';

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return 'under a second left';
  if (seconds < 90) return `${Math.round(seconds)} s left`;
  return `${Math.round(seconds / 60)} min left`;
}

const PHASES: Record<string, string> = {
  'checking-cache': 'checking the cache',
  'reading-cache': 'reading from the cache',
  downloading: 'downloading',
  verifying: 'verifying',
  storing: 'finishing the cache write',
  cached: 'from the cache',
  done: 'done',
};

/** Seconds since `since`, ticking once a second while it is set. */
function useElapsed(since: number | undefined): number | undefined {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (since === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since === undefined ? undefined : Math.max(0, Math.floor((now - since) / 1000));
}

export function LoadProgress(): ReactElement | null {
  const { progress, cancelLoad, notes, status } = useLensPick((s) => ({
    progress: s.loadProgress,
    cancelLoad: s.cancelLoad,
    notes: s.loadNotes,
    status: s.modelStatus,
  }));
  const elapsed = useElapsed(progress?.totalBytes ? undefined : progress?.phaseStartedAt);
  if (!progress) {
    return notes.length > 0 && status === 'ready' ? (
      <ul className="load-notes" data-testid="load-notes">
        {notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    ) : null;
  }
  const known = progress.totalBytes > 0;
  const phase = progress.phase ? (PHASES[progress.phase] ?? progress.phase) : undefined;
  const parts = [
    progress.file && progress.stage !== 'init' ? `${progress.file}${phase ? ` (${phase})` : ''}` : phase,
    elapsed !== undefined ? `${elapsed} s` : '',
    known ? `${formatBytes(progress.loadedBytes)} / ${formatBytes(progress.totalBytes)}` : '',
    progress.bytesPerSecond > 0 ? `${formatBytes(progress.bytesPerSecond)}/s` : '',
    formatEta(progress.etaSeconds),
  ].filter((p) => p);
  return (
    <div
      className="load-progress"
      data-testid="load-progress"
      data-stage={progress.stage}
      data-phase={progress.phase}
      data-loaded={progress.loadedBytes}
      data-total={progress.totalBytes}
      role="status"
    >
      <span className="load-name">Loading {progress.name}</span>
      <progress
        max={known ? progress.totalBytes : undefined}
        value={known ? progress.loadedBytes : undefined}
        aria-label={`Loading ${progress.name}`}
      />
      <span className="load-detail">{parts.join(' · ')}</span>
      <button type="button" data-testid="load-cancel" onClick={cancelLoad}>
        Cancel
      </button>
      {progress.notes.length > 0 ? (
        <ul className="load-notes" data-testid="load-notes">
          {progress.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
