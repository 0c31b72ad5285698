/**
 * The app's handle on the engine worker. Comlink leaves a call pending forever when its worker dies
 * or is terminated, so this client tracks pending calls, rejects them itself, and starts a fresh
 * worker on the next call (the model must then be loaded again: onWorkerLost tells the app).
 */
import * as Comlink from 'comlink';
import type { FileReport } from '../models/hub/download.ts';
import {
  type DeviceLimits,
  type EngineMemory,
  type EngineWorkerApi,
  type ErrorCode,
  type ExperimentExampleResult,
  type ExperimentOutcome,
  type ExperimentRequest,
  type ExperimentRunOptions,
  type HubLocation,
  isWorkerErrorPayload,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  type ModelInspection,
  type ModelLocation,
  type WorkerRunResult,
} from '../workers/api.ts';
import type { LensRequest, StateResult, Token, TopEntry } from '../workers/engine/types.ts';
import type { Progress } from '../workers/experiments/index.ts';

export class EngineClientError extends Error {
  override name = 'EngineClientError';
  constructor(
    message: string,
    /** The worker's code for the error, or the client's own ('worker-crashed', 'worker-terminated', 'cancelled'). */
    readonly code?: ErrorCode,
    /** A failed load: the model loaded before is still (or again) loaded. */
    readonly keptPrevious?: boolean,
  ) {
    super(message);
  }
}

export interface RunOptions {
  /** Each decoded state of the last position, as soon as its lens chunk is done. */
  onState?: (state: StateResult) => void;
  /** Each lens chunk's states (all positions with positions: 'all'): heatmap rows. */
  onChunk?: (states: StateResult[]) => void;
  signal?: AbortSignal;
}

export interface ExperimentCallOptions extends ExperimentRunOptions {
  onProgress?: (progress: Progress) => void;
  /** Each batch's results as it finishes (the app stores them, so a reload resumes). */
  onResults?: (results: ExperimentExampleResult[]) => void;
  signal?: AbortSignal;
}

export interface LoadCallOptions extends LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Aborting cancels the download (the previous model stays loaded). */
  signal?: AbortSignal;
}

export interface EngineClient {
  load(location: ModelLocation, options?: LoadCallOptions): Promise<LoadResult>;
  /** Downloads and verifies a Hub model's files into the cache without loading it (see EngineWorkerApi.prepare). */
  prepare(location: HubLocation, options?: LoadCallOptions): Promise<FileReport[]>;
  deviceLimits(options?: LoadOptions): Promise<DeviceLimits>;
  /** Size, cache state and fit of a model, downloading nothing big (see EngineWorkerApi.inspect). */
  inspect(location: ModelLocation, options?: LoadOptions): Promise<ModelInspection>;
  /** What the loaded engine holds (null: no model). */
  memory(): Promise<EngineMemory | null>;
  tokenize(text: string): Promise<Token[]>;
  tokenIdOf(text: string): Promise<Token>;
  run(request: LensRequest, options?: RunOptions): Promise<WorkerRunResult>;
  /** An experiment over a data set, in the worker (see EngineWorkerApi.runExperiment). */
  runExperiment(request: ExperimentRequest, options?: ExperimentCallOptions): Promise<ExperimentOutcome>;
  decodeVectors(vectors: Float32Array[], topK: number): Promise<Array<{ top: TopEntry[]; entropy: number }>>;
  /** Test hook: see EngineWorkerApi.debugLoseDevice. */
  debugLoseDevice(): Promise<string>;
  /** Kill the worker (e.g. a stuck GPU run): pending calls reject, the next call starts a new worker. */
  terminate(reason?: string): void;
  /** Called when the worker is gone and the loaded model with it. Returns an unsubscribe function. */
  onWorkerLost(listener: (error: EngineClientError) => void): () => void;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'lenslab-engine',
  });
}

function toClientError(error: unknown): EngineClientError {
  if (error instanceof EngineClientError) return error;
  if (isWorkerErrorPayload(error)) {
    const client = new EngineClientError(error.message, error.code, error.keptPrevious);
    if (error.stack) client.stack = error.stack;
    return client;
  }
  if (error instanceof Error) return new EngineClientError(error.message);
  return new EngineClientError(String(error));
}

interface WorkerHandle {
  worker: Worker;
  remote: Comlink.Remote<EngineWorkerApi>;
  pending: Set<(error: EngineClientError) => void>;
  dead: boolean;
}

