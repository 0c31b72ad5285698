/**
 * The engine worker: owns onnxruntime-web and the LensEngine, so inference never blocks the UI.
 * ORT runs inside this worker directly (not env.wasm.proxy); its wasm/glue files are served by Vite
 * from our own origin (no CDN), which also keeps COEP require-corp happy.
 *
 * Backends: WebGPU when an adapter exists, else wasm. When WebGPU fails later (the device is lost, or
 * ORT errors on a run), the worker reloads the same files on wasm and retries the run once; the result
 * says so (`fellBack`), and the app keeps its state.
 */
import * as Comlink from 'comlink';
import webgpuGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import webgpuBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import wasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { checkFits, type FitLimits, GPT2_FILES } from '../models/hub/catalogue.ts';
import {
  cacheStorageFileCache,
  DownloadError,
  downloadModelFiles,
  type FileReport,
  modelFilesFromDownload,
} from '../models/hub/download.ts';
import {
  type BrowserBackend,
  type DeviceLimits,
  type EngineWorkerApi,
  type HubLocation,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  type ModelLocation,
  toWorkerErrorPayload,
  WorkerError,
  type WorkerRunResult,
} from './api.ts';
import { LensEngine } from './engine/engine.ts';
import type { OrtRuntime } from './engine/ortRuntime.ts';
import { EngineError, type LensResult, type ModelFiles, type StateResult } from './engine/types.ts';
import { singleToken } from './tokenLookup.ts';

type OrtModule = typeof import('onnxruntime-web/wasm');

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
}
interface NavigatorWithGpu {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
  deviceMemory?: number;
}
interface GpuDeviceLike {
  destroy?: () => void;
  lost?: Promise<{ reason?: string; message?: string }>;
}

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

async function findAdapter(): Promise<{ adapter?: GpuAdapterLike; reason: string }> {
  const gpu = (navigator as unknown as NavigatorWithGpu).gpu;
  if (!gpu) return { reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { reason: 'WebGPU is present but no adapter is available' };
    return { adapter, reason: 'WebGPU adapter found' };
  } catch (error) {
    return { reason: `requestAdapter() failed: ${(error as Error).message}` };
  }
}

function describeAdapter(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.description].filter((p) => p);
  if (adapter.isFallbackAdapter) parts.push('fallback adapter');
  return parts.join(' / ') || 'unknown adapter';
}

function deviceMemoryBytes(): number | undefined {
  const gib = (navigator as unknown as NavigatorWithGpu).deviceMemory;
  return typeof gib === 'number' && gib > 0 ? gib * 1024 ** 3 : undefined;
}

/** The backend a load will try first, and the limits checkFits needs for it. */
async function probeDevice(options: LoadOptions): Promise<DeviceLimits & { found?: GpuAdapterLike }> {
  const memory = deviceMemoryBytes();
  const base: FitLimits = { backend: 'wasm', ...(memory ? { deviceMemoryBytes: memory } : {}) };
  if (stickyWasm) return { ...base, reason: stickyWasm };
  if (options.backend === 'wasm') return { ...base, reason: 'wasm requested' };
  const found = await findAdapter();
  if (!found.adapter) {
    // forced webgpu without an adapter: session creation will fail and fall back; fit as wasm
    return { ...base, reason: found.reason };
  }
  const limits = found.adapter.limits ?? {};
  return {
    ...base,
    backend: 'webgpu',
    ...(limits.maxBufferSize ? { maxBufferSize: limits.maxBufferSize } : {}),
    ...(limits.maxStorageBufferBindingSize
      ? { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize }
      : {}),
    reason: found.reason,
    adapter: describeAdapter(found.adapter),
    found: found.adapter,
  };
}

async function fetchOk(url: URL, signal: AbortSignal): Promise<Response> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`fetching ${url.pathname} failed: HTTP ${response.status}`);
  return response;
}

