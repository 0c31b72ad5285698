/**
 * An EngineClient over a LensEngine in this process (onnxruntime-node CPU unless told otherwise): the
 * store and the run controller against the real engine, without a browser. Records calls; can fail
 * loads and runs. The benchmark drives the app's run controller through it too (bench/live.ts).
 */
import { type EngineClient, EngineClientError } from '../../app/engineClient.ts';
import {
  type ErrorCode,
  errorCodeOf,
  type LoadResult,
  type ModelLocation,
  type WorkerRunResult,
} from '../../workers/api.ts';
import { LensEngine, type LoadOptions } from '../../workers/engine/engine.ts';
import type { OrtRuntime } from '../../workers/engine/ortRuntime.ts';
import type { LensRequest, ModelFiles } from '../../workers/engine/types.ts';
import { runExperimentRequest } from '../../workers/loader/experimentRunner.ts';
import { singleToken } from '../../workers/tokenLookup.ts';

/** The runtime the engine loads on; the app's store sees it as 'wasm' either way. */
export interface InProcessRuntime {
  ort: OrtRuntime;
  options: LoadOptions;
}

/** onnxruntime-node on the CPU, imported on first use (the bench's wasm runs never load it). */
async function nodeCpuRuntime(): Promise<InProcessRuntime> {
  const ortNode = await import('onnxruntime-node');
  const ort = ((ortNode as { default?: unknown }).default ?? ortNode) as OrtRuntime;
  return { ort, options: { executionProviders: ['cpu'], backend: 'wasm' } };
}

export interface InProcessClient extends EngineClient {
  calls: Array<{ method: string; request?: LensRequest; location?: ModelLocation }>;
  /** Runs started and how many were aborted by their signal. */
  aborted: number;
  /** The next load rejects with this code (e.g. 'http', 'load-cancelled'). */
  failNextLoad(code: ErrorCode, message?: string): void;
  /** The next run resolves with fellBack set, as after a lost GPU device. */
  fallBackNextRun(reason: string): void;
  /** Every run waits this long before it reaches the engine (time to supersede it). */
  delayRuns(ms: number): void;
  /** inspect() reports this model's files as cached. */
  markCached(name: string): void;
  dispose(): Promise<void>;
}

