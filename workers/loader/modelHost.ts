/**
 * Holds the loaded model and everything about getting one: the device probe, the fit check, the
 * files, the sessions, the WebGPU -> wasm fallback, and the rule that a failed load, of any kind,
 * leaves the model that was working loaded (kept while the files download; rebuilt from the cache
 * when the new sessions fail after the old ones were released). Plain TS over injected dependencies:
 * the worker gives it the browser's, the tests give it Node's, with the real engine either way.
 */
import { checkFits, type FitLimits, type FitResult, type Precision } from '../../models/hub/fit.ts';
import type {
  BrowserBackend,
  DeviceLimits,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelInspection,
  ModelLocation,
} from '../api.ts';
import { WorkerError } from '../api.ts';
import { LensEngine, type LoadStep } from '../engine/engine.ts';
import type { InferenceSession, OrtRuntime } from '../engine/ortRuntime.ts';
import { EngineError, type ModelFiles } from '../engine/types.ts';
import { loadError } from './loadErrors.ts';
import { acquireFiles, type FileSource, inspectHub, shapeOf } from './modelFiles.ts';

export interface GpuDeviceLike {
  destroy?: () => void;
  lost?: Promise<{ reason?: string; message?: string }>;
}

/** One onnxruntime build for one backend. */
export interface Runtime {
  ort: OrtRuntime;
  executionProviders: string[];
  sessionOptions?: InferenceSession.SessionOptions;
  /** The wasm threads it settled on. */
  threads(): number;
  /** The GPU device, once a WebGPU session exists (to watch for its loss). */
  device?(): GpuDeviceLike | undefined;
}

/** What a load would use: the backend's limits, and whether a WebGPU adapter exists. */
export interface DeviceProbe extends DeviceLimits {
  hasAdapter: boolean;
}

export interface HostDeps {
  runtime(backend: BrowserBackend, options: LoadOptions): Promise<Runtime>;
  probe(options: LoadOptions): Promise<DeviceProbe>;
  files: FileSource;
  crossOriginIsolated: boolean;
  log?(message: string): void;
}

export interface Loaded {
  engine: LensEngine;
  runtime: Runtime;
  backend: BrowserBackend;
  location: ModelLocation;
  options: LoadOptions;
  blockWeights: Precision;
  name: string;
  /** Bumped per load: a late device.lost of an old engine must not touch the new one. */
  generation: number;
}

const nameOf = (location: ModelLocation): string =>
  location.kind === 'hub'
    ? location.name
    : (location.name ?? location.baseUrl.replace(/\/+$/, '').split('/').pop() ?? 'model');

export class ModelHost {
  current: Loaded | null = null;
  private generation = 0;
  /** Loads run one after another, so two overlapping loads cannot both install an engine. */
  private queue: Promise<unknown> = Promise.resolve();
  /** After a device loss, later loads go straight to wasm (the device would be lost again). */
  stickyWasm: string | null = null;
  /** Set when the WebGPU device was lost: the next run reloads on wasm first. */
  deviceLost: string | null = null;
  /** Aborted when a load replaces the engine: runs of the old one stop. */
  readonly onEngineReplaced = new Set<() => void>();

  constructor(private readonly deps: HostDeps) {}

  /** The limits checkFits needs for the backend a load would try first. */
  async probe(options: LoadOptions): Promise<DeviceProbe> {
    const probe = await this.deps.probe(options);
    if (!this.stickyWasm) return probe;
    const { maxBufferSize: _a, maxStorageBufferBindingSize: _b, shaderF16: _c, ...rest } = probe;
    return { ...rest, backend: 'wasm', hasAdapter: false, reason: this.stickyWasm };
  }

  fitLimits(probe: DeviceProbe, options: LoadOptions, backend: BrowserBackend = probe.backend): FitLimits {
    const { reason: _r, adapter: _a, hasAdapter: _h, fallbackAdapter: _f, ...limits } = probe;
    const base =
      backend === 'wasm'
        ? { backend, ...(limits.deviceMemoryBytes ? { deviceMemoryBytes: limits.deviceMemoryBytes } : {}) }
        : limits;
    return { ...base, backend, ...(options.preferFloat16 ? { preferFloat16: true } : {}) };
  }

  inspect(location: ModelLocation, options: LoadOptions = {}): Promise<ModelInspection> {
    const name = nameOf(location);
    return (async () => {
      if (location.kind === 'url') return { name, bytes: 0, cached: true, fit: null };
      const probe = await this.probe(options);
      const found = await inspectHub(this.deps.files, location).catch((error: unknown) => {
        throw loadError(error, 'files', this.current !== null, name);
      });
      let fit: FitResult | null = null;
      try {
        fit = checkFits(shapeOf(found.config, name), this.fitLimits(probe, options));
      } catch {
        fit = null;
      }
      return { name, bytes: found.bytes, cached: found.cached, fit };
    })();
  }

