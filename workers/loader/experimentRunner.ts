/**
 * The worker's side of an experiment run: picks the experiment of the shared module
 * (workers/experiments, the CLI's code too) and drives it with the app's progress, results and
 * cancel. The engine is given as a getter so that a WebGPU -> wasm fallback mid-run is picked up.
 */
import type {
  ExperimentExampleResult,
  ExperimentOutcome,
  ExperimentRequest,
  ExperimentRunOptions,
} from '../api.ts';
import {
  type AblationExampleResult,
  type ExperimentEngine,
  type OvectorExampleResult,
  type Progress,
  type RunControl,
  runAblation,
  runBlockSweep,
  runOvector,
  runStages,
  type StagesExampleResult,
  type SweepCell,
} from '../experiments/index.ts';

export interface ExperimentCallbacks {
  signal: AbortSignal;
  onProgress?: ((progress: Progress) => void) | undefined;
  onResults?: ((results: ExperimentExampleResult[]) => void) | undefined;
}

export function runExperimentRequest(
  engine: ExperimentEngine,
  request: ExperimentRequest,
  options: ExperimentRunOptions,
  callbacks: ExperimentCallbacks,
): Promise<ExperimentOutcome> {
  // each experiment's results are its own type; the stored ones were keyed by this experiment
  const control = <R extends ExperimentExampleResult>(): RunControl<R> => ({
    signal: callbacks.signal,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.resume ? { resume: options.resume as R[] } : {}),
    ...(callbacks.onProgress ? { onProgress: callbacks.onProgress } : {}),
    ...(callbacks.onResults ? { onResults: callbacks.onResults as (results: R[]) => void } : {}),
  });
  switch (request.experiment) {
    case 'stages':
      return runStages(engine, request.set, control<StagesExampleResult>());
    case 'ovector':
      return runOvector(engine, request.set, request.settings, control<OvectorExampleResult>());
    case 'ablate':
      return runAblation(engine, request.set, request.settings, control<AblationExampleResult>());
    case 'sweep':
      return runBlockSweep(engine, request.set, request.settings, control<SweepCell>());
  }
}
