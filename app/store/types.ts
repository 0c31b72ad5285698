/** The store's combined state type, its dependencies, and the slice-creator signature. */
import type { StateCreator } from 'zustand';
import { type ErrorCode, errorCodeOf } from '../../workers/api.ts';
import type { VectorEntry } from '../domain.ts';
import type { EngineClient } from '../engineClient.ts';
import type { ExperimentPersistence } from '../experiments/experimentPersistence.ts';
import type { VectorAssetLoader } from '../vectors/vectorAssets.ts';
import type { ExperimentSlice } from './experimentSlice.ts';
import type { InterventionSlice } from './interventionSlice.ts';
import type { LinkedModelSlice } from './linkedModelSlice.ts';
import type { ModelSlice } from './modelSlice.ts';
import type { OverlaySlice } from './overlaySlice.ts';
import type { PromptSlice } from './promptSlice.ts';
import type { ReproduceSlice } from './reproduceSlice.ts';
import type { RunSlice } from './runSlice.ts';
import type { ShareSlice } from './shareSlice.ts';
import type { VectorSlice } from './vectorSlice.ts';
import type { ViewSlice } from './viewSlice.ts';

export type LensState = ModelSlice &
  LinkedModelSlice &
  PromptSlice &
  RunSlice &
  VectorSlice &
  InterventionSlice &
  ViewSlice &
  ShareSlice &
  ExperimentSlice &
  ReproduceSlice &
  OverlaySlice;

export type SliceCreator<T> = StateCreator<LensState, [], [], T>;

export interface AppError {
  message: string;
  code?: ErrorCode;
}

/** Where the library lives between visits (IndexedDB in the app, memory in tests). */
export interface VectorPersistence {
  load(): Promise<VectorEntry[]>;
  save(entry: VectorEntry): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface StoreDeps {
  client: EngineClient;
  /** Folder of the offline built-in model (config.json, model.safetensors, tokenizer.json). */
  builtinUrl: string;
  /** The Hub (or a server in its layout); default https://huggingface.co. */
  hubUrl?: string;
  /** Force a backend (e.g. ?backend=wasm); otherwise the worker detects WebGPU. */
  backend?: 'webgpu' | 'wasm';
  /** ORT wasm threads (e.g. ?threads=2); default ORT's choice. */
  wasmThreads?: number;
  /** float16 block weights even where float32 fits (?precision=float16). */
  preferFloat16?: boolean;
  /** Test hook (?simulate=oom-at-session): Hub model loads fail at session creation as if out of memory. */
  simulateSessionOom?: boolean;
  persistence?: VectorPersistence;
  /** Vector files the app ships (public/vectors/); links and decks name them. */
  vectorAssets?: VectorAssetLoader;
  /** For the Hub reachability probe; default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Experiment results between visits (IndexedDB in the app, memory in tests); none: nothing kept. */
  experiments?: ExperimentPersistence;
  /** Reads a built-in data set's file (a path under public/data/). */
  fetchData?: (file: string) => Promise<string>;
  /** Saves a file (exports); default an <a download>. */
  download?: (blob: Blob, filename: string) => void;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof Error) {
    const code = errorCodeOf(error);
    return { message: error.message, ...(code ? { code } : {}) };
  }
  return { message: String(error) };
}
