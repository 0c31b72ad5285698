/** Experiment results in IndexedDB (`lenslab-experiments`), one entry per experimentKey. */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../storage/lazyDatabase.ts';
import type { ExperimentPersistence, StoredExperiment } from './experimentPersistence.ts';

interface ExperimentDb extends DBSchema {
  runs: { key: string; value: StoredExperiment };
}

const database = lazyDatabase<ExperimentDb>('lenslab-experiments', 1, (db) => {
  if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs', { keyPath: 'key' });
});

export const indexedDbExperiments: ExperimentPersistence = {
  get: async (key) => (await database()).get('runs', key),
  put: async (entry) => {
    await (await database()).put('runs', entry);
  },
  keys: async () => (await database()).getAllKeys('runs'),
};
