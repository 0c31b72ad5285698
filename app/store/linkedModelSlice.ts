/**
 * A model named by a link: loaded at once when its files are all in the cache, otherwise offered
 * (name, size, whether it fits) and downloaded only when the user says so; the built-in model shows
 * meanwhile. Opening a link never starts a download on its own.
 */
import type { ModelInspection } from '../../workers/api.ts';
import type { ModelSource } from '../domain.ts';
import { choiceOf, locationOf } from './modelSlice.ts';
import { type AppError, type SliceCreator, type StoreDeps, toAppError } from './types.ts';

type HubSource = Extract<ModelSource, { source: 'hub' }>;

export interface PendingModel {
  source: HubSource;
  /** What loading it would take; absent while it is being looked up or when that failed. */
  inspection?: ModelInspection;
  error?: AppError;
}

export interface LinkedModelSlice {
  /** A link's model waiting for the user's go-ahead. */
  pendingModel?: PendingModel;
  /**
   * Opens a link's model: 'loaded' when it was cached and is now loaded, 'pending' when it waits for a
   * click (pendingModel; the built-in model loads meanwhile if nothing is loaded), 'failed' when the
   * cached model did not load.
   */
  openLinkedModel(source: ModelSource): Promise<'loaded' | 'pending' | 'failed'>;
  /** The user says yes: download and load the pending model. */
  acceptPendingModel(): Promise<boolean>;
  dismissPendingModel(): void;
}

export function createLinkedModelSlice(deps: StoreDeps): SliceCreator<LinkedModelSlice> {
  return (set, get) => ({
    openLinkedModel: async (source) => {
      if (source.source === 'builtin') return (await get().loadModel(source)) ? 'loaded' : 'failed';
      set({ pendingModel: { source }, selectedModel: choiceOf(source) ?? get().selectedModel });
      let inspection: ModelInspection;
      try {
        inspection = await deps.client.inspect(locationOf(source, deps, get().hubUrl), {
          ...(deps.backend ? { backend: deps.backend } : {}),
        });
      } catch (error) {
        if (get().modelStatus !== 'ready' && get().modelStatus !== 'loading')
          void get().loadModel({ source: 'builtin' });
        set({ pendingModel: { source, error: toAppError(error) } });
        return 'pending';
      }
      if (get().pendingModel?.source !== source) return 'pending';
      if (inspection.cached && inspection.fit?.ok !== false) {
        set({ pendingModel: undefined });
        return (await get().loadModel(source)) ? 'loaded' : 'failed';
      }
      // the built-in model runs meanwhile; started before the offer shows, so a click on it replaces
      // this load instead of being replaced by it
      if (get().modelStatus !== 'ready' && get().modelStatus !== 'loading')
        void get().loadModel({ source: 'builtin' });
      set({ pendingModel: { source, inspection } });
      return 'pending';
    },

    acceptPendingModel: async () => {
      const pending = get().pendingModel;
      if (!pending) return false;
      set({ pendingModel: undefined });
      return get().loadModel(pending.source);
    },

    dismissPendingModel: () => set({ pendingModel: undefined }),
  });
}
