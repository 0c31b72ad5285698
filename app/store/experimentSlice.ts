/**
 * Experiments over data sets (the paper's Figures 3, 5 and 7): which page is in front, the settings
 * (the URL's query string follows them), uploads, and the run: one part per data set, each run in
 * the engine worker through the store of results (a finished part reopens at once, an interrupted
 * one resumes), with progress and cancel. Clicking an example opens it in the single-prompt views.
 */

import type { ExperimentKind, ExperimentOutcome } from '../../workers/api.ts';
import type { Example, Progress, RowError } from '../../workers/experiments/index.ts';
import { exampleView } from '../experiments/exampleLink.ts';
import { loadDataset, parseUpload, type UploadedDataset } from '../experiments/experimentData.ts';
import { experimentRequest, requestKey } from '../experiments/experimentRequest.ts';
import {
  type AppPage,
  DEFAULT_DATASETS,
  DEFAULT_EXPERIMENT_SETTINGS,
  datasetRole,
  type ExperimentSettings,
} from '../experiments/experimentSettings.ts';
import { runThroughStore, storedState } from '../experiments/storedRun.ts';
import { type TemplateInput, type TemplateOutcome, templateDataset } from '../experiments/templateDataset.ts';
import { vectorNorm } from '../vectors/vectorFiles.ts';
import { sourceName } from './modelSlice.ts';
import { type SliceCreator, type StoreDeps, toAppError } from './types.ts';

export type PartStatus = 'pending' | 'stored' | 'running' | 'done' | 'cancelled' | 'error';

/** One data set of the run. */
export interface ExperimentPart {
  ref: string;
  /** in domain, out of domain, abstractive, ... */
  role: string;
  status: PartStatus;
  key?: string;
  hash?: string;
  examples: Example[];
  /** Examples an unfinished stored run has done ('stored'), or the resumed ones of this run. */
  storedDone: number;
  progress?: Progress;
  outcome?: ExperimentOutcome;
  /** The outcome came from the store without running. */
  fromStore?: boolean;
  error?: string;
}

export interface ExperimentSlice {
  page: AppPage;
  experimentSettings: ExperimentSettings;
  experimentParts: ExperimentPart[];
  experimentRunning: boolean;
  /** The model generation the parts belong to (a new model makes them stale). */
  experimentGeneration: number;
  experimentError?: string;
  /** The library vector the o-vector run used (for click-through). */
  experimentVectorId?: string;
  uploads: Record<string, UploadedDataset>;
  uploadErrors?: { name: string; errors: RowError[] };
  /** Why the last template build was refused: its bad pair lines, or what is wrong with the rest. */
  templateErrors?: { errors: RowError[]; problem?: string };
  setPage(page: AppPage): void;
  setExperimentSettings(patch: Partial<ExperimentSettings>): void;
  /** Another experiment: its own default data sets. */
  chooseExperiment(kind: ExperimentKind): void;
  /** Parses an upload; returns its bad rows (the file is refused when there are any). */
  uploadDataset(fileName: string, text: string): RowError[];
  /**
   * Builds a data set from a one-shot template and pairs (kept with the uploads, under upload:NAME);
   * any bad line refuses it. Returns what was refused (nothing: it was kept).
   */
  buildTemplateDataset(input: TemplateInput): TemplateOutcome;
  /** Looks the current settings up in the store of results without running anything. */
  reopenExperiment(): Promise<void>;
  runExperiment(options?: { batchSize?: number }): Promise<void>;
  cancelExperiment(): void;
  /** The sweep's cell as the o-vector experiment's blocks (same vector and settings, its own data sets). */
  pickSweepRange(from: number, to: number): void;
  /** Opens an example in the single-prompt views with the run's intervention (step: ablation step). */
  openExample(partIndex: number, id: string | number, step?: number): boolean;
}