export function createEngineClient(createWorker: () => Worker = defaultWorker): EngineClient {
  let current: WorkerHandle | null = null;
  let nextRunId = 1;
  let nextLoadId = 1;
  const lostListeners = new Set<(error: EngineClientError) => void>();

  const lose = (handle: WorkerHandle, error: EngineClientError): void => {
    if (handle.dead) return;
    handle.dead = true;
    handle.worker.terminate();
    if (current === handle) current = null;
    for (const reject of handle.pending) reject(error);
    handle.pending.clear();
    for (const listener of lostListeners) listener(error);
  };

  const acquire = (): WorkerHandle => {
    if (current) return current;
    const worker = createWorker();
    const handle: WorkerHandle = {
      worker,
      remote: Comlink.wrap<EngineWorkerApi>(worker),
      pending: new Set(),
      dead: false,
    };
    // an uncaught error (or a failed module load) leaves the worker in an unknown state: replace it
    worker.addEventListener('error', (event) => {
      const detail = event.message || 'the worker script failed to load or threw an uncaught error';
      lose(handle, new EngineClientError(`The engine worker crashed: ${detail}`, 'worker-crashed'));
    });
    current = handle;
    return handle;
  };

  const call = <T>(work: (remote: Comlink.Remote<EngineWorkerApi>) => Promise<T>): Promise<T> => {
    const handle = acquire();
    return new Promise<T>((resolve, reject) => {
      const fail = (error: EngineClientError): void => reject(error);
      handle.pending.add(fail);
      work(handle.remote)
        .then(resolve, (error: unknown) => reject(toClientError(error)))
        .finally(() => handle.pending.delete(fail));
    });
  };

  /** Forwards an AbortSignal to the worker as a cancel call for the duration of `work`. */
  const cancellable = async <T>(
    signal: AbortSignal | undefined,
    cancel: () => Promise<unknown>,
    work: () => Promise<T>,
  ): Promise<T> => {
    const onAbort = (): void => void cancel().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  /** A load-like call: progress as a proxy, cancellation by cancelLoad(loadId). */
  const downloadCall = <T>(
    options: LoadCallOptions,
    invoke: (
      remote: Comlink.Remote<EngineWorkerApi>,
      loadOptions: LoadOptions,
      callback: ((p: LoadProgress) => void) | undefined,
      loadId: number,
    ) => Promise<T>,
  ): Promise<T> => {
    const { onProgress, signal, ...loadOptions } = options;
    if (signal?.aborted) return Promise.reject(new EngineClientError('load cancelled', 'load-cancelled'));
    const loadId = nextLoadId++;
    const callback = onProgress ? Comlink.proxy(onProgress) : undefined;
    return call((remote) =>
      cancellable(
        signal,
        () => remote.cancelLoad(loadId),
        () => invoke(remote, loadOptions, callback, loadId),
      ),
    );
  };

  return {
    load: (location, options = {}) =>
      downloadCall(options, (remote, loadOptions, callback, loadId) =>
        remote.load(location, loadOptions, callback, loadId),
      ),

    prepare: (location, options = {}) =>
      downloadCall(options, (remote, loadOptions, callback, loadId) =>
        remote.prepare(location, loadOptions, callback, loadId),
      ),

    deviceLimits: (options) => call((remote) => remote.deviceLimits(options) as Promise<DeviceLimits>),

    inspect: (location, options) =>
      call((remote) => remote.inspect(location, options) as Promise<ModelInspection>),

    memory: () => call((remote) => remote.memory() as Promise<EngineMemory | null>),

    tokenize: (text) => call((remote) => remote.tokenize(text)),

    tokenIdOf: (text) => call((remote) => remote.tokenIdOf(text)),

    run: (request, options = {}) => {
      const { onState, onChunk, signal } = options;
      if (signal?.aborted) return Promise.reject(new EngineClientError('run cancelled', 'cancelled'));
      const runId = nextRunId++;
      const stateCallback = onState ? Comlink.proxy(onState) : undefined;
      const chunkCallback = onChunk ? Comlink.proxy(onChunk) : undefined;
      return call((remote) =>
        cancellable(
          signal,
          () => remote.cancel(runId),
          () => remote.run(request, stateCallback, runId, chunkCallback) as Promise<WorkerRunResult>,
        ),
      );
    },

    runExperiment: (request, options = {}) => {
      const { onProgress, onResults, signal, ...runOptions } = options;
      if (signal?.aborted)
        return Promise.reject(new EngineClientError('the experiment was cancelled', 'cancelled'));
      const runId = nextRunId++;
      const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
      const results = onResults ? Comlink.proxy(onResults) : undefined;
      return call((remote) =>
        cancellable(
          signal,
          () => remote.cancel(runId),
          () =>
            remote.runExperiment(request, runOptions, progress, results, runId) as Promise<ExperimentOutcome>,
        ),
      );
    },

    decodeVectors: (vectors, topK) => call((remote) => remote.decodeVectors(vectors, topK)),

    debugLoseDevice: () => call((remote) => remote.debugLoseDevice()),

    terminate: (reason = 'the engine worker was stopped') => {
      if (current) lose(current, new EngineClientError(reason, 'worker-terminated'));
    },

    onWorkerLost: (listener) => {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
  };
}