async function fetchFolder(
  baseUrl: string,
  name: string,
  signal: AbortSignal,
  onProgress: ((p: LoadProgress) => void) | undefined,
): Promise<ModelFiles> {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, self.location.href);
  const get = async <T>(file: string, read: (r: Response) => Promise<T>): Promise<T> => {
    onProgress?.({ stage: 'fetch', file });
    return read(await fetchOk(new URL(file, base), signal));
  };
  const [config, safetensors, tokenizer] = await Promise.all([
    get('config.json', (r) => r.json() as Promise<unknown>),
    get('model.safetensors', async (r) => new Uint8Array(await r.arrayBuffer())),
    get('tokenizer.json', (r) => r.json() as Promise<unknown>),
  ]);
  return { name, config, safetensors, tokenizer };
}

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

interface Loaded {
  engine: LensEngine;
  ort: OrtModule;
  backend: BrowserBackend;
  /** Kept so that a lost GPU device can be replaced by wasm without fetching again. */
  files: ModelFiles;
  /** Bumped per load: a late device.lost of an old engine must not touch the new one. */
  generation: number;
}

let current: Loaded | null = null;
let generation = 0;
/** Set when the WebGPU device was lost: the next run reloads on wasm first. */
let deviceLost: string | null = null;
/** After a device loss, later loads go straight to wasm (the device would be lost again). */
let stickyWasm: string | null = null;
/** Test hook where ORT's device is unreachable: the next WebGPU run throws as a lost device would. */
let simulateLoss = false;
/** One fallback at a time: concurrent failures share it. */
let fallingBack: Promise<void> | null = null;
const runs = new Map<number, AbortController>();
const loads = new Map<number, AbortController>();
/** Loads run one after another, so two overlapping loads cannot both install an engine. */
let loadQueue: Promise<unknown> = Promise.resolve();

function requireLoaded(): Loaded {
  if (!current) throw new EngineError('no model is loaded', 'no-model');
  return current;
}

/** Comlink would strip an error down to message/name/stack; throw a plain object instead. */
async function guard<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toWorkerErrorPayload(error);
  }
}

