/**
 * The engine worker's API as the app sees it: plain types, no ORT, so the app can import it.
 * Errors cross the worker boundary as plain objects: Comlink keeps only message/name/stack of an
 * Error, and the app needs the engine's error codes (e.g. 'prompt-too-long').
 */
import { CodedError, type ErrorCode, errorCodeOf, type WorkerErrorCode } from '../models/errors.ts';
import type { DownloadProgress, FileReport } from '../models/hub/download.ts';
import type { FitLimits, FitResult, ModelShape, Precision } from '../models/hub/fit.ts';
import type {
  Backend,
  LensRequest,
  LensResult,
  ModelInfo,
  StateResult,
  Token,
  TopEntry,
} from './engine/types.ts';
import type {
  AblationExampleResult,
  AblationResult,
  AblationSettings,
  ExampleSet,
  OvectorExampleResult,
  OvectorResult,
  OvectorSettings,
  Progress,
  StagesExampleResult,
  StagesResult,
  SweepCell,
  SweepResult,
  SweepSettings,
} from './experiments/index.ts';

export type BrowserBackend = Extract<Backend, 'webgpu' | 'wasm'>;

/** Where the worker gets a checkpoint: a folder URL (the built-in model), or a Hub repository. */
export type HubLocation = Extract<ModelLocation, { kind: 'hub' }>;

export type ModelLocation =
  | { kind: 'url'; baseUrl: string; name?: string }
  | {
      kind: 'hub';
      /** e.g. https://huggingface.co or a loopback server in the Hub's URL layout. */
      hubUrl: string;
      repo: string;
      revision: string;
      /** Shown in ModelInfo and messages, e.g. 'gpt2-medium'. */
      name: string;
      /**
       * The catalogue's shape, when the repo is in it: the fit check runs on it before any request,
       * then again on the repo's own config.json before the weights download.
       */
      shape?: ModelShape;
    };

export interface LoadOptions {
  /** Skip detection; 'webgpu' still falls back to wasm when session creation fails. */
  backend?: BrowserBackend;
  /** ORT wasm threads; default ORT's choice (min(4, cores / 2) when cross-origin isolated, else 1). */
  wasmThreads?: number;
  /** float16 block weights even where float32 fits (?precision=float16); default: only where it must. */
  preferFloat16?: boolean;
  /** Test hook: the next session creation fails as if out of memory (?simulate=oom-at-session). */
  simulateSessionOom?: boolean;
}

/** What a load reports while it runs: the download's progress, then the session build, then warm-up. */
export type LoadProgress =
  | ({ stage: 'download' } & DownloadProgress)
  | { stage: 'fetch'; file: string }
  | { stage: 'init'; backend: BrowserBackend; step?: 'trunk-session' | 'lens-session' | 'warm-up' }
  /** A failed load brings the previous model back (from the cache). */
  | { stage: 'restore'; name: string };

/**
 * Why a load failed (models/errors.ts). Every load error carries one: download and cache, the fit
 * check, a checkpoint or config the engine cannot read ('bad-model'), session creation ('out-of-memory'
 * or 'session-failed'), cancellation.
 */
export type { ErrorCode, LoadErrorCode } from '../models/errors.ts';
export { CodedError, errorCodeOf } from '../models/errors.ts';

/** A model as a link or the picker names it, before anything big is downloaded. */
export interface ModelInspection {
  name: string;
  /** Bytes of the checkpoint's files on the Hub (or in the cache). */
  bytes: number;
  /** Every file is in the cache: loading needs no download. */
  cached: boolean;
  /** Whether it fits this device, and with which precision; null when config.json could not be read. */
  fit: FitResult | null;
}

export interface LoadResult {
  info: ModelInfo;
  backend: Backend;
  /** Why this backend: no adapter, or why WebGPU failed and wasm took over. */
  backendNote: string;
  /** WebGPU was tried and failed. */
  fellBack: boolean;
  /** The WebGPU adapter's description, when one was found. */
  adapter?: string;
  crossOriginIsolated: boolean;
  /** ORT's wasm threads (pthreads need SharedArrayBuffer, hence cross-origin isolation). */
  wasmThreads: number;
  timings: { fetchMs: number; initMs: number; warmUpMs?: number };
  /** Hub loads: where each file came from (cache or network) and how it was verified. */
  files?: FileReport[];
  /** Things worth telling the user: a corrupt cached copy fetched again, fit warnings, ... */
  notes: string[];
  /** How the block weights are held (float16 where float32 does not fit: shown on screen). */
  blockWeights: Precision;
}

/** What the engine worker holds, for the debug panel. */
export interface EngineMemory {
  /** Weights in the runtime's memory (wasm heap or GPU buffers). */
  deviceWeightBytes: number;
  /** Bytes the engine keeps in JS (the embedding tables). */
  jsBytes: number;
  /** The worker's own measure when the browser offers one (performance.measureUserAgentSpecificMemory). */
  measuredBytes?: number;
}

/** What checkFits needs from this browser: the backend a load would use and its limits. */
export interface DeviceLimits extends FitLimits {
  /** Why this backend (no adapter, forced, ...). */
  reason: string;
  adapter?: string;
  /** The adapter is a software fallback (e.g. SwiftShader). */
  fallbackAdapter?: boolean;
}

/** A run's result, plus what happened to the backend on the way (device lost: reloaded on wasm). */
export interface WorkerRunResult extends LensResult {
  /** Set when the run failed on WebGPU and was retried on wasm after reloading the model there. */
  fellBack?: { from: BrowserBackend; reason: string };
}

/**
 * One experiment on one data set (the paper's Figures 3, 5 and 7, and the block-range sweep beyond
 * the paper), run by workers/experiments.
 */
