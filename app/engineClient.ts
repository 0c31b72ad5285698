/**
 * The app's handle on the engine worker. Comlink leaves a call pending forever when its worker dies
 * or is terminated, so this client tracks pending calls, rejects them itself, and starts a fresh
 * worker on the next call (the model must then be loaded again: onWorkerLost tells the app).
 */
import * as Comlink from 'comlink';
import {
  type EngineWorkerApi,
  isWorkerErrorPayload,
  type LoadOptions,
  type LoadResult,
} from '../workers/api.ts';
import type { LensRequest, LensResult, StateResult, Token } from '../workers/engine/types.ts';

export class EngineClientError extends Error {
  override name = 'EngineClientError';
  constructor(
    message: string,
    /** The engine's EngineError code, or 'worker-crashed' / 'worker-terminated' / 'cancelled'. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface RunOptions {
  onState?: (state: StateResult) => void;
  signal?: AbortSignal;
}

export interface EngineClient {
  load(modelBaseUrl: string, options?: LoadOptions): Promise<LoadResult>;
  tokenize(text: string): Promise<Token[]>;
  run(request: LensRequest, options?: RunOptions): Promise<LensResult>;
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
    const client = new EngineClientError(error.message, error.code);
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

  return {
    load: (modelBaseUrl, options) => call((remote) => remote.load(modelBaseUrl, options)),

    tokenize: (text) => call((remote) => remote.tokenize(text)),

    run: (request, options = {}) => {
      const { onState, signal } = options;
      if (signal?.aborted) return Promise.reject(new EngineClientError('run cancelled', 'cancelled'));
      const runId = nextRunId++;
      const callback = onState ? Comlink.proxy(onState) : undefined;
      return call(async (remote) => {
        const onAbort = (): void => void remote.cancel(runId).catch(() => {});
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          return (await remote.run(request, callback, runId)) as LensResult;
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      });
    },

    terminate: (reason = 'the engine worker was stopped') => {
      if (current) lose(current, new EngineClientError(reason, 'worker-terminated'));
    },

    onWorkerLost: (listener) => {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
  };
}