async function createEngine(files: ModelFiles, backend: BrowserBackend): Promise<Loaded> {
  const ort = await ortBuilds[backend]();
  const engine = await LensEngine.load(ort as unknown as OrtRuntime, files, {
    executionProviders: [backend],
    backend,
    // errors only: ORT warns on every session that shape ops run on the CPU, which is by design
    sessionOptions: { logSeverityLevel: 3 },
  });
  const loaded: Loaded = { engine, ort, backend, files, generation: ++generation };
  if (backend === 'webgpu') watchDevice(loaded);
  return loaded;
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

function watchDevice(loaded: Loaded): void {
  const device = ortDevice(loaded.ort);
  device?.lost
    ?.then((info) => {
      if (current?.generation !== loaded.generation) return;
      deviceLost = `the GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
    })
    .catch(() => undefined);
}

async function release(loaded: Loaded | null): Promise<void> {
  // a lost device can make releasing its sessions throw: the engine is gone either way
  await loaded?.engine.dispose().catch((error: unknown) => {
    console.warn('[lenslab] releasing the previous engine failed', error);
  });
}

/** A Hub model's files, from the cache or the network, verified; refused first when they cannot run here. */
async function downloadHub(
  location: HubLocation,
  probe: FitLimits,
  signal: AbortSignal,
  onProgress: ((p: LoadProgress) => void) | undefined,
): Promise<{ files: Map<string, Uint8Array>; report: FileReport[]; notes: string[] }> {
  const notes: string[] = [];
  if (location.expected) {
    // refuse before downloading gigabytes that cannot run here
    const fit = checkFits({ ...location.expected, name: location.name }, probe);
    if (!fit.ok) throw new WorkerError(`${location.name} cannot run here: ${fit.reason}`, 'model-too-large');
    notes.push(...fit.warnings);
  }
  const cache = typeof self.caches === 'undefined' ? undefined : cacheStorageFileCache();
  if (!cache) notes.push('Cache Storage is not available here: files are not cached between visits');
  try {
    const download = await downloadModelFiles({
      hubUrl: location.hubUrl,
      repo: location.repo,
      revision: location.revision,
      files: GPT2_FILES,
      ...(cache ? { cache } : {}),
      signal,
      onProgress: (p) => onProgress?.({ stage: 'download', ...p }),
    });
    for (const r of download.report) {
      if (r.refetchedBecause) notes.push(`${r.file}: the cached copy was unusable (${r.refetchedBecause})`);
      if (r.cacheError) notes.push(`${r.file}: could not be cached (${r.cacheError})`);
    }
    return { ...download, notes };
  } catch (error) {
    if (error instanceof DownloadError && error.code === 'cancelled')
      throw new WorkerError(error.message, 'load-cancelled');
    throw error;
  }
}

async function loadModel(
  location: ModelLocation,
  options: LoadOptions,
  onProgress: ((p: LoadProgress) => void) | undefined,
  signal: AbortSignal,
): Promise<LoadResult> {
  wasmThreads = options.wasmThreads;
  const notes: string[] = [];
  const fetchStart = performance.now();
  const probe = await probeDevice(options);
  let files: ModelFiles;
  let reports: FileReport[] | undefined;
  if (location.kind === 'hub') {
    const download = await downloadHub(location, probe, signal, onProgress);
    notes.push(...download.notes);
    reports = download.report;
    files = modelFilesFromDownload(location.name, download.files);
  } else {
    const name = location.name ?? location.baseUrl.replace(/\/+$/, '').split('/').pop() ?? 'model';
    try {
      files = await fetchFolder(location.baseUrl, name, signal, onProgress);
    } catch (error) {
      if (signal.aborted) throw new WorkerError(`Loading ${name} was cancelled`, 'load-cancelled');
      throw error;
    }
  }
  if (signal.aborted) throw new WorkerError(`Loading ${files.name} was cancelled`, 'load-cancelled');

  // the new files are here: only now drop the previous model (a failed download keeps it)
  for (const controller of runs.values()) controller.abort();
  const previous = current;
  current = null;
  await release(previous);

  const initStart = performance.now();
  let note = probe.reason;
  let fellBack = false;
  let loaded: Loaded | null = null;
  const wantWebgpu = !stickyWasm && (options.backend ? options.backend === 'webgpu' : !!probe.found);
  if (wantWebgpu) {
    onProgress?.({ stage: 'init', backend: 'webgpu' });
    try {
      loaded = await createEngine(files, 'webgpu');
      note = `WebGPU: ${probe.adapter ?? 'no adapter seen'}`;
    } catch (error) {
      fellBack = true;
      note = `WebGPU failed, using wasm: ${(error as Error).message ?? String(error)}`;
      console.warn(`[lenslab] ${note}`);
    }
  }
  if (!loaded) {
    onProgress?.({ stage: 'init', backend: 'wasm' });
    loaded = await createEngine(files, 'wasm');
  }
  current = loaded;
  deviceLost = null;
  simulateLoss = false;
  const done = performance.now();
  return {
    info: loaded.engine.info,
    backend: loaded.engine.backend,
    backendNote: note,
    fellBack,
    ...(probe.adapter ? { adapter: probe.adapter } : {}),
    crossOriginIsolated: self.crossOriginIsolated,
    // ORT settles the count at init: above 1 only when cross-origin isolated
    wasmThreads: loaded.ort.env.wasm.numThreads ?? 1,
    timings: { fetchMs: initStart - fetchStart, initMs: done - initStart },
    ...(reports ? { files: reports } : {}),
    notes,
  };
}

/** Replaces a WebGPU engine by a wasm one built from the same files (no fetch). */
function fallBackToWasm(reason: string): Promise<void> {
  fallingBack ??= (async () => {
    const broken = current;
    if (broken?.backend !== 'webgpu') return;
    console.warn(`[lenslab] ${reason}: reloading the model on wasm`);
    stickyWasm = `WebGPU stopped working earlier in this session (${reason}); using wasm`;
    current = null;
    await release(broken);
    current = await createEngine(broken.files, 'wasm');
    deviceLost = null;
    simulateLoss = false;
  })().finally(() => {
    fallingBack = null;
  });
  return fallingBack;
}

/** Errors that say something about the request, not the device: no point retrying elsewhere. */
function isRequestError(error: unknown): boolean {
  return error instanceof EngineError && error.code !== 'device-lost';
}

/**
 * Runs `work` on the current engine; on WebGPU, a lost device or an ORT failure reloads the model on
 * wasm and retries once. Returns the reason when it fell back.
 */
async function withFallback<T>(
  work: (engine: LensEngine) => Promise<T>,
  signal?: AbortSignal,
): Promise<{ value: T; fellBack?: string }> {
  if (fallingBack) await fallingBack;
  let loaded = requireLoaded();
  let reason: string | undefined;
  if (loaded.backend === 'webgpu' && deviceLost) {
    reason = deviceLost;
    await fallBackToWasm(reason);
    loaded = requireLoaded();
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
    reason = deviceLost ?? `WebGPU run failed: ${(error as Error).message ?? String(error)}`;
    await fallBackToWasm(reason);
    const value = await work(requireLoaded().engine);
    return { value, fellBack: reason };
  }
}

const api: EngineWorkerApi = {
  load: (location, options = {}, onProgress, loadId) => {
    const controller = new AbortController();
    loads.set(loadId, controller);
    const next = loadQueue.then(() =>
      guard(() => loadModel(location, options ?? {}, onProgress, controller.signal)).finally(() => {
        loads.delete(loadId);
        (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
      }),
    );
    loadQueue = next.catch(() => {});
    return next;
  },

  cancelLoad: (loadId) => {
    loads.get(loadId)?.abort();
  },

  prepare: (location, options = {}, onProgress, loadId) => {
    const controller = new AbortController();
    loads.set(loadId, controller);
    return guard(async () => {
      const probe = await probeDevice(options ?? {});
      // the bytes are in the cache now; this worker keeps none of them
      return (await downloadHub(location, probe, controller.signal, onProgress)).report;
    }).finally(() => {
      loads.delete(loadId);
      (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
    });
  },

  deviceLimits: (options = {}) =>
    guard(async () => {
      const { found: _found, ...limits } = await probeDevice(options ?? {});
      return limits;
    }),

  tokenize: (text) => guard(() => requireLoaded().engine.tokenize(text)),

  tokenIdOf: (text) =>
    guard(() => {
      const { engine } = requireLoaded();
      return singleToken(
        { encode: (t) => engine.tokenizer.encode(t), tokenText: (id) => engine.tokenText(id) },
        text,
      );
    }),

  run: (request, onState, runId, onChunk) =>
    guard(async () => {
      const controller = new AbortController();
      runs.set(runId, controller);
      try {
        // not awaited one by one (a slow UI must not stall the engine), but all delivered before the
        // result: callbacks travel on their own MessagePort, which does not keep order with the reply
        const delivered: Promise<unknown>[] = [];
        const { value: result, fellBack } = await withFallback(
          (engine) =>
            engine.run(request, {
              onState: onState
                ? (state: StateResult) => void delivered.push(Promise.resolve(onState(state)).catch(() => {}))
                : undefined,
              onChunk: onChunk
                ? (states: StateResult[]) =>
                    void delivered.push(Promise.resolve(onChunk(states)).catch(() => {}))
                : undefined,
              signal: controller.signal,
            }),
          controller.signal,
        );
        await Promise.all(delivered);
        const out: WorkerRunResult = fellBack
          ? { ...result, fellBack: { from: 'webgpu', reason: fellBack } }
          : result;
        return Comlink.transfer(out, transferablesOf(result));
      } finally {
        runs.delete(runId);
        for (const callback of [onState, onChunk])
          (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
      }
    }),

  cancel: (runId) => {
    runs.get(runId)?.abort();
  },

  decodeVectors: (vectors, topK) =>
    guard(async () => (await withFallback((engine) => engine.decodeVectors(vectors, topK))).value),

  debugLoseDevice: () =>
    guard(async () => {
      const loaded = requireLoaded();
      if (loaded.backend !== 'webgpu') return `nothing to lose: the model runs on ${loaded.backend}`;
      const device = ortDevice(loaded.ort);
      if (device?.destroy) {
        device.destroy();
        // device.lost resolves asynchronously; the next run must not race it
        deviceLost ??= 'the GPU device was lost (destroyed by debugLoseDevice)';
        return "destroyed ORT's GPUDevice";
      }
      // this ORT build does not expose its device (env.webgpu.device unset): fake the loss instead
      simulateLoss = true;
      return "ORT's GPUDevice is not reachable in this build: the next run throws a device-lost error";
    }),

  dispose: () =>
    guard(async () => {
      for (const controller of runs.values()) controller.abort();
      const previous = current;
      current = null;
      await release(previous);
    }),
};

Comlink.expose(api);