export const createExperimentSlice =
  (deps: StoreDeps): SliceCreator<ExperimentSlice> =>
  (set, get) => {
    let controller: AbortController | null = null;
    /** Bumped by every reopen and run: an older one's writes are dropped. */
    let ticket = 0;

    const patchPart = (mine: number, index: number, patch: Partial<ExperimentPart>): void => {
      if (mine !== ticket) return;
      set((s) => ({
        experimentParts: s.experimentParts.map((p, i) => (i === index ? { ...p, ...patch } : p)),
      }));
    };

    /** The vector an o-vector run uses: a library vector, or a shipped file added to the library. */
    const resolveVector = async (): Promise<{ id: string; data: Float32Array } | undefined> => {
      const s = get();
      const ref = s.experimentSettings.vector;
      if (!ref) return undefined;
      if (!ref.startsWith('asset:')) {
        const entry = s.vectors.find((v) => v.id === ref);
        if (!entry) throw new Error(`The vector ${ref} is not in the library (capture or import it).`);
        return { id: entry.id, data: entry.data };
      }
      const path = ref.slice('asset:'.length);
      const held = s.vectors.find((v) => v.asset === path);
      if (held) return { id: held.id, data: held.data };
      if (!deps.vectorAssets) throw new Error('This app has no shipped vectors.');
      const { data } = await deps.vectorAssets.load(path);
      const id = `asset-${path}`;
      const name = path
        .split('/')
        .pop()!
        .replace(/\.npy$/, '');
      get().addVectors(
        [{ id, name, asset: path, data, norm: vectorNorm(data), promotes: [], createdAt: Date.now() }],
        false,
      );
      return { id, data };
    };

    /** Loads the data sets, builds each part's request and key. */
    const prepare = async (mine: number) => {
      const s = get();
      if (s.modelStatus !== 'ready' || !s.info) throw new Error('Load a model first.');
      const settings = s.experimentSettings;
      const fetchData = deps.fetchData;
      if (!fetchData) throw new Error('This app cannot read its data sets.');
      const usesVector = settings.experiment === 'ovector' || settings.experiment === 'sweep';
      const vector = usesVector ? await resolveVector() : undefined;
      const identity = {
        model: sourceName(s.modelSource),
        revision: s.modelSource.source === 'hub' ? s.modelSource.revision : 'builtin',
      };
      const parts = await Promise.all(
        settings.datasets.map(async (ref, index) => {
          const data = await loadDataset(ref, fetchData, s.uploads, settings.limit);
          const request = experimentRequest(settings, data.set, s.info!, vector?.data);
          const key = await requestKey(request, { ...identity, datasetHash: data.hash });
          const part: ExperimentPart = {
            ref,
            role: datasetRole(settings.experiment, index),
            status: 'pending',
            key,
            hash: data.hash,
            examples: data.set.examples,
            storedDone: 0,
          };
          return { part, request };
        }),
      );
      if (mine === ticket)
        set({
          experimentParts: parts.map((p) => p.part),
          experimentGeneration: s.modelGeneration,
          experimentError: undefined,
          ...(vector ? { experimentVectorId: vector.id } : {}),
        });
      return parts;
    };

    return {
      page: 'workspace',
      experimentSettings: DEFAULT_EXPERIMENT_SETTINGS,
      experimentParts: [],
      experimentRunning: false,
      experimentGeneration: -1,
      uploads: {},

      setPage: (page) => set({ page }),

      setExperimentSettings: (patch) =>
        set((s) => ({ experimentSettings: { ...s.experimentSettings, ...patch }, experimentParts: [] })),

      chooseExperiment: (kind) =>
        set((s) => ({
          experimentSettings: { ...s.experimentSettings, experiment: kind, datasets: DEFAULT_DATASETS[kind] },
          experimentParts: [],
        })),

      uploadDataset: (fileName, text) => {
        const { dataset, errors } = parseUpload(fileName, text);
        if (!dataset) {
          set({ uploadErrors: { name: fileName, errors } });
          return errors;
        }
        set((s) => ({ uploads: { ...s.uploads, [fileName]: dataset }, uploadErrors: undefined }));
        return [];
      },

      buildTemplateDataset: (input) => {
        const outcome = templateDataset(input);
        const { dataset } = outcome;
        if (!dataset) {
          set({
            templateErrors: {
              errors: outcome.errors,
              ...(outcome.problem ? { problem: outcome.problem } : {}),
            },
          });
          return outcome;
        }
        set((s) => ({ uploads: { ...s.uploads, [dataset.name]: dataset }, templateErrors: undefined }));
        return outcome;
      },

      reopenExperiment: async () => {
        const mine = ++ticket;
        try {
          const parts = await prepare(mine);
          await Promise.all(
            parts.map(async ({ part }, index) => {
              const stored = await storedState(deps.experiments, part.key!);
              if (stored.outcome)
                patchPart(mine, index, {
                  status: 'done',
                  outcome: stored.outcome,
                  fromStore: true,
                  storedDone: stored.done,
                });
              else if (stored.done > 0) patchPart(mine, index, { status: 'stored', storedDone: stored.done });
            }),
          );
        } catch (error) {
          if (mine === ticket) set({ experimentError: toAppError(error).message, experimentParts: [] });
        }
      },

      runExperiment: async (options = {}) => {
        controller?.abort();
        const mine = ++ticket;
        const abort = new AbortController();
        controller = abort;
        set({ experimentRunning: true, experimentError: undefined });
        const batchSize = options.batchSize ?? get().experimentSettings.batch;
        try {
          const parts = await prepare(mine);
          for (const [index, { part, request }] of parts.entries()) {
            if (abort.signal.aborted) break;
            patchPart(mine, index, { status: 'running' });
            try {
              const run = await runThroughStore(deps.client, deps.experiments, request, part.key!, {
                signal: abort.signal,
                ...(batchSize ? { batchSize } : {}),
                onProgress: (progress) => patchPart(mine, index, { progress }),
              });
              patchPart(mine, index, {
                status: 'done',
                outcome: run.outcome,
                fromStore: run.fromStore,
                storedDone: run.resumed,
              });
            } catch (error) {
              const { message, code } = toAppError(error);
              const cancelled = abort.signal.aborted || code === 'cancelled';
              patchPart(
                mine,
                index,
                cancelled ? { status: 'cancelled' } : { status: 'error', error: message },
              );
              if (!cancelled) throw error;
            }
          }
        } catch (error) {
          if (mine === ticket) set({ experimentError: toAppError(error).message });
        } finally {
          if (mine === ticket) set({ experimentRunning: false });
          if (controller === abort) controller = null;
        }
      },

      cancelExperiment: () => controller?.abort(),

      pickSweepRange: (from, to) => {
        if (get().experimentRunning) return;
        set((s) => ({
          experimentSettings: {
            ...s.experimentSettings,
            experiment: 'ovector',
            datasets: DEFAULT_DATASETS.ovector,
            blocks: from === to ? String(from) : `${from}-${to}`,
          },
          experimentParts: [],
        }));
      },

      openExample: (partIndex, id, step) => {
        const s = get();
        const part = s.experimentParts[partIndex];
        const example = part?.examples.find((e) => e.id === id);
        if (!part?.outcome || part.outcome.experiment === 'sweep' || !example) return false;
        const view = exampleView(part.outcome, example, {
          ...(s.experimentVectorId ? { vectorId: s.experimentVectorId } : {}),
          ...(step !== undefined ? { step } : {}),
        });
        if (!view) return false;
        s.setPrompt(view.prompt);
        s.setPins(view.pins);
        s.setInterventions(view.interventions);
        s.setFront(view.front);
        set({ page: 'workspace' });
        return true;
      },
    };
  };
