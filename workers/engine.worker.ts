/**
 * The engine worker: owns onnxruntime-web and the engine, so inference never blocks the UI. This file
 * is a shim: it gives the engine service (workers/loader/) the browser's pieces (the two ORT builds,
 * the WebGPU adapter, fetch and Cache Storage) and exposes it over comlink, moving errors and buffers
 * across. ORT runs inside this worker (not env.wasm.proxy); its wasm/glue files are served by Vite from
 * our own origin (no CDN), which also keeps COEP require-corp happy.
 */
import * as Comlink from 'comlink';
import webgpuGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import webgpuBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import wasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { cacheStorageFileCache } from '../models/hub/download.ts';
import {
  type BrowserBackend,
  type EngineWorkerApi,
  type ExperimentExampleResult,
  toWorkerErrorPayload,
  type WorkerRunResult,
} from './api.ts';
import type { OrtRuntime } from './engine/ortRuntime.ts';
import type { LensResult, StateResult } from './engine/types.ts';
import { probeBrowserDevice } from './loader/browserDevice.ts';
import { createEngineService } from './loader/engineService.ts';
import type { GpuDeviceLike, Runtime } from './loader/modelHost.ts';

type OrtModule = typeof import('onnxruntime-web/wasm');

/**
 * Two ORT builds, each imported only when needed: the WebGPU one (native WebGPU EP, asyncify wasm)
 * and the plain wasm one: half the download (14 MB vs 27 MB) and no asyncify instrumentation.
 * They are separate module instances, so a wasm fallback does not share state with a broken WebGPU one.
 */
const ortBuilds: Record<BrowserBackend, () => Promise<OrtModule>> = {
  webgpu: async () => configureOrt(await import('onnxruntime-web/webgpu'), webgpuGlueUrl, webgpuBinaryUrl),
  wasm: async () => configureOrt(await import('onnxruntime-web/wasm'), wasmGlueUrl, wasmBinaryUrl),
};

let wasmThreads: number | undefined;

function configureOrt(ort: OrtModule, mjs: string, wasm: string): OrtModule {
  // read once, when ORT initialises its wasm on the first session
  if (wasmThreads !== undefined) ort.env.wasm.numThreads = wasmThreads;
  // absolute URLs: ORT resolves them against its own module, not the page
  ort.env.wasm.wasmPaths = {
    mjs: new URL(mjs, self.location.href).href,
    wasm: new URL(wasm, self.location.href).href,
  };
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return ort;
}

/** ORT sets env.webgpu.device once its first WebGPU session exists (the asyncify build). */
function ortDevice(ort: OrtModule): GpuDeviceLike | undefined {
  try {
    const device = (ort.env.webgpu as { device?: unknown } | undefined)?.device;
    return device && typeof device === 'object' ? (device as GpuDeviceLike) : undefined;
  } catch {
    return undefined;
  }
}

async function runtimeFor(backend: BrowserBackend, threads: number | undefined): Promise<Runtime> {
  wasmThreads = threads;
  const ort = await ortBuilds[backend]();
  return {
    ort: ort as unknown as OrtRuntime,
    executionProviders: [backend],
    // errors only: ORT warns on every session that shape ops run on the CPU, which is by design
    sessionOptions: { logSeverityLevel: 3 },
    // ORT settles the count at init: above 1 only when cross-origin isolated
    threads: () => ort.env.wasm.numThreads ?? 1,
    device: () => ortDevice(ort),
  };
}

/** The worker's memory, where the browser measures it (cross-origin isolated Chrome). */
async function measureMemory(): Promise<number | undefined> {
  const measure = (performance as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
    .measureUserAgentSpecificMemory;
  return measure ? (await measure.call(performance)).bytes : undefined;
}

const service = createEngineService({
  runtime: (backend, options) => runtimeFor(backend, options.wasmThreads),
  probe: (options) => probeBrowserDevice(options),
  files: {
    fetch: globalThis.fetch.bind(globalThis),
    ...(typeof self.caches === 'undefined' ? {} : { cache: cacheStorageFileCache() }),
    baseUrl: self.location.href,
  },
  crossOriginIsolated: self.crossOriginIsolated,
  measureMemory,
  log: (message) => console.warn(`[lenslab] ${message}`),
});

/** Only owned ArrayBuffers move; a SharedArrayBuffer (wasm memory) cannot be transferred. */
function transferablesOf(result: LensResult): Transferable[] {
  const buffers = new Set<ArrayBuffer>();
  for (const prompt of result.prompts) {
    for (const array of [...(prompt.capture?.ffn ?? []), ...(prompt.capture?.attn ?? [])]) {
      if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
    }
  }
  return [...buffers];
}

/** Comlink would strip an error down to message/name/stack; throw a plain object instead. */
async function guard<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toWorkerErrorPayload(error);
  }
}

const releaseProxy = (callback: unknown): void => {
  (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
};

const api: EngineWorkerApi = {
  load: (location, options, onProgress, loadId) =>
    guard(() => service.load(location, options ?? {}, onProgress, loadId)).finally(() =>
      releaseProxy(onProgress),
    ),
  cancelLoad: (loadId) => service.cancelLoad(loadId),
  prepare: (location, options, onProgress, loadId) =>
    guard(() => service.prepare(location, options ?? {}, onProgress, loadId)).finally(() =>
      releaseProxy(onProgress),
    ),
  inspect: (location, options) => guard(() => service.inspect(location, options ?? {})),
  memory: () => guard(() => service.memory()),
  deviceLimits: (options) => guard(() => service.deviceLimits(options ?? {})),
  tokenize: (text) => guard(() => service.tokenize(text)),
  tokenIdOf: (text) => guard(() => service.tokenIdOf(text)),
  run: (request, onState, runId, onChunk) =>
    guard(async () => {
      // callbacks are not awaited one by one (a slow UI must not stall the engine), but all are
      // delivered before the result: they travel on their own MessagePort, out of order with the reply
      const delivered: Promise<unknown>[] = [];
      const relay =
        <A>(callback: ((a: A) => unknown) | undefined) =>
        (value: A) =>
          void delivered.push(Promise.resolve(callback?.(value)).catch(() => {}));
      try {
        const result: WorkerRunResult = await service.run(
          request,
          {
            ...(onState ? { onState: relay(onState) } : {}),
            ...(onChunk ? { onChunk: relay<StateResult[]>(onChunk) } : {}),
          },
          runId,
        );
        await Promise.all(delivered);
        return Comlink.transfer(result, transferablesOf(result));
      } finally {
        releaseProxy(onState);
        releaseProxy(onChunk);
      }
    }),
  cancel: (runId) => service.cancel(runId),
  runExperiment: (request, options, onProgress, onResults, runId) =>
    guard(async () => {
      // as for run: batches' results reach the app (which stores them) before the final result
      const delivered: Promise<unknown>[] = [];
      const relay = onResults
        ? (results: ExperimentExampleResult[]) =>
            void delivered.push(Promise.resolve(onResults(results)).catch(() => {}))
        : undefined;
      const outcome = await service.runExperiment(request, options ?? {}, onProgress, relay, runId);
      await Promise.all(delivered);
      return outcome;
    }).finally(() => {
      releaseProxy(onProgress);
      releaseProxy(onResults);
    }),
  decodeVectors: (vectors, topK) => guard(() => service.decodeVectors(vectors, topK)),
  debugLoseDevice: () => guard(() => service.debugLoseDevice()),
  dispose: () => guard(() => service.dispose()),
};

Comlink.expose(api);
