/**
 * Lens runs as the views see them: the control run and the intervened run (grids filled as chunks
 * stream in, the last position first), the tracked argument and answer, the stages. The run
 * controller (runController.ts) starts and cancels the runs and writes their progress through this
 * slice's run actions; the slice also holds the user's pinned tokens.
 */

import type { WorkerRunResult } from '../../workers/api.ts';
import type { StateResult, Token } from '../../workers/engine/types.ts';
import type { Stages } from '../analysis/stages.ts';
import type { LensGrid, TrackedTokens } from '../domain.ts';
import { addStates, arrivedCells } from './grid.ts';
import type { Pins } from './tracking.ts';
import { type AppError, type SliceCreator, type StoreDeps, toAppError } from './types.ts';

export interface RunView {
  grid: LensGrid;
  /** Set once the run finished. */
  result?: WorkerRunResult;
  /** Increments per run: tests wait for a new one. */
  seq: number;
}

/** The control run's capture: every block's FFN and attention output at the last position. */
export interface HeldCapture {
  prompt: string;
  generation: number;
  tokens: Token[];
  ffn: Float32Array[];
  attn: Float32Array[];
}

/** When a view's last position (its rank plot, top-k, heatmap column) was in the store. */
export interface RankTiming {
  /** The view's run (RunView.seq). */
  seq: number;
  /** ms from the change. */
  ms: number;
  /** Heatmap cells arrived by then, of all: fewer means the rank plot came before the heatmap. */
  cells: number;
  ofCells: number;
}

export interface RunStats {
  /** ms from the change that triggered it to the finished control / intervened view (whole heatmap). */
  controlMs?: number;
  intervenedMs?: number;
  /** When the control / intervened view's rank plot was up to date (its last position decoded). */
  controlRank?: RankTiming;
  intervenedRank?: RankTiming;
  /** ms the change waited before its runs started: the prompt debounce, 0 for other changes. */
  debounceMs?: number;
  /** What the last change was: 'prompt', 'tracked', 'interventions', 'model', 'rerun'. */
  trigger?: string;
  /**
   * Whether the last finished control / intervened view came from the run controller's cache (a
   * look-ahead or an earlier run) rather than a run started for the change. Talk mode reports it.
   */
  cached?: { control: boolean; intervened: boolean };
}

export type PinField = 'argument' | 'answer';
export type RunField = 'control' | 'intervened';

/** What the control run's last position tells, as soon as it is decoded. */
export interface LastPositionView {
  /** Prompt token ids tracked at the last position as argument candidates. */
  candidates: number[];
  tracked: TrackedTokens;
  stages: Stages | undefined;
}

/** A finished control run as shown. */
export interface ControlView extends LastPositionView {
  view: RunView;
  tokens: Token[];
  capture: HeldCapture | undefined;
}

/** What a finished run's stats say: the change, how long it took, whether it came from the cache. */
export interface FinishStats {
  trigger: string;
  debounceMs: number;
  ms: number;
  cached: boolean;
}

export interface RunSlice {
  control?: RunView;
  intervened?: RunView;
  /** Tokens of the prompt of the current control run. */
  tokens: Token[];
  /** A run is in flight. */
  running: boolean;
  /** Prompt token ids the control run tracked as argument candidates. */
  candidates: number[];
  tracked: TrackedTokens;
  pins: Pins;
  stages?: Stages;
  /** Interventions left out of the intervened run, with reasons. */
  skippedSlots: string[];
  capture?: HeldCapture;
  runError?: AppError;
  pinError?: { field: PinField; message: string };
  runStats: RunStats;
  /** Bumped by rerun(): the controller runs again even when nothing changed. */
  rerunNonce: number;
  /** Resolves `text` to one token in the worker and pins it; a multi-token text sets pinError. */
  setPin(field: PinField, text: string): Promise<boolean>;
  clearPin(field: PinField): void;
  setPins(pins: Pins): void;
  rerun(): void;

  // The run controller's writes, one per step of a run.
  setRunning(running: boolean): void;
  /** A control run started: its tokens, an empty grid under a new seq. */
  startControlView(view: RunView, tokens: Token[]): void;
  startIntervenedView(view: RunView, skipped: string[]): void;
  /** Heatmap rows of the run shown under `seq`; ignored once another run is shown. */
  addRunRows(field: RunField, seq: number, states: readonly StateResult[]): void;
  /** The control run under `seq` decoded its last position: the proposals and stages show now. */
  showControlLastPosition(seq: number, head: LastPositionView, rankMs: number): void;
  showIntervenedLastPosition(seq: number, rankMs: number): void;
  /** A finished control run, or one from the cache. */
  showControlOutcome(outcome: ControlView, stats: FinishStats): void;
  /** A finished intervened run; no view when no slot applies. */
  showIntervenedOutcome(view: RunView | undefined, skipped: string[], stats: FinishStats): void;
  failControlRun(error: unknown): void;
  failIntervenedRun(error: unknown): void;
}

