/** Each part's state: examples done of total, examples per second, time left; stored or resumed. */
import type { ReactElement } from 'react';
import type { ExperimentPart } from '../store/experimentSlice.ts';
import { datasetLabel } from './experimentSettings.ts';
import { parseExperimentKey } from './overlayRuns.ts';
import { outcomeCount } from './storedRun.ts';

function eta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '…';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

/** A sweep's unit is a block range (each a run of its whole sample). */
const UNITS = { examples: 'examples', cells: 'block ranges' } as const;

function partText(part: ExperimentPart): string {
  const total = part.examples.length;
  const p = part.progress;
  switch (part.status) {
    case 'pending':
      return `${total} examples`;
    case 'stored':
      if (parseExperimentKey(part.key ?? '')?.experiment === 'sweep')
        return `${part.storedDone} block ranges stored from an earlier run: Run resumes from there`;
      return `${part.storedDone} of ${total} examples stored from an earlier run: Run resumes from there`;
    case 'running':
      return p
        ? `${p.done} / ${p.total} ${UNITS[p.unit]} · ${p.perSecond.toFixed(1)} ${UNITS[p.unit]}/s · ${eta(p.etaSeconds)} left`
        : 'starting…';
    case 'done': {
      const done = part.outcome ? outcomeCount(part.outcome) : 0;
      const unit = part.outcome?.experiment === 'sweep' ? 'block ranges' : 'examples';
      return part.fromStore
        ? `done (${done} ${unit}, reopened from the stored run)`
        : `done (${done} ${unit}${part.storedDone ? `, ${part.storedDone} resumed` : ''})`;
    }
    case 'cancelled':
      return `cancelled at ${p?.done ?? 0} / ${p?.total ?? total}: what is done is kept`;
    case 'error':
      return `failed: ${part.error ?? 'unknown error'}`;
  }
}

export function ExperimentProgress({ parts }: { parts: readonly ExperimentPart[] }): ReactElement | null {
  if (parts.length === 0) return null;
  return (
    <ul className="experiment-progress" aria-live="polite">
      {parts.map((part, i) => {
        const p = part.progress;
        const value = part.status === 'done' ? 1 : p && p.total > 0 ? p.done / p.total : 0;
        return (
          <li
            key={part.key ?? i}
            data-testid={`experiment-part-${i}`}
            data-status={part.status}
            data-done={p?.done ?? part.storedDone}
            data-total={p?.total ?? part.examples.length}
          >
            <span className="experiment-part-name">
              {part.role}: {datasetLabel(part.ref)}
            </span>
            <progress max={1} value={value} aria-label={`${part.role} progress`} />
            <span className="experiment-part-text">{partText(part)}</span>
          </li>
        );
      })}
    </ul>
  );
}
