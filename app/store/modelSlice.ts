/**
 * The model: which one is loaded (built-in or a GPT-2 from the Hub), the load with its progress and
 * cancel, the backend, the Hub's URL and reachability.
 */
import {
  type CatalogueEntry,
  findCatalogueEntry,
  type Gpt2ModelId,
  HUB_URL,
} from '../../models/hub/catalogue.ts';
import type { FileReport } from '../../models/hub/download.ts';
import type { DeviceLimits, LoadProgress, LoadResult, ModelLocation } from '../../workers/api.ts';
import type { Backend, ModelInfo } from '../../workers/engine/types.ts';
import type { ModelSource } from '../domain.ts';

type HubSource = Extract<ModelSource, { source: 'hub' }>;

import { type AppError, type SliceCreator, type StoreDeps, toAppError } from './types.ts';

export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error';
export type ModelChoice = 'builtin' | Gpt2ModelId;

/** The load progress bar's data. */
export interface LoadProgressView {
  /** Model being loaded, e.g. 'gpt2-medium'. */
  name: string;
  stage: LoadProgress['stage'];
  file?: string;
  loadedBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  phase?: string;
  /** When a phase without byte counts began (Date.now()): the bar shows the time it has taken. */
  phaseStartedAt?: number;
  /** Download notes so far (corrupt cache entry fetched again, resumed transfer, ...). */
  notes: string[];
}

export interface ModelSlice {
  hubUrl: string;
  /** undefined until probed. */
  hubReachable?: boolean;
  /** The picker's choice (not necessarily loaded). */
  selectedModel: ModelChoice;
  /** The loaded model (or the one loading when nothing is loaded yet). */
  modelSource: ModelSource;
  /** The model being loaded now. */
  loadingSource?: ModelSource;
  modelStatus: ModelStatus;
  /** Bumped by every successful load: runs of an older model are stale. */
  modelGeneration: number;
  info?: ModelInfo;
  backend?: Backend;
  load?: LoadResult;
  loadProgress?: LoadProgressView;
  /** Notes of the last load (download notes, fit warnings). */
  loadNotes: string[];
  /** Why the backend is not WebGPU when it could have been (fell back at load, device lost). */
  backendNote?: string;
  loadError?: AppError;
  deviceLimits?: DeviceLimits;
  selectModel(choice: ModelChoice): void;
  setHubUrl(url: string): void;
  /** HEADs a small file of the default Hub model; sets hubReachable. */
  checkHub(): Promise<boolean>;
  /** Loads `source`; resolves true when it is loaded. A running load is cancelled first. */
  loadModel(source: ModelSource): Promise<boolean>;
  /** Fetches and verifies a Hub model's files into the cache without loading it (the worker does it). */
  prepareModel(source: HubSource, onProgress?: (progress: LoadProgress) => void): Promise<FileReport[]>;
  loadSelected(): Promise<boolean>;
  cancelLoad(): void;
  /** The offered way out of a Hub error: the built-in model (loaded again only when it is not loaded). */
  chooseBuiltin(): Promise<boolean>;
  /** The worker moved the model to wasm (device lost): say so, keep everything else. */
  noteBackendFallback(reason: string): void;
  dismissLoadError(): void;
  /** The worker died and the model with it: nothing runs until a load (the rest of the state stays). */
  noteWorkerLost(error: AppError): void;
}

export function choiceOf(source: ModelSource): ModelChoice | undefined {
  if (source.source === 'builtin') return 'builtin';
  return findCatalogueEntry(source.repo)?.id;
}

export function sourceOf(choice: ModelChoice): ModelSource {
  if (choice === 'builtin') return { source: 'builtin' };
  const entry = findCatalogueEntry(choice)!;
  return { source: 'hub', repo: entry.repo, revision: 'main' };
}

export function sameSource(a: ModelSource | undefined, b: ModelSource | undefined): boolean {
  if (!a || !b || a.source !== b.source) return false;
  return a.source === 'builtin' || (b.source === 'hub' && a.repo === b.repo && a.revision === b.revision);
}

export function sourceName(source: ModelSource): string {
  if (source.source === 'builtin') return 'builtin';
  return findCatalogueEntry(source.repo)?.id ?? source.repo;
}

const REACHABILITY_TIMEOUT_MS = 5000;

