/**
 * The engine worker: owns onnxruntime-web and the LensEngine, so inference never blocks the UI.
 * ORT runs inside this worker directly (not env.wasm.proxy); its wasm/glue files are served by Vite
 * from our own origin (no CDN), which also keeps COEP require-corp happy.
 */
import * as Comlink from 'comlink';
import webgpuGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import webgpuBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import wasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import {
  type BrowserBackend,
  type EngineWorkerApi,
  type LoadOptions,
  type LoadResult,
  toWorkerErrorPayload,
} from './api.ts';
import { LensEngine } from './engine/engine.ts';
import type { OrtRuntime } from './engine/ortRuntime.ts';
import {
  EngineError,
  type LensRequest,
  type LensResult,
  type ModelFiles,
  type StateResult,
} from './engine/types.ts';

type OrtModule = typeof import('onnxruntime-web/wasm');

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
}
interface NavigatorWithGpu {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
}

/**
 * Two ORT builds, each imported only when needed: the WebGPU one (native WebGPU EP, asyncify wasm)
 * and the plain wasm one: half the download (14 MB vs 27 MB) and no asyncify instrumentation.
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

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url.pathname} failed: HTTP ${response.status}`);
  return response;
}

async function fetchModelFiles(baseUrl: string, name: string): Promise<ModelFiles> {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, self.location.href);
  const [config, safetensors, tokenizer] = await Promise.all([
    fetchOk(new URL('config.json', base)).then((r) => r.json() as Promise<unknown>),
    fetchOk(new URL('model.safetensors', base)).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(new URL('tokenizer.json', base)).then((r) => r.json() as Promise<unknown>),
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

let engine: LensEngine | null = null;
const runs = new Map<number, AbortController>();
/** Loads run one after another, so two overlapping loads cannot both install an engine. */
let loadQueue: Promise<unknown> = Promise.resolve();

function requireEngine(): LensEngine {
  if (!engine) throw new EngineError('no model is loaded', 'no-model');
  return engine;
}

/** Comlink would strip an error down to message/name/stack; throw a plain object instead. */
async function guard<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toWorkerErrorPayload(error);
  }
}

async function loadEngine(
  files: ModelFiles,
  backend: BrowserBackend,
): Promise<{ engine: LensEngine; ort: OrtModule }> {
  const ort = await ortBuilds[backend]();
  const engine = await LensEngine.load(ort as unknown as OrtRuntime, files, {
    executionProviders: [backend],
    backend,
    // errors only: ORT warns on every session that shape ops run on the CPU, which is by design
    sessionOptions: { logSeverityLevel: 3 },
  });
  return { engine, ort };
}

async function loadModel(modelBaseUrl: string, options: LoadOptions): Promise<LoadResult> {
  for (const controller of runs.values()) controller.abort();
  const previous = engine;
  engine = null;
  await previous?.dispose();
  wasmThreads = options.wasmThreads;
  const name = options.name ?? modelBaseUrl.replace(/\/+$/, '').split('/').pop() ?? 'model';
  const fetchStart = performance.now();
  const files = await fetchModelFiles(modelBaseUrl, name);
  const initStart = performance.now();
  const found = await findAdapter();
  let note = found.reason;
  let fellBack = false;
  let loaded: { engine: LensEngine; ort: OrtModule } | null = null;
  const wantWebgpu = options.backend ? options.backend === 'webgpu' : found.adapter !== undefined;
  if (options.backend === 'wasm') note = 'wasm requested';
  if (wantWebgpu) {
    try {
      loaded = await loadEngine(files, 'webgpu');
      note = `WebGPU: ${found.adapter ? describeAdapter(found.adapter) : 'no adapter seen'}`;
    } catch (error) {
      fellBack = true;
      note = `WebGPU failed, using wasm: ${(error as Error).message ?? String(error)}`;
      console.warn(`[lenslab] ${note}`);
    }
  }
  loaded ??= await loadEngine(files, 'wasm');
  engine = loaded.engine;
  const done = performance.now();
  return {
    info: loaded.engine.info,
    backend: loaded.engine.backend,
    backendNote: note,
    fellBack,
    ...(found.adapter ? { adapter: describeAdapter(found.adapter) } : {}),
    crossOriginIsolated: self.crossOriginIsolated,
    // ORT settles the count at init: above 1 only when cross-origin isolated
    wasmThreads: loaded.ort.env.wasm.numThreads ?? 1,
    timings: { fetchMs: initStart - fetchStart, initMs: done - initStart },
  };
}

const api: EngineWorkerApi = {
  load: (modelBaseUrl: string, options: LoadOptions = {}) => {
    const next = loadQueue.then(() => guard(() => loadModel(modelBaseUrl, options)));
    loadQueue = next.catch(() => {});
    return next;
  },

  tokenize: (text: string) => guard(() => requireEngine().tokenize(text)),

  run: (request: LensRequest, onState: ((state: StateResult) => void) | undefined, runId: number) =>
    guard(async () => {
      const current = requireEngine();
      const controller = new AbortController();
      runs.set(runId, controller);
      try {
        // not awaited one by one (a slow UI must not stall the engine), but all delivered before the
        // result: callbacks travel on their own MessagePort, which does not keep order with the reply
        const delivered: Promise<unknown>[] = [];
        const result = await current.run(request, {
          onState: onState
            ? (state) => void delivered.push(Promise.resolve(onState(state)).catch(() => {}))
            : undefined,
          signal: controller.signal,
        });
        await Promise.all(delivered);
        return Comlink.transfer(result, transferablesOf(result));
      } finally {
        runs.delete(runId);
        (onState as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
      }
    }),

  cancel: (runId: number) => {
    runs.get(runId)?.abort();
  },

  dispose: () =>
    guard(async () => {
      for (const controller of runs.values()) controller.abort();
      const current = engine;
      engine = null;
      await current?.dispose();
    }),
};

Comlink.expose(api);
