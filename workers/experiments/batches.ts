/**
 * Drives an experiment over its units (examples, or block ranges for the sweep): skips those already
 * finished (resume), groups the rest into engine-sized batches, shortest prompts together (little
 * padding), reports progress and each batch's results as it finishes, and stops between batches (the
 * engine itself stops between lens chunks) when the signal aborts.
 */
import { EngineError } from '../engine/types.ts';
import type { PreparedExample, Progress, RunControl } from './types.ts';

export const DEFAULT_BATCH_SIZE = 32;

type Key = string | number;

export interface BatchOptions<I> {
  unit: Progress['unit'];
  /** Items per batch (default: the control's batchSize). */
  batchSize?: number;
  /** Items are run in ascending order of this (prompt length), results still in item order. */
  sortBy?: (item: I) => number;
}

/** Examples, shortest prompts first. */
export const BY_LENGTH: BatchOptions<PreparedExample> = { unit: 'examples', sortBy: (e) => e.ids.length };

/** Runs `runBatch` on every item without a resumed result; returns all results in item order. */
export async function runInBatches<I extends { id: Key }, R extends { id: Key }>(
  items: readonly I[],
  control: RunControl<R>,
  options: BatchOptions<I>,
  runBatch: (batch: I[]) => Promise<R[]>,
): Promise<R[]> {
  const batchSize = options.batchSize ?? control.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new EngineError(`the batch size must be a positive integer (got ${batchSize})`, 'bad-request');
  }
  const wanted = new Set(items.map((item) => item.id));
  const results = new Map<Key, R>();
  for (const result of control.resume ?? []) if (wanted.has(result.id)) results.set(result.id, result);
  const pending = items.filter((item) => !results.has(item.id));
  const { sortBy } = options;
  if (sortBy) pending.sort((a, b) => sortBy(a) - sortBy(b));
  const total = items.length;
  const resumed = results.size;
  const started = performance.now();
  let ranHere = 0;
  const report = (): void => {
    const seconds = (performance.now() - started) / 1000;
    const perSecond = ranHere > 0 && seconds > 0 ? ranHere / seconds : 0;
    control.onProgress?.({
      done: resumed + ranHere,
      total,
      unit: options.unit,
      perSecond,
      etaSeconds: perSecond > 0 ? (total - resumed - ranHere) / perSecond : null,
    });
  };
  report();
  for (let start = 0; start < pending.length; start += batchSize) {
    throwIfAborted(control.signal);
    const batch = pending.slice(start, start + batchSize);
    const finished = await runBatch(batch);
    for (const result of finished) results.set(result.id, result);
    ranHere += batch.length;
    control.onResults?.(finished);
    report();
  }
  return items.map((item) => results.get(item.id)!);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('the experiment was cancelled', 'cancelled');
}
