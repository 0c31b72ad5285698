/**
 * The engine worker's API as plain TypeScript: loads through the ModelHost, runs with the WebGPU ->
 * wasm fallback (a lost device or a failed WebGPU run reloads the model on wasm and retries once),
 * cancellation by id. The worker module only exposes it over comlink; tests call it directly.
 */
import type {
  EngineMemory,
  ExperimentExampleResult,
  ExperimentRequest,
  ExperimentRunOptions,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelInspection,
  ModelLocation,
  WorkerRunResult,
} from '../api.ts';
import type { LensEngine } from '../engine/engine.ts';
import {
  EngineError,
  type LensRequest,
  type StateResult,
  type Token,
  type TopEntry,
} from '../engine/types.ts';
import type { ExperimentEngine, Progress } from '../experiments/index.ts';
import { singleToken } from '../tokenLookup.ts';
import { runExperimentRequest } from './experimentRunner.ts';
import { type HostDeps, ModelHost } from './modelHost.ts';

export interface ServiceDeps extends HostDeps {
  /** The worker's own memory measure, when the browser has one. */
  measureMemory?(): Promise<number | undefined>;
}

export interface RunCallbacks {
  onState?: ((state: StateResult) => void) | undefined;
  onChunk?: ((states: StateResult[]) => void) | undefined;
}

/** Errors that say something about the request, not the device: no point retrying elsewhere. */
function isRequestError(error: unknown): boolean {
  return error instanceof EngineError && error.code !== 'device-lost';
}

