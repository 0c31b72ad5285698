/**
 * Lens runs as the views see them: the control run and the intervened run (grids filled as chunks
 * stream in), the tracked argument and answer, the stages. The run controller (runController.ts)
 * starts and cancels the runs; this slice holds their results and the user's pinned tokens.
 */

import type { WorkerRunResult } from '../../workers/api.ts';
import type { Token } from '../../workers/engine/types.ts';
import type { Stages } from '../analysis/stages.ts';
import type { LensGrid, TrackedTokens } from './domain.ts';
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

export interface RunStats {
  /** ms from the change that triggered it to the finished control / intervened view. */
  controlMs?: number;
  intervenedMs?: number;
  /** What the last change was: 'prompt', 'tracked', 'interventions', 'model', 'rerun'. */
  trigger?: string;
  /**
   * Whether the last finished control / intervened view came from the run controller's cache (a
   * look-ahead or an earlier run) rather than a run started for the change. Talk mode reports it.
   */
  cached?: { control: boolean; intervened: boolean };
}

export type PinField = 'argument' | 'answer';

export interface RunSlice {
  control?: RunView;
  intervened?: RunView;
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
}

export function createRunSlice(deps: StoreDeps): SliceCreator<RunSlice> {
  return (set, get) => ({
    running: false,
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
  });
}