export type ExperimentRequest =
  | { experiment: 'stages'; set: ExampleSet }
  | { experiment: 'ovector'; set: ExampleSet; settings: OvectorSettings }
  | { experiment: 'ablate'; set: ExampleSet; settings: AblationSettings }
  | { experiment: 'sweep'; set: ExampleSet; settings: SweepSettings };

export type ExperimentKind = ExperimentRequest['experiment'];

export type ExperimentOutcome = StagesResult | OvectorResult | AblationResult | SweepResult;

/** An outcome with one result per example (the figures); the sweep's results are per block range. */
export type ExampleOutcome = Exclude<ExperimentOutcome, SweepResult>;

/**
 * One unit's result, whichever experiment: what is stored after each batch and resumed from (an
 * example; a block range's cell for the sweep).
 */
export type ExperimentExampleResult =
  | StagesExampleResult
  | OvectorExampleResult
  | AblationExampleResult
  | SweepCell;

export interface ExperimentRunOptions {
  /** Prompts per engine run (default the module's 32). */
  batchSize?: number;
  /** Results of an earlier, interrupted run under the same key: those examples are not run again. */
  resume?: ExperimentExampleResult[];
}

export interface EngineWorkerApi {
  /**
   * Fetches (or downloads, with the Hub's cache) and loads a model. The previous model stays loaded
   * until the new one is ready: a failed or cancelled load leaves it usable. loadId lets cancelLoad()
   * find the load.
   */
  load(
    location: ModelLocation,
    options: LoadOptions | undefined,
    onProgress: ((progress: LoadProgress) => void) | undefined,
    loadId: number,
  ): Promise<LoadResult>;
  cancelLoad(loadId: number): void;
  /**
   * What loading `location` would take, without downloading it: size, whether it is all in the cache,
   * whether it fits (config.json and the files' metadata only). For links, which never download on open.
   */
  inspect(location: ModelLocation, options?: LoadOptions): Promise<ModelInspection>;
  /** What the loaded engine holds in memory. */
  memory(): Promise<EngineMemory | null>;
  /**
   * Downloads a Hub model's files into the cache and verifies them, without loading it ("Prepare for
   * talk"): the bytes stay in the worker and are dropped. Refused (model-too-large) when the model
   * cannot run here. Cancelled by cancelLoad(loadId).
   */
  prepare(
    location: HubLocation,
    options: LoadOptions | undefined,
    onProgress: ((progress: LoadProgress) => void) | undefined,
    loadId: number,
  ): Promise<FileReport[]>;
  /** The backend a load would pick and its limits (WebGPU adapter limits, or wasm's), for checkFits. */
  deviceLimits(options?: LoadOptions): Promise<DeviceLimits>;
  tokenize(text: string): Promise<Token[]>;
  /** The one token `text` is; multi-token text fails with code 'multi-token' and says how it splits. */
  tokenIdOf(text: string): Promise<Token>;
  /** runId lets cancel() find the run: an AbortSignal cannot cross the worker boundary. */
  run(
    request: LensRequest,
    onState: ((state: StateResult) => void) | undefined,
    runId: number,
    onChunk?: ((states: StateResult[]) => void) | undefined,
  ): Promise<WorkerRunResult>;
  cancel(runId: number): void;
  /**
   * Runs an experiment over a data set in batches (the page never waits on it); progress after each
   * batch, each batch's results as they finish (for storing them), cancel(runId) between batches.
   */
  runExperiment(
    request: ExperimentRequest,
    options: ExperimentRunOptions,
    onProgress: ((progress: Progress) => void) | undefined,
    onResults: ((results: ExperimentExampleResult[]) => void) | undefined,
    runId: number,
  ): Promise<ExperimentOutcome>;
  /** Decodes d_model vectors on their own (ln_f + unembedding): what an o-vector promotes. */
  decodeVectors(vectors: Float32Array[], topK: number): Promise<Array<{ top: TopEntry[]; entropy: number }>>;
  /**
   * Test hook: loses the WebGPU device (destroys ORT's GPUDevice), so that the next run exercises the
   * wasm fallback. Returns what it did.
   */
  debugLoseDevice(): Promise<string>;
  dispose(): Promise<void>;
}

export interface WorkerErrorPayload {
  lensWorkerError: true;
  name: string;
  message: string;
  code?: ErrorCode;
  stack?: string;
  /** A failed load: the model that was loaded before is still (or again) loaded. */
  keptPrevious?: boolean;
}

/** An error with a code for the app (engine errors have their own class with codes). */
export class WorkerError extends CodedError<WorkerErrorCode> {
  override name = 'WorkerError';
  constructor(
    message: string,
    code: WorkerErrorCode,
    /** For load errors: whether the previous model is still loaded. */
    readonly keptPrevious?: boolean,
  ) {
    super(message, code);
  }
}

export function toWorkerErrorPayload(error: unknown): WorkerErrorPayload {
  if (error instanceof Error) {
    const code = errorCodeOf(error);
    const kept = (error as { keptPrevious?: unknown }).keptPrevious;
    return {
      lensWorkerError: true,
      name: error.name,
      message: error.message,
      stack: error.stack,
      ...(code ? { code } : {}),
      ...(typeof kept === 'boolean' ? { keptPrevious: kept } : {}),
    };
  }
  return { lensWorkerError: true, name: 'Error', message: String(error) };
}

export function isWorkerErrorPayload(value: unknown): value is WorkerErrorPayload {
  return (
    typeof value === 'object' && value !== null && (value as WorkerErrorPayload).lensWorkerError === true
  );
}
