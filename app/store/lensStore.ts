/** App state: the model (status, backend), the prompt, and the lens run as it streams in. */
import { create } from 'zustand';
import type { LoadResult } from '../../workers/api.ts';
import type { Backend, LensResult, ModelInfo, StateResult, Token } from '../../workers/engine/types.ts';
import { type EngineClient, EngineClientError } from '../engineClient.ts';

export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error';

export const DEFAULT_PROMPT =
  'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';

export interface AppError {
  message: string;
  code?: string;
}

export interface LensState {
  modelUrl: string;
  modelStatus: ModelStatus;
  info?: ModelInfo;
  backend?: Backend;
  load?: LoadResult;
  prompt: string;
  running: boolean;
  tokens: Token[];
  /** Residual states of the current run, by state index, as they stream in. */
  states: StateResult[];
  result?: LensResult;
  error?: AppError;
  setPrompt(prompt: string): void;
  loadModel(): Promise<void>;
  runLens(): Promise<void>;
  cancelRun(): void;
}

export interface LensStoreOptions {
  modelUrl: string;
  /** Force a backend (e.g. ?backend=wasm); otherwise the worker detects WebGPU. */
  backend?: 'webgpu' | 'wasm';
  /** ORT wasm threads (e.g. ?threads=2); default ORT's choice. */
  wasmThreads?: number;
  topK?: number;
}

function toAppError(error: unknown): AppError {
  if (error instanceof EngineClientError)
    return { message: error.message, ...(error.code ? { code: error.code } : {}) };
  return { message: error instanceof Error ? error.message : String(error) };
}

function upsertState(states: StateResult[], state: StateResult): StateResult[] {
  const next = states.filter((s) => s.index !== state.index);
  next.push(state);
  return next.sort((a, b) => a.index - b.index);
}

export function createLensStore(client: EngineClient, options: LensStoreOptions) {
  // each run gets a number; callbacks of a superseded run are dropped
  let runSeq = 0;
  let abort: AbortController | null = null;

  const useLensStore = create<LensState>()((set, get) => ({
    modelUrl: options.modelUrl,
    modelStatus: 'idle',
    prompt: DEFAULT_PROMPT,
    running: false,
    tokens: [],
    states: [],

    setPrompt: (prompt) => set({ prompt }),

    loadModel: async () => {
      // React StrictMode mounts twice in dev: one load at a time is enough
      if (get().modelStatus === 'loading') return;
      get().cancelRun();
      set({
        modelStatus: 'loading',
        error: undefined,
        info: undefined,
        backend: undefined,
        result: undefined,
      });
      try {
        const load = await client.load(get().modelUrl, {
          ...(options.backend ? { backend: options.backend } : {}),
          ...(options.wasmThreads ? { wasmThreads: options.wasmThreads } : {}),
        });
        set({ modelStatus: 'ready', load, info: load.info, backend: load.backend });
      } catch (error) {
        set({ modelStatus: 'error', error: toAppError(error) });
      }
    },

    runLens: async () => {
      if (get().modelStatus !== 'ready') return;
      abort?.abort();
      const seq = ++runSeq;
      const controller = new AbortController();
      abort = controller;
      set({ running: true, error: undefined, tokens: [], states: [], result: undefined });
      try {
        const tokens = await client.tokenize(get().prompt);
        if (seq !== runSeq) return;
        set({ tokens });
        const result = await client.run(
          { prompts: [tokens.map((t) => t.id)], topK: options.topK ?? 5 },
          {
            signal: controller.signal,
            onState: (state) => {
              if (seq === runSeq && state.prompt === 0)
                set((s) => ({ states: upsertState(s.states, state) }));
            },
          },
        );
        if (seq !== runSeq) return;
        set({ result, states: result.prompts[0]?.states ?? [] });
      } catch (error) {
        const appError = toAppError(error);
        // a cancelled run is the user's own doing, not an error to show
        if (seq === runSeq && appError.code !== 'cancelled') set({ error: appError });
      } finally {
        if (seq === runSeq) {
          set({ running: false });
          abort = null;
        }
      }
    },

    cancelRun: () => {
      abort?.abort();
    },
  }));

  client.onWorkerLost((error) => {
    runSeq++;
    abort = null;
    useLensStore.setState({
      modelStatus: 'error',
      running: false,
      info: undefined,
      backend: undefined,
      error: {
        message: `${error.message} (load the model again)`,
        ...(error.code ? { code: error.code } : {}),
      },
    });
  });

  return useLensStore;
}

export type LensStore = ReturnType<typeof createLensStore>;
