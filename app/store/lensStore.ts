/**
 * The app's one store, made of typed slices (model, prompt, run, vectors, interventions, view,
 * share). Runs are started by the run controller (runController.ts) and the URL follows the store
 * (urlSync.ts); neither is a slice, both only read and write the store.
 */
import { create } from 'zustand';
import { createExperimentSlice } from './experimentSlice.ts';
import { createInterventionSlice } from './interventionSlice.ts';
import { createLinkedModelSlice } from './linkedModelSlice.ts';
import { createModelSlice } from './modelSlice.ts';
import { createOverlaySlice } from './overlaySlice.ts';
import { createPromptSlice } from './promptSlice.ts';
import { createReproduceSlice } from './reproduceSlice.ts';
import { createRunSlice } from './runSlice.ts';
import { createShareSlice } from './shareSlice.ts';
import type { LensState, StoreDeps } from './types.ts';
import { createVectorSlice } from './vectorSlice.ts';
import { createViewSlice } from './viewSlice.ts';

export { DEFAULT_PROMPT } from './presets.ts';
export type { AppError, LensState, StoreDeps } from './types.ts';

/** After the worker dies, reload the model by itself once per this long (a crash loop stops). */
const AUTO_RELOAD_WINDOW_MS = 60_000;

export function createLensStore(deps: StoreDeps) {
  const useLensStore = create<LensState>()((...a) => ({
    ...createModelSlice(deps)(...a),
    ...createLinkedModelSlice(deps)(...a),
    ...createPromptSlice(...a),
    ...createRunSlice(deps)(...a),
    ...createVectorSlice(deps)(...a),
    ...createInterventionSlice(...a),
    ...createViewSlice(...a),
    ...createShareSlice(...a),
    ...createExperimentSlice(deps)(...a),
    ...createReproduceSlice(...a),
    ...createOverlaySlice(deps)(...a),
  }));

  let lastAutoReload = Number.NEGATIVE_INFINITY;
  deps.client.onWorkerLost((error) => {
    const s = useLensStore.getState();
    s.noteWorkerLost(error);
    // the prompt, vectors and interventions are still here: reload once and the runs follow
    const now = Date.now();
    if (now - lastAutoReload > AUTO_RELOAD_WINDOW_MS) {
      lastAutoReload = now;
      void s.loadModel(s.modelSource);
    }
  });

  return Object.assign(useLensStore, { deps });
}

export type LensStore = ReturnType<typeof createLensStore>;