  load(
    location: ModelLocation,
    options: LoadOptions,
    onProgress: ((p: LoadProgress) => void) | undefined,
    signal: AbortSignal,
  ): Promise<LoadResult> {
    const next = this.queue.then(() => this.loadNow(location, options, onProgress, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Downloads a Hub model's files into the cache, keeping none in memory; refused when it cannot run. */
  async prepare(
    location: ModelLocation,
    options: LoadOptions,
    onProgress: ((p: LoadProgress) => void) | undefined,
    signal: AbortSignal,
  ) {
    const probe = await this.probe(options);
    const name = nameOf(location);
    try {
      if (location.kind === 'hub' && location.shape)
        this.fitOrThrow({ ...location.shape, name }, probe, options);
      const acquired = await acquireFiles(this.deps.files, location, {
        signal,
        onProgress,
        keep: 'none',
        check: (shape) => this.fitOrThrow(shape, probe, options),
      });
      return acquired.report ?? [];
    } catch (error) {
      throw loadError(error, 'files', this.current !== null, name);
    }
  }

  private fitOrThrow(
    shape: Parameters<typeof checkFits>[0],
    probe: DeviceProbe,
    options: LoadOptions,
    backend?: BrowserBackend,
  ) {
    const fit = checkFits(shape, this.fitLimits(probe, options, backend));
    if (!fit.ok) throw new WorkerError(`${shape.name} cannot run here: ${fit.reason}`, 'model-too-large');
    return fit;
  }

  private async loadNow(
    location: ModelLocation,
    options: LoadOptions,
    onProgress: ((p: LoadProgress) => void) | undefined,
    signal: AbortSignal,
  ): Promise<LoadResult> {
    const name = nameOf(location);
    const started = performance.now();
    const probe = await this.probe(options);
    let fit: Extract<FitResult, { ok: true }> | undefined;
    let acquired: Awaited<ReturnType<typeof acquireFiles>>;
    try {
      // a catalogue model is checked before any request; every model again on its own config.json
      if (location.kind === 'hub' && location.shape)
        this.fitOrThrow({ ...location.shape, name }, probe, options);
      acquired = await acquireFiles(this.deps.files, location, {
        signal,
        onProgress,
        keep: 'model',
        check: (shape) => {
          fit = this.fitOrThrow(shape, probe, options);
        },
      });
      if (signal.aborted) throw new WorkerError(`Loading ${name} was cancelled`, 'load-cancelled');
    } catch (error) {
      // nothing was released yet: the previous model is untouched
      throw loadError(error, 'files', this.current !== null, name);
    }
    const files = acquired.files!;
    const notes = [...acquired.notes, ...(fit?.warnings ?? [])];

    // the new files are here: only now drop the previous model (two would rarely fit together)
    const previous = this.current;
    for (const stop of this.onEngineReplaced) stop();
    this.current = null;
    await this.release(previous);

    const initStart = performance.now();
    const wantWebgpu =
      !this.stickyWasm && (options.backend ? options.backend === 'webgpu' : probe.hasAdapter);
    let note = probe.reason;
    let fellBack = false;
    let loaded: Loaded | null = null;
    try {
      if (wantWebgpu) {
        try {
          loaded = await this.build(
            files,
            'webgpu',
            location,
            options,
            fit?.blockWeights ?? 'float32',
            onProgress,
          );
          note = `WebGPU: ${probe.adapter ?? 'no adapter seen'}`;
        } catch (error) {
          if (options.simulateSessionOom) throw error;
          fellBack = true;
          note = `WebGPU failed, using wasm: ${(error as Error).message ?? String(error)}`;
          this.deps.log?.(note);
        }
      }
      if (!loaded) {
        // wasm holds less than a GPU: the fit is decided again for it
        const wasmFit = this.fitOrThrow(shapeOf(files.config, name), probe, options, 'wasm');
        if (wasmFit.blockWeights !== fit?.blockWeights) notes.push(...wasmFit.warnings);
        fit = wasmFit;
        loaded = await this.build(files, 'wasm', location, options, wasmFit.blockWeights, onProgress);
      }
    } catch (error) {
      const restored = previous ? await this.restore(previous, onProgress) : false;
      throw loadError(error, 'sessions', restored, name);
    }
    this.current = loaded;
    this.deviceLost = null;
    const initEnd = performance.now();
    onProgress?.({ stage: 'init', backend: loaded.backend, step: 'warm-up' });
    // the first run builds kernels and shaders: paid here, not by the user's first prompt
    await loaded.engine.run({ prompts: [[0]], topK: 1 }).catch(() => undefined);
    const done = performance.now();
    return {
      info: loaded.engine.info,
      backend: loaded.engine.backend,
      backendNote: note,
      fellBack,
      ...(probe.adapter ? { adapter: probe.adapter } : {}),
      crossOriginIsolated: this.deps.crossOriginIsolated,
      wasmThreads: loaded.runtime.threads(),
      timings: { fetchMs: initStart - started, initMs: initEnd - initStart, warmUpMs: done - initEnd },
      ...(acquired.report ? { files: acquired.report } : {}),
      notes,
      blockWeights: loaded.blockWeights,
    };
  }

  /** Builds an engine; `options.simulateSessionOom` makes it fail as an exhausted heap would. */
  private async build(
    files: ModelFiles,
    backend: BrowserBackend,
    location: ModelLocation,
    options: LoadOptions,
    blockWeights: Precision,
    onProgress: ((p: LoadProgress) => void) | undefined,
  ): Promise<Loaded> {
    onProgress?.({ stage: 'init', backend });
    const runtime = await this.deps.runtime(backend, options);
    if (options.simulateSessionOom) {
      throw new RangeError('Out of memory: could not allocate the weights (simulated at session creation)');
    }
    const engine = await LensEngine.load(runtime.ort, files, {
      executionProviders: runtime.executionProviders,
      backend,
      blockWeights,
      ...(runtime.sessionOptions ? { sessionOptions: runtime.sessionOptions } : {}),
      onStep: (step: LoadStep) => onProgress?.({ stage: 'init', backend, step }),
    });
    const loaded: Loaded = {
      engine,
      runtime,
      backend,
      location,
      options,
      blockWeights,
      name: files.name,
      generation: ++this.generation,
    };
    if (backend === 'webgpu') this.watchDevice(loaded);
    return loaded;
  }

  /** Brings `previous` back after a failed load: its files come from the cache (or its folder) again. */
  private async restore(
    previous: Loaded,
    onProgress: ((p: LoadProgress) => void) | undefined,
  ): Promise<boolean> {
    onProgress?.({ stage: 'restore', name: previous.name });
    try {
      const { files } = await acquireFiles(this.deps.files, previous.location, {
        signal: new AbortController().signal,
        keep: 'model',
      });
      const { simulateSessionOom: _s, ...options } = previous.options;
      this.current = await this.build(
        files!,
        previous.backend,
        previous.location,
        options,
        previous.blockWeights,
        undefined,
      );
      return true;
    } catch (error) {
      this.deps.log?.(`restoring ${previous.name} failed: ${(error as Error).message}`);
      return false;
    }
  }

  private watchDevice(loaded: Loaded): void {
    loaded.runtime
      .device?.()
      ?.lost?.then((info) => {
        if (this.current?.generation !== loaded.generation) return;
        this.deviceLost = `the GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
      })
      .catch(() => undefined);
  }

  async release(loaded: Loaded | null): Promise<void> {
    // a lost device can make releasing its sessions throw: the engine is gone either way
    await loaded?.engine.dispose().catch((error: unknown) => {
      this.deps.log?.(`releasing the previous engine failed: ${(error as Error).message}`);
    });
  }

  requireLoaded(): Loaded {
    if (!this.current) throw new EngineError('no model is loaded', 'no-model');
    return this.current;
  }

  /** Replaces a WebGPU engine by a wasm one built from the same files, read again (cache or folder). */
  async fallBackToWasm(reason: string): Promise<void> {
    const broken = this.current;
    if (broken?.backend !== 'webgpu') return;
    this.deps.log?.(`${reason}: reloading the model on wasm`);
    this.stickyWasm = `WebGPU stopped working earlier in this session (${reason}); using wasm`;
    this.current = null;
    await this.release(broken);
    const { files } = await acquireFiles(this.deps.files, broken.location, {
      signal: new AbortController().signal,
      keep: 'model',
    });
    const probe = await this.probe(broken.options);
    const fit = this.fitOrThrow(shapeOf(files!.config, broken.name), probe, broken.options, 'wasm');
    this.current = await this.build(
      files!,
      'wasm',
      broken.location,
      broken.options,
      fit.blockWeights,
      undefined,
    );
    this.deviceLost = null;
  }

  async dispose(): Promise<void> {
    for (const stop of this.onEngineReplaced) stop();
    const previous = this.current;
    this.current = null;
    await this.release(previous);
  }
}
