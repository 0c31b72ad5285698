/**
 * One experiment on one data set, through the store of results: a finished run comes back from the
 * store without running; an unfinished one resumes from the examples it had done (the worker skips
 * them) and stores each new batch as it finishes; a finished one stores its outcome.
 */

import type { ExperimentOutcome, ExperimentRequest } from '../../workers/api.ts';
import type { Progress } from '../../workers/experiments/index.ts';
import type { EngineClient } from '../engineClient.ts';
import { type ExperimentPersistence, resultJournal } from './experimentPersistence.ts';

export interface StoredRunOutcome {
  outcome: ExperimentOutcome;
  /** Examples taken from the store instead of being run (all of them for a finished run). */
  resumed: number;
  /** The whole outcome came from the store. */
  fromStore: boolean;
}

/** What the store holds for a key: a finished outcome, or how many examples an unfinished run did. */
export async function storedState(
  persistence: ExperimentPersistence | undefined,
  key: string,
): Promise<{ outcome?: ExperimentOutcome; done: number }> {
  const stored = await persistence?.get(key).catch(() => undefined);
  if (!stored) return { done: 0 };
  return stored.outcome
    ? { outcome: stored.outcome, done: outcomeCount(stored.outcome) }
    : { done: stored.results.length };
}

export async function runThroughStore(
  client: Pick<EngineClient, 'runExperiment'>,
  persistence: ExperimentPersistence | undefined,
  request: ExperimentRequest,
  key: string,
  options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void; batchSize?: number },
): Promise<StoredRunOutcome> {
  const stored = await persistence?.get(key).catch(() => undefined);
  if (stored?.outcome)
    return { outcome: stored.outcome, resumed: outcomeCount(stored.outcome), fromStore: true };
  const resume = stored?.results ?? [];
  const journal = persistence ? resultJournal(persistence, key, resume) : undefined;
  try {
    const outcome = await client.runExperiment(request, {
      resume,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onResults: (results) => void journal?.append(results),
    });
    await journal?.finish(outcome);
    return { outcome, resumed: resume.length, fromStore: false };
  } finally {
    // a cancelled run's last batch is stored before the caller reports it
    await journal?.flushed();
  }
}

/** Units of an outcome: its examples, or the sweep's block ranges (the unit it stores and resumes). */
export function outcomeCount(outcome: ExperimentOutcome): number {
  return outcome.experiment === 'sweep' ? outcome.cells.length : outcome.examples.length;
}
