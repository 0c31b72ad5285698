/**
 * Figure 3 across models: the stored, finished stages runs of other models with the same data set
 * and settings as a part of the current run (found by their keys in the store of results), and
 * which of them the relative-depth figure overlays.
 */
import type { StagesResult } from '../../workers/experiments/index.ts';
import { overlayCandidates } from '../experiments/overlayRuns.ts';
import type { SliceCreator, StoreDeps } from './types.ts';

export interface OverlayRun {
  key: string;
  /** model@revision, from the key. */
  model: string;
  outcome: StagesResult;
}

export interface OverlaySlice {
  /** The part key the list was found for. */
  overlayFor?: string;
  /** Finished runs of other models that can overlay it, by model. */
  overlayRuns: OverlayRun[];
  /** Keys of the runs shown on the relative-depth figure. */
  overlaySelected: string[];
  /** Lists the stored runs that can overlay the part stored under `key` (a new key: none shown). */
  findOverlayRuns(key: string): Promise<void>;
  toggleOverlayRun(key: string): void;
}

export const createOverlaySlice =
  (deps: StoreDeps): SliceCreator<OverlaySlice> =>
  (set, get) => ({
    overlayRuns: [],
    overlaySelected: [],

    findOverlayRuns: async (key) => {
      const fresh = get().overlayFor !== key;
      set(fresh ? { overlayFor: key, overlayRuns: [], overlaySelected: [] } : { overlayFor: key });
      const store = deps.experiments;
      if (!store) return;
      const keys = await store.keys().catch(() => [] as string[]);
      const found = await Promise.all(
        overlayCandidates(key, keys).map(async ({ key: k, model }) => {
          const entry = await store.get(k).catch(() => undefined);
          const outcome = entry?.outcome;
          return outcome?.experiment === 'stages' ? [{ key: k, model, outcome }] : [];
        }),
      );
      if (get().overlayFor !== key) return;
      const runs = found.flat();
      set((s) => ({
        overlayRuns: runs,
        overlaySelected: s.overlaySelected.filter((k) => runs.some((r) => r.key === k)),
      }));
    },

    toggleOverlayRun: (key) =>
      set((s) => ({
        overlaySelected: s.overlaySelected.includes(key)
          ? s.overlaySelected.filter((k) => k !== key)
          : [...s.overlaySelected, key],
      })),
  });