/** Resolves after pending messages (a cancel) have been handled. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function createEngineService(deps: ServiceDeps) {
  const host = new ModelHost(deps);
  const runs = new Map<number, AbortController>();
  const loads = new Map<number, AbortController>();
  /** Test hook where ORT's device is unreachable: the next WebGPU run throws as a lost device would. */
  let simulateLoss = false;
  /** One fallback at a time: concurrent failures share it. */
  let fallingBack: Promise<void> | null = null;
  host.onEngineReplaced.add(() => {
    for (const controller of runs.values()) controller.abort();
  });

  const fallBack = (reason: string): Promise<void> => {
    fallingBack ??= host.fallBackToWasm(reason).finally(() => {
      fallingBack = null;
      simulateLoss = false;
    });
    return fallingBack;
  };

  /** Runs `work` on the current engine; on WebGPU, a lost device or a failure falls back to wasm once. */
  const withFallback = async <T>(
    work: (engine: LensEngine) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<{ value: T; fellBack?: string }> => {
    if (fallingBack) await fallingBack;
    let loaded = host.requireLoaded();
    let reason: string | undefined;
    if (loaded.backend === 'webgpu' && host.deviceLost) {
      reason = host.deviceLost;
      await fallBack(reason);
      loaded = host.requireLoaded();
    }
    try {
      if (loaded.backend === 'webgpu' && simulateLoss) {
        simulateLoss = false;
        throw new EngineError('the GPU device was lost (simulated by debugLoseDevice)', 'device-lost');
      }
      const value = await work(loaded.engine);
      return reason ? { value, fellBack: reason } : { value };
    } catch (error) {
      if (loaded.backend !== 'webgpu' || isRequestError(error) || signal?.aborted) throw error;
      reason = host.deviceLost ?? `WebGPU run failed: ${(error as Error).message ?? String(error)}`;
      await fallBack(reason);
      const value = await work(host.requireLoaded().engine);
      return { value, fellBack: reason };
    }
  };

  const withController = async <T>(
    map: Map<number, AbortController>,
    id: number,
    work: (signal: AbortSignal) => Promise<T>,
  ) => {
    const controller = new AbortController();
    map.set(id, controller);
    try {
      return await work(controller.signal);
    } finally {
      map.delete(id);
    }
  };

  return {
    host,

    load: (
      location: ModelLocation,
      options: LoadOptions,
      onProgress: ((p: LoadProgress) => void) | undefined,
      loadId: number,
    ): Promise<LoadResult> =>
      withController(loads, loadId, async (signal) => {
        const result = await host.load(location, options, onProgress, signal);
        simulateLoss = false;
        return result;
      }),

    cancelLoad: (loadId: number): void => loads.get(loadId)?.abort(),

    prepare: (
      location: ModelLocation,
      options: LoadOptions,
      onProgress: ((p: LoadProgress) => void) | undefined,
      loadId: number,
    ) => withController(loads, loadId, (signal) => host.prepare(location, options, onProgress, signal)),

    inspect: (location: ModelLocation, options: LoadOptions = {}): Promise<ModelInspection> =>
      host.inspect(location, options),

    deviceLimits: async (options: LoadOptions = {}) => {
      const { hasAdapter: _h, ...limits } = await host.probe(options);
      return limits;
    },

    tokenize: (text: string): Token[] => host.requireLoaded().engine.tokenize(text),

    tokenIdOf: (text: string): Token => {
      const { engine } = host.requireLoaded();
      return singleToken(
        { encode: (t) => engine.tokenizer.encode(t), tokenText: (id) => engine.tokenText(id) },
        text,
      );
    },

    run: (request: LensRequest, callbacks: RunCallbacks, runId: number): Promise<WorkerRunResult> =>
      withController(runs, runId, async (signal) => {
        const { value: result, fellBack } = await withFallback(
          (engine) =>
            engine.run(request, {
              ...(callbacks.onState ? { onState: callbacks.onState } : {}),
              ...(callbacks.onChunk ? { onChunk: callbacks.onChunk } : {}),
              signal,
            }),
          signal,
        );
        return fellBack ? { ...result, fellBack: { from: 'webgpu' as const, reason: fellBack } } : result;
      }),

    cancel: (runId: number): void => runs.get(runId)?.abort(),

    runExperiment: (
      request: ExperimentRequest,
      options: ExperimentRunOptions,
      onProgress: ((progress: Progress) => void) | undefined,
      onResults: ((results: ExperimentExampleResult[]) => void) | undefined,
      runId: number,
    ) =>
      withController(runs, runId, (signal) => {
        // every batch goes through the fallback, so a lost device costs one batch, not the run
        const engine: ExperimentEngine = {
          get info() {
            return host.requireLoaded().engine.info;
          },
          tokenize: (text) => host.requireLoaded().engine.tokenize(text),
          run: async (lensRequest, runOptions) => {
            // a batch can finish without a macrotask in between (ORT's wasm run resolves at once):
            // let cancel() and other calls in before the next one, or they wait for the whole run
            await yieldToEventLoop();
            return (await withFallback((e) => e.run(lensRequest, runOptions ?? { signal }), signal)).value;
          },
        };
        return runExperimentRequest(engine, request, options, { signal, onProgress, onResults });
      }),

    decodeVectors: async (
      vectors: Float32Array[],
      topK: number,
    ): Promise<Array<{ top: TopEntry[]; entropy: number }>> =>
      (await withFallback((engine) => engine.decodeVectors(vectors, topK))).value,

    memory: async (): Promise<EngineMemory | null> => {
      const loaded = host.current;
      if (!loaded) return null;
      const measured = await deps.measureMemory?.().catch(() => undefined);
      return { ...loaded.engine.memory(), ...(measured ? { measuredBytes: measured } : {}) };
    },

    debugLoseDevice: async (): Promise<string> => {
      const loaded = host.requireLoaded();
      if (loaded.backend !== 'webgpu') return `nothing to lose: the model runs on ${loaded.backend}`;
      const device = loaded.runtime.device?.();
      if (device?.destroy) {
        device.destroy();
        // device.lost resolves asynchronously; the next run must not race it
        host.deviceLost ??= 'the GPU device was lost (destroyed by debugLoseDevice)';
        return "destroyed ORT's GPUDevice";
      }
      // this ORT build does not expose its device (env.webgpu.device unset): fake the loss instead
      simulateLoss = true;
      return "ORT's GPUDevice is not reachable in this build: the next run throws a device-lost error";
    },

    dispose: () => host.dispose(),
  };
}

export type EngineService = ReturnType<typeof createEngineService>;