/** Why the backend is not WebGPU, unless wasm was asked for. */
function backendNoteOf(load: LoadResult, forced: StoreDeps['backend']): string | undefined {
  if (load.fellBack) return load.backendNote;
  if (load.backend === 'wasm' && !forced) return `Running on wasm: ${load.backendNote}`;
  return undefined;
}

export function locationOf(source: ModelSource, deps: StoreDeps, hubUrl: string): ModelLocation {
  if (source.source === 'builtin') return { kind: 'url', baseUrl: deps.builtinUrl, name: 'builtin' };
  const entry: CatalogueEntry | undefined = findCatalogueEntry(source.repo);
  return {
    kind: 'hub',
    hubUrl,
    repo: source.repo,
    revision: source.revision,
    name: entry?.id ?? source.repo,
    // the shape alone, plain data for the worker
    ...(entry
      ? {
          shape: {
            nLayer: entry.nLayer,
            nEmbd: entry.nEmbd,
            vocabSize: entry.vocabSize,
            nPositions: entry.nPositions,
          },
        }
      : {}),
  };
}

function progressView(name: string, p: LoadProgress, previous?: LoadProgressView): LoadProgressView {
  const notes = previous?.name === name ? previous.notes : [];
  if (p.stage === 'download') {
    return {
      name,
      stage: p.stage,
      file: p.file,
      loadedBytes: p.overallLoaded,
      totalBytes: p.overallTotal,
      bytesPerSecond: p.bytesPerSecond,
      etaSeconds: p.etaSeconds,
      phase: p.phase,
      // 'verifying the cached copy' is routine; corrupt copies, resumes and restarts are news
      notes:
        p.note && p.note !== 'verifying the cached copy' && !notes.includes(`${p.file}: ${p.note}`)
          ? [...notes, `${p.file}: ${p.note}`]
          : notes,
    };
  }
  const samePhase = previous?.stage === p.stage && previous.phase === phaseOf(p);
  return {
    name,
    stage: p.stage,
    ...(p.stage === 'fetch' ? { file: p.file } : {}),
    // phases without bytes to count show a moving bar and the time they have taken
    loadedBytes: 0,
    totalBytes: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
    ...(phaseOf(p) ? { phase: phaseOf(p) } : {}),
    phaseStartedAt: samePhase ? previous.phaseStartedAt : Date.now(),
    notes,
  };
}

const STEPS = { 'trunk-session': 'trunk', 'lens-session': 'lens', 'warm-up': 'warm-up run' } as const;

function phaseOf(p: LoadProgress): string | undefined {
  if (p.stage === 'init') return `building sessions on ${p.backend}${p.step ? `: ${STEPS[p.step]}` : ''}`;
  if (p.stage === 'restore') return `the load failed: restoring ${p.name}`;
  return undefined;
}

