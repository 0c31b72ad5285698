/**
 * From the view's settings to the worker's request for one data set, and the key its results are
 * stored under (experimentKey: model@revision, experiment, data set hash, the settings as run, the
 * vector by value).
 */
import type { ExperimentRequest } from '../../workers/api.ts';
import type { ModelInfo } from '../../workers/engine/types.ts';
import { type ExampleSet, experimentKey, parseBlockRange } from '../../workers/experiments/index.ts';
import type { ExperimentSettings } from './experimentSettings.ts';

export function experimentRequest(
  settings: ExperimentSettings,
  set: ExampleSet,
  info: Pick<ModelInfo, 'nLayer'>,
  vector?: Float32Array,
): ExperimentRequest {
  switch (settings.experiment) {
    case 'stages':
      return { experiment: 'stages', set };
    case 'ovector': {
      const blocks = settings.blocks ? parseBlockRange(settings.blocks, info.nLayer) : undefined;
      return {
        experiment: 'ovector',
        set,
        settings: { ...ovectorShared(settings, vector), ...(blocks ? { blocks } : {}) },
      };
    }
    case 'sweep':
      return {
        experiment: 'sweep',
        set,
        settings: {
          ...ovectorShared(settings, vector),
          ...(settings.sample !== undefined ? { sample: settings.sample } : {}),
        },
      };
    case 'ablate':
      return { experiment: 'ablate', set, settings: { steps: settings.steps, sublayer: settings.sublayer } };
  }
}

/** The o-vector's settings but its blocks (the o-vector run and the sweep share them). */
function ovectorShared(settings: ExperimentSettings, vector: Float32Array | undefined) {
  if (!vector) throw new Error('Pick an o-vector first (capture one, or choose one from the library).');
  return {
    vector,
    sublayer: settings.sublayer,
    mode: settings.mode,
    ...(settings.mode === 'add' ? { scale: settings.scale } : {}),
    positions: settings.positions,
  };
}

export interface RunIdentity {
  /** sourceName of the model: 'builtin', 'gpt2-medium', or a repo. */
  model: string;
  revision: string;
  datasetHash: string;
}

export function requestKey(request: ExperimentRequest, identity: RunIdentity): Promise<string> {
  return experimentKey({
    experiment: request.experiment,
    model: identity.model,
    revision: identity.revision,
    datasetHash: identity.datasetHash,
    settings: 'settings' in request ? request.settings : {},
  });
}