/** `models` by location: 'builtin' for url locations, the repo for hub ones. */
export function inProcessClient(
  models: Record<string, ModelFiles>,
  runtime?: InProcessRuntime,
): InProcessClient {
  let engine: LensEngine | null = null;
  let loadFailure: { code: ErrorCode; message: string } | null = null;
  let fallBackReason: string | null = null;
  let runDelay = 0;
  /** Repos whose files count as cached (inspect); tests add to it. */
  const cachedRepos = new Set<string>();
  const calls: InProcessClient['calls'] = [];
  const client: InProcessClient = {
    calls,
    aborted: 0,
    failNextLoad: (code, message = `load failed (${code})`) => {
      loadFailure = { code, message };
    },
    fallBackNextRun: (reason) => {
      fallBackReason = reason;
    },
    delayRuns: (ms) => {
      runDelay = ms;
    },
    markCached: (name) => {
      cachedRepos.add(name);
    },
    load: async (location, options = {}) => {
      calls.push({ method: 'load', location });
      options.onProgress?.({ stage: 'fetch', file: 'config.json' });
      await new Promise((r) => setTimeout(r, 1));
      if (options.signal?.aborted) throw new EngineClientError('cancelled', 'load-cancelled');
      if (loadFailure) {
        const failure = loadFailure;
        loadFailure = null;
        // like the worker's host: a failed load leaves the loaded engine as it was
        throw new EngineClientError(failure.message, failure.code, engine !== null);
      }
      const key = location.kind === 'url' ? 'builtin' : location.repo;
      const files = models[key];
      if (!files) throw new EngineClientError(`config.json: HTTP 404 from ${key}`, 'http');
      options.onProgress?.({ stage: 'init', backend: 'wasm' });
      await engine?.dispose();
      const { ort, options: loadOptions } = runtime ?? (await nodeCpuRuntime());
      engine = await LensEngine.load(ort, files, loadOptions);
      return {
        info: engine.info,
        backend: 'wasm',
        backendNote: 'in-process',
        fellBack: false,
        crossOriginIsolated: false,
        wasmThreads: 1,
        timings: { fetchMs: 0, initMs: 0 },
        notes: [],
        blockWeights: 'float32',
      } satisfies LoadResult;
    },
    prepare: async (location) => {
      calls.push({ method: 'prepare', location });
      if (!models[location.repo])
        throw new EngineClientError(`config.json: HTTP 404 from ${location.repo}`, 'http');
      return [];
    },
    deviceLimits: async () => ({ backend: 'wasm', reason: 'in-process' }),
    inspect: async (location) => {
      calls.push({ method: 'inspect', location });
      const name = location.kind === 'hub' ? location.name : 'builtin';
      const files = models[location.kind === 'url' ? 'builtin' : location.repo];
      if (!files) throw new EngineClientError(`config.json: HTTP 404 from ${name}`, 'http');
      const bytes = files.safetensors.byteLength ?? 0;
      return { name, bytes, cached: cachedRepos.has(name), fit: null };
    },
    memory: async () => (engine ? engine.memory() : null),
    tokenize: async (text) => {
      if (!engine) throw new EngineClientError('no model is loaded', 'no-model');
      try {
        return engine.tokenize(text);
      } catch (error) {
        throw new EngineClientError((error as Error).message, errorCodeOf(error));
      }
    },
    tokenIdOf: async (text) => {
      const e = engine;
      if (!e) throw new EngineClientError('no model is loaded', 'no-model');
      try {
        return singleToken(
          { encode: (t) => e.tokenizer.encode(t), tokenText: (id) => e.tokenText(id) },
          text,
        );
      } catch (error) {
        throw new EngineClientError((error as Error).message, errorCodeOf(error));
      }
    },
    run: async (request, options = {}) => {
      calls.push({ method: 'run', request });
      if (!engine) throw new EngineClientError('no model is loaded', 'no-model');
      const signal = options.signal;
      signal?.addEventListener('abort', () => client.aborted++, { once: true });
      if (runDelay > 0) await new Promise((r) => setTimeout(r, runDelay));
      try {
        const result: WorkerRunResult = await engine.run(request, {
          ...(options.onChunk ? { onChunk: options.onChunk } : {}),
          ...(options.onState ? { onState: options.onState } : {}),
          ...(signal ? { signal } : {}),
        });
        if (fallBackReason) {
          result.fellBack = { from: 'webgpu', reason: fallBackReason };
          fallBackReason = null;
        }
        return result;
      } catch (error) {
        throw new EngineClientError((error as Error).message, errorCodeOf(error));
      }
    },
    runExperiment: async (request, options = {}) => {
      calls.push({ method: 'runExperiment' });
      const e = engine;
      if (!e) throw new EngineClientError('no model is loaded', 'no-model');
      const { onProgress, onResults, signal, ...runOptions } = options;
      try {
        // the worker's own runner, on this process's engine
        return await runExperimentRequest(e, request, runOptions, {
          signal: signal ?? new AbortController().signal,
          onProgress,
          onResults,
        });
      } catch (error) {
        throw new EngineClientError((error as Error).message, errorCodeOf(error));
      }
    },
    decodeVectors: async (vectors, topK) => {
      calls.push({ method: 'decodeVectors' });
      if (!engine) throw new EngineClientError('no model is loaded', 'no-model');
      return engine.decodeVectors(vectors, topK);
    },
    debugLoseDevice: async () => 'nothing to lose',
    terminate: () => {},
    onWorkerLost: () => () => {},
    dispose: async () => {
      await engine?.dispose();
      engine = null;
    },
  };
  return client;
}
