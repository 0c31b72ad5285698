/**
 * Where experiment results live between visits, keyed by experimentKey (model@revision, experiment,
 * data set hash, settings): each batch's results as they finish (so a reload resumes from them) and
 * the finished outcome (so a finished run reopens at once). IndexedDB in the app
 * (experimentDatabase.ts), memory in tests.
 */
import type { ExperimentExampleResult, ExperimentOutcome } from '../../workers/api.ts';

export interface StoredExperiment {
  key: string;
  /** Per-example results so far, in the order they finished. */
  results: ExperimentExampleResult[];
  /** Set once the run finished. */
  outcome?: ExperimentOutcome;
  updatedAt: number;
}

export interface ExperimentPersistence {
  get(key: string): Promise<StoredExperiment | undefined>;
  put(entry: StoredExperiment): Promise<void>;
  /** Every stored run's key (the Reproduce page lists what is finished). */
  keys(): Promise<string[]>;
}

export function memoryExperimentPersistence(): ExperimentPersistence & {
  entries: Map<string, StoredExperiment>;
} {
  const entries = new Map<string, StoredExperiment>();
  return {
    entries,
    get: async (key) => {
      const entry = entries.get(key);
      return entry ? structuredClone(entry) : undefined;
    },
    put: async (entry) => {
      entries.set(entry.key, structuredClone(entry));
    },
    keys: async () => [...entries.keys()],
  };
}

/**
 * A run's store of results: appends each batch and writes the entry, one write at a time in order
 * (a later batch never lands before an earlier one), and finishes with the outcome.
 */
export function resultJournal(
  persistence: ExperimentPersistence,
  key: string,
  start: readonly ExperimentExampleResult[],
) {
  const results = [...start];
  let writing: Promise<void> = Promise.resolve();
  const write = (outcome?: ExperimentOutcome): Promise<void> => {
    const entry: StoredExperiment = {
      key,
      results: outcome ? [] : [...results],
      ...(outcome ? { outcome } : {}),
      updatedAt: Date.now(),
    };
    // a failed write loses a batch's results for a resume, never the run
    writing = writing.then(() => persistence.put(entry)).catch(() => {});
    return writing;
  };
  return {
    append(batch: readonly ExperimentExampleResult[]): Promise<void> {
      results.push(...batch);
      return write();
    },
    finish(outcome: ExperimentOutcome): Promise<void> {
      return write(outcome);
    },
    get results(): readonly ExperimentExampleResult[] {
      return results;
    },
    flushed: (): Promise<void> => writing,
  };
}
