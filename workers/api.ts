/**
 * The engine worker's API as the app sees it: plain types, no ORT, so the app can import it.
 * Errors cross the worker boundary as plain objects: Comlink keeps only message/name/stack of an
 * Error, and the app needs the engine's error codes (e.g. 'prompt-too-long').
 */
import type { Backend, LensRequest, LensResult, ModelInfo, StateResult, Token } from './engine/types.ts';

export type BrowserBackend = Extract<Backend, 'webgpu' | 'wasm'>;

export interface LoadOptions {
  /** Name reported in ModelInfo; defaults to the folder's last path segment. */
  name?: string;
  /** Skip detection; 'webgpu' still falls back to wasm when session creation fails. */
  backend?: BrowserBackend;
  /** ORT wasm threads; default ORT's choice (min(4, cores / 2) when cross-origin isolated, else 1). */
  wasmThreads?: number;
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
  timings: { fetchMs: number; initMs: number };
}

export interface EngineWorkerApi {
  load(modelBaseUrl: string, options?: LoadOptions): Promise<LoadResult>;
  tokenize(text: string): Promise<Token[]>;
  /** runId lets cancel() find the run: an AbortSignal cannot cross the worker boundary. */
  run(
    request: LensRequest,
    onState: ((state: StateResult) => void) | undefined,
    runId: number,
  ): Promise<LensResult>;
  cancel(runId: number): void;
  dispose(): Promise<void>;
}

export interface WorkerErrorPayload {
  lensWorkerError: true;
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export function toWorkerErrorPayload(error: unknown): WorkerErrorPayload {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      lensWorkerError: true,
      name: error.name,
      message: error.message,
      stack: error.stack,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { lensWorkerError: true, name: 'Error', message: String(error) };
}

export function isWorkerErrorPayload(value: unknown): value is WorkerErrorPayload {
  return (
    typeof value === 'object' && value !== null && (value as WorkerErrorPayload).lensWorkerError === true
  );
}