export function createModelSlice(deps: StoreDeps): SliceCreator<ModelSlice> {
  let abort: AbortController | null = null;
  let loadSeq = 0;

  return (set, get) => ({
    hubUrl: (deps.hubUrl ?? HUB_URL).replace(/\/+$/, ''),
    selectedModel: 'builtin',
    modelSource: { source: 'builtin' },
    modelStatus: 'idle',
    modelGeneration: 0,
    loadNotes: [],

    selectModel: (choice) => set({ selectedModel: choice }),

    setHubUrl: (url) => {
      const hubUrl = url.trim().replace(/\/+$/, '') || HUB_URL;
      if (hubUrl === get().hubUrl) return;
      set({ hubUrl, hubReachable: undefined });
      void get().checkHub();
    },

    checkHub: async () => {
      const hubUrl = get().hubUrl;
      const fetcher = deps.fetch ?? globalThis.fetch?.bind(globalThis);
      let reachable = false;
      if (fetcher) {
        const entry = findCatalogueEntry('gpt2-medium')!;
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), REACHABILITY_TIMEOUT_MS);
        try {
          const r = await fetcher(`${hubUrl}/${entry.repo}/resolve/main/config.json`, {
            method: 'HEAD',
            cache: 'no-store',
            signal: timeout.signal,
          });
          reachable = r.ok;
        } catch {
          reachable = false;
        } finally {
          clearTimeout(timer);
        }
      }
      if (get().hubUrl !== hubUrl) return reachable;
      // gpt2-medium is the default choice when the Hub answers; never downloaded without a click
      const untouched = get().selectedModel === 'builtin';
      set({ hubReachable: reachable, ...(reachable && untouched ? { selectedModel: 'gpt2-medium' } : {}) });
      return reachable;
    },

    loadModel: async (source) => {
      abort?.abort();
      const seq = ++loadSeq;
      const controller = new AbortController();
      abort = controller;
      let settled = false;
      const before = get();
      const hadModel = before.modelStatus === 'ready' || (before.modelStatus === 'loading' && !!before.info);
      const name = source.source === 'builtin' ? 'built-in model' : sourceName(source);
      set({
        modelStatus: 'loading',
        loadingSource: source,
        loadError: undefined,
        loadProgress: {
          name,
          stage: 'fetch',
          loadedBytes: 0,
          totalBytes: 0,
          bytesPerSecond: 0,
          etaSeconds: null,
          notes: [],
        },
        ...(hadModel ? {} : { modelSource: source }),
      });
      try {
        const load = await deps.client.load(locationOf(source, deps, get().hubUrl), {
          ...(deps.backend ? { backend: deps.backend } : {}),
          ...(deps.wasmThreads ? { wasmThreads: deps.wasmThreads } : {}),
          ...(deps.preferFloat16 ? { preferFloat16: true } : {}),
          ...(deps.simulateSessionOom && source.source === 'hub' ? { simulateSessionOom: true } : {}),
          signal: controller.signal,
          onProgress: (p) => {
            // a progress message can arrive after the load settled (it crosses the worker boundary): drop it
            if (seq === loadSeq && !settled)
              set((s) => ({ loadProgress: progressView(name, p, s.loadProgress) }));
          },
        });
        settled = true;
        if (seq !== loadSeq) return false;
        set((s) => ({
          modelStatus: 'ready',
          modelSource: source,
          loadingSource: undefined,
          modelGeneration: s.modelGeneration + 1,
          load,
          info: load.info,
          backend: load.backend,
          backendNote: backendNoteOf(load, deps.backend),
          loadProgress: undefined,
          loadNotes: load.notes,
          // a Hub model shows as the choice; after the built-in one, the offered Hub model stays offered
          selectedModel: source.source === 'hub' ? (choiceOf(source) ?? s.selectedModel) : s.selectedModel,
        }));
        void deps.client
          .deviceLimits(deps.backend ? { backend: deps.backend } : {})
          .then((deviceLimits) => set({ deviceLimits }))
          .catch(() => undefined);
        return true;
      } catch (error) {
        settled = true;
        if (seq !== loadSeq) return false;
        const appError = toAppError(error);
        // the worker keeps (or rebuilds) the model that was working whenever a load fails, and says so
        const kept = hadModel && (error as { keptPrevious?: boolean }).keptPrevious !== false;
        const cancelled = appError.code === 'load-cancelled';
        set({
          modelStatus: kept ? 'ready' : cancelled ? 'idle' : 'error',
          loadingSource: undefined,
          loadProgress: undefined,
          ...(cancelled ? {} : { loadError: appError }),
          ...(kept ? {} : { info: undefined, backend: undefined, load: undefined }),
        });
        return false;
      } finally {
        if (abort === controller) abort = null;
      }
    },

    prepareModel: (source, onProgress) => {
      const location = locationOf(source, deps, get().hubUrl);
      if (location.kind !== 'hub') return Promise.resolve([]);
      return deps.client.prepare(location, {
        ...(deps.backend ? { backend: deps.backend } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
    },

    loadSelected: () => get().loadModel(sourceOf(get().selectedModel)),

    cancelLoad: () => abort?.abort(),

    chooseBuiltin: async () => {
      set({ loadError: undefined, selectedModel: 'builtin' });
      const s = get();
      if (s.modelStatus === 'ready' && s.modelSource.source === 'builtin') return true;
      return s.loadModel({ source: 'builtin' });
    },

    noteBackendFallback: (reason) =>
      set((s) => ({
        backend: 'wasm',
        backendNote: `WebGPU stopped working (${reason}); the model was reloaded on wasm and the run repeated`,
        ...(s.load ? { load: { ...s.load, backend: 'wasm' as const } } : {}),
      })),

    dismissLoadError: () => set({ loadError: undefined }),

    noteWorkerLost: (error) => {
      get().setRunning(false);
      set({
        modelStatus: 'error',
        info: undefined,
        backend: undefined,
        loadError: {
          message: `${error.message} (the model must be loaded again)`,
          ...(error.code ? { code: error.code } : {}),
        },
      });
    },
  });
}