function rankTiming(view: RunView, ms: number): RankTiming {
  const ofCells = view.grid.grid.reduce((n, row) => n + row.length, 0);
  return { seq: view.seq, ms, cells: arrivedCells(view.grid), ofCells };
}

/** runStats after a finished view: its time, and its rank plot's when it had none of its own (cache). */
function finished(
  runStats: RunStats,
  field: RunField,
  view: RunView,
  { trigger, debounceMs, ms, cached }: FinishStats,
): RunStats {
  const rank = field === 'control' ? runStats.controlRank : runStats.intervenedRank;
  const rankNow = rank?.seq === view.seq ? rank : rankTiming(view, ms);
  const cachedNow = {
    control: field === 'control' ? cached : (runStats.cached?.control ?? false),
    intervened: field === 'intervened' ? cached : (runStats.cached?.intervened ?? false),
  };
  return field === 'control'
    ? { ...runStats, trigger, debounceMs, controlMs: ms, controlRank: rankNow, cached: cachedNow }
    : { ...runStats, trigger, debounceMs, intervenedMs: ms, intervenedRank: rankNow, cached: cachedNow };
}

export function createRunSlice(deps: StoreDeps): SliceCreator<RunSlice> {
  return (set, get) => ({
    running: false,
    tokens: [],
    candidates: [],
    tracked: {},
    pins: {},
    skippedSlots: [],
    runStats: {},
    rerunNonce: 0,

    setPin: async (field, text) => {
      if (text.length === 0) {
        get().clearPin(field);
        return true;
      }
      if (get().modelStatus !== 'ready') {
        set({ pinError: { field, message: 'Load a model first.' } });
        return false;
      }
      try {
        const token = await deps.client.tokenIdOf(text);
        set((s) => ({ pins: { ...s.pins, [field]: token }, pinError: undefined }));
        return true;
      } catch (error) {
        set({ pinError: { field, message: toAppError(error).message } });
        return false;
      }
    },

    clearPin: (field) =>
      set((s) => {
        const pins = { ...s.pins };
        delete pins[field];
        return { pins, ...(s.pinError?.field === field ? { pinError: undefined } : {}) };
      }),

    setPins: (pins) => set({ pins }),

    rerun: () => set((s) => ({ rerunNonce: s.rerunNonce + 1 })),

    setRunning: (running) => set({ running }),

    startControlView: (view, tokens) => set({ control: view, tokens, runError: undefined }),

    startIntervenedView: (view, skipped) => set({ intervened: view, skippedSlots: skipped }),

    addRunRows: (field, seq, states) =>
      set((s) => {
        const view = s[field];
        if (!view || view.seq !== seq) return {};
        const next = { ...view, grid: addStates(view.grid, states) };
        return field === 'control' ? { control: next } : { intervened: next };
      }),

    showControlLastPosition: (seq, head, rankMs) =>
      set((s) =>
        s.control?.seq === seq
          ? {
              candidates: head.candidates,
              tracked: head.tracked,
              stages: head.stages,
              runStats: { ...s.runStats, controlRank: rankTiming(s.control, rankMs) },
            }
          : {},
      ),

    showIntervenedLastPosition: (seq, rankMs) =>
      set((s) =>
        s.intervened?.seq === seq
          ? { runStats: { ...s.runStats, intervenedRank: rankTiming(s.intervened, rankMs) } }
          : {},
      ),

    showControlOutcome: (o, stats) =>
      set((s) => ({
        tokens: o.tokens,
        runError: undefined,
        control: o.view,
        candidates: o.candidates,
        tracked: o.tracked,
        stages: o.stages,
        ...(o.capture ? { capture: o.capture } : {}),
        runStats: finished(s.runStats, 'control', o.view, stats),
        // a link's pins carry ids only: their text is known now
        pins: {
          ...(s.pins.argument ? { argument: { ...s.pins.argument, text: o.tracked.argument?.text } } : {}),
          ...(s.pins.answer ? { answer: { ...s.pins.answer, text: o.tracked.answer?.text } } : {}),
        },
      })),

    showIntervenedOutcome: (view, skipped, stats) =>
      set((s) => {
        if (!view) {
          const cached = { control: s.runStats.cached?.control ?? false, intervened: stats.cached };
          return { intervened: undefined, skippedSlots: skipped, runStats: { ...s.runStats, cached } };
        }
        return {
          skippedSlots: skipped,
          intervened: view,
          runStats: finished(s.runStats, 'intervened', view, stats),
        };
      }),

    failControlRun: (error) =>
      set({
        runError: toAppError(error),
        control: undefined,
        intervened: undefined,
        tokens: [],
        tracked: {},
        stages: undefined,
      }),

    failIntervenedRun: (error) => set({ runError: toAppError(error), intervened: undefined }),
  });
}
