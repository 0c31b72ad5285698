/**
 * Starts, supersedes and cancels lens runs as the store changes. Two jobs, keyed by what they depend on:
 * - control: model, prompt, pinned tokens. Streams rows into `control`, proposes argument and answer,
 *   re-decodes (trunk reused) when the answer was not tracked, detects stages, keeps the capture.
 * - intervened: the control job plus the interventions (and which vectors exist). Streams into
 *   `intervened`. Changing interventions re-runs only this one.
 * Prompt edits are debounced; anything else runs at once. A job whose key is superseded is aborted
 * (the worker cancels the engine run between lens chunks).
 */
import type { WorkerRunResult } from '../../workers/api.ts';
import type { Token } from '../../workers/engine/types.ts';
import { proposeAnswer } from '../analysis/stages.ts';
import type { TrackedTokens } from './domain.ts';
import { addStates, emptyGrid, gridFromResult } from './grid.ts';
import { interventionKey, toInterventionSpec } from './interventionSpec.ts';
import type { LensStore } from './lensStore.ts';
import { candidatesFor, chooseTracked, stagesFor, trackList } from './tracking.ts';
import { type LensState, toAppError } from './types.ts';

export interface RunControllerOptions {
  /** Quiet time after a prompt edit before running; default 300 ms. */
  promptDebounceMs?: number;
  /** Residual states per lens chunk (rows stream in this many at a time); default 3. */
  statesPerChunk?: number;
  /** Top-k per cell; default 10. */
  topK?: number;
}

export interface RunController {
  stop(): void;
  /** Resolves once no run is scheduled or in flight (tests). */
  idle(): Promise<void>;
}

interface Job<T> {
  key: string;
  abort: AbortController;
  promise: Promise<T | null>;
}

interface ControlOutcome {
  ids: number[];
  tokens: Token[];
  tracked: TrackedTokens;
}

function controlKeyOf(s: LensState): string {
  return JSON.stringify([
    s.modelGeneration,
    s.prompt,
    s.pins.argument?.id ?? null,
    s.pins.answer?.id ?? null,
    s.rerunNonce,
  ]);
}

function intervenedKeyOf(s: LensState, controlKey: string): string {
  return `${controlKey}|${interventionKey(s.interventions, s.vectors)}`;
}

/**
 * The control run as one result: the heatmap run's positions, the ranked run's last-position states
 * (they carry the tracked tokens), both runs' time. The capture stays out (the store holds it).
 */
function mergeRuns(heatmap: WorkerRunResult, ranked: WorkerRunResult): WorkerRunResult {
  const prompt = heatmap.prompts[0]!;
  const { capture: _capture, ...rest } = prompt;
  const fellBack = ranked.fellBack ?? heatmap.fellBack;
  return {
    ...ranked,
    prompts: [{ ...rest, states: ranked.prompts[0]!.states }],
    timings: {
      trunkMs: heatmap.timings.trunkMs + ranked.timings.trunkMs,
      lensMs: heatmap.timings.lensMs + ranked.timings.lensMs,
      totalMs: heatmap.timings.totalMs + ranked.timings.totalMs,
    },
    ...(fellBack ? { fellBack } : {}),
  };
}

const isCancel = (error: unknown, signal: AbortSignal): boolean =>
  signal.aborted || toAppError(error).code === 'cancelled';

export function startRunController(store: LensStore, options: RunControllerOptions = {}): RunController {
  const { client } = store.deps;
  const debounceMs = options.promptDebounceMs ?? 300;
  const statesPerChunk = options.statesPerChunk ?? 3;
  const topK = options.topK ?? 10;
  const get = store.getState;
  const set = store.setState;

  let timer: ReturnType<typeof setTimeout> | undefined;
  let control: Job<ControlOutcome> | null = null;
  let intervened: Job<true> | null = null;
  let scheduled = { control: '', intervened: '' };
  let changedAt = performance.now();
  let trigger = 'model';
  let seq = 0;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];

  const checkIdle = (): void => {
    if (inFlight > 0 || timer !== undefined) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight++ === 0) set({ running: true });
    try {
      return await work();
    } finally {
      if (--inFlight === 0) set({ running: false });
      queueMicrotask(checkIdle);
    }
  };

  const noteFallback = (result: WorkerRunResult): void => {
    if (result.fellBack && get().backend !== 'wasm') get().noteBackendFallback(result.fellBack.reason);
  };

  const runControl = async (signal: AbortSignal): Promise<ControlOutcome | null> => {
    const s = get();
    if (!s.info) return null;
    const { nLayer } = s.info;
    const { prompt, pins, modelGeneration: generation } = s;
    const runSeq = ++seq;
    try {
      const tokens = await client.tokenize(prompt);
      if (signal.aborted) return null;
      const ids = tokens.map((t) => t.id);
      const candidates = candidatesFor(ids);
      const pinIds = trackList([], pins);
      set({ tokens, runError: undefined, control: { grid: emptyGrid(tokens, nLayer), seq: runSeq } });
      // 1. every position, streamed row by row: the heatmap. Only the pinned tokens are tracked here:
      // the lens counts ranks as [rows, tracked, vocab], too much for 64 candidates at every position.
      const heatmap = await client.run(
        {
          prompts: [ids],
          track: pinIds,
          topK,
          positions: 'all',
          statesPerChunk,
          capture: true,
          reuseTrunk: true,
        },
        {
          signal,
          onChunk: (states) => {
            if (signal.aborted) return;
            const view = get().control;
            if (view?.seq === runSeq) set({ control: { ...view, grid: addStates(view.grid, states) } });
          },
        },
      );
      noteFallback(heatmap);
      const first = heatmap.prompts[0]!;
      // 2. the last position with the argument candidates and the answer (known now) tracked: exact
      // ranks for the proposal and the rank plot. Its forward pass is cached for later re-decodes.
      const answerGuess = pins.answer?.id ?? proposeAnswer(first.states);
      const ranked = await client.run(
        {
          prompts: [ids],
          track: trackList(candidates, {
            ...pins,
            ...(answerGuess !== null ? { answer: { id: answerGuess } } : {}),
          }),
          topK,
          positions: 'last',
          reuseTrunk: true,
        },
        { signal },
      );
      noteFallback(ranked);
      if (signal.aborted) return null;
      const states = ranked.prompts[0]!.states;
      const chosen = chooseTracked(states, tokens, candidates, pins, nLayer);
      const result = mergeRuns(heatmap, ranked);
      const pinsNow = get().pins;
      set({
        control: { grid: addStates(gridFromResult(heatmap, nLayer), states), result, seq: runSeq },
        candidates,
        tracked: chosen,
        stages: stagesFor(states, chosen, nLayer),
        ...(first.capture ? { capture: { prompt, generation, tokens, ...first.capture } } : {}),
        runStats: { ...get().runStats, trigger, controlMs: performance.now() - changedAt },
        // a link's pins carry ids only: their text is known now
        pins: {
          ...(pinsNow.argument ? { argument: { ...pinsNow.argument, text: chosen.argument?.text } } : {}),
          ...(pinsNow.answer ? { answer: { ...pinsNow.answer, text: chosen.answer?.text } } : {}),
        },
      });
      return { ids, tokens, tracked: chosen };
    } catch (error) {
      if (isCancel(error, signal)) return null;
      set({
        runError: toAppError(error),
        control: undefined,
        intervened: undefined,
        tokens: [],
        tracked: {},
        stages: undefined,
      });
      return null;
    }
  };

  const runIntervened = async (
    signal: AbortSignal,
    controlJob: Job<ControlOutcome>,
  ): Promise<true | null> => {
    const outcome = await controlJob.promise;
    if (!outcome || signal.aborted) return null;
    const s = get();
    if (!s.info) return null;
    const { nLayer, nEmbd } = s.info;
    const { spec, skipped } = toInterventionSpec(s.interventions, s.vectors, nEmbd, nLayer);
    if (!spec) {
      set({ intervened: undefined, skippedSlots: skipped });
      return true;
    }
    const runSeq = ++seq;
    set({ skippedSlots: skipped, intervened: { grid: emptyGrid(outcome.tokens, nLayer), seq: runSeq } });
    const ids = [outcome.tracked.argument?.id, outcome.tracked.answer?.id].filter(
      (id): id is number => id !== undefined,
    );
    try {
      const result = await client.run(
        {
          prompts: [outcome.ids],
          track: [...new Set(ids)],
          topK,
          positions: 'all',
          statesPerChunk,
          intervention: spec,
          reuseTrunk: true,
        },
        {
          signal,
          onChunk: (states) => {
            if (signal.aborted) return;
            const view = get().intervened;
            if (view?.seq === runSeq) set({ intervened: { ...view, grid: addStates(view.grid, states) } });
          },
        },
      );
      noteFallback(result);
      if (signal.aborted) return null;
      set({
        intervened: { grid: gridFromResult(result, nLayer), result, seq: runSeq },
        runStats: { ...get().runStats, trigger, intervenedMs: performance.now() - changedAt },
      });
      return true;
    } catch (error) {
      if (isCancel(error, signal)) return null;
      set({ runError: toAppError(error), intervened: undefined });
      return null;
    }
  };

  const startJob = <T>(key: string, work: (signal: AbortSignal) => Promise<T | null>): Job<T> => {
    const abort = new AbortController();
    return { key, abort, promise: track(() => work(abort.signal)) };
  };

  const cancelAll = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    control?.abort.abort();
    intervened?.abort.abort();
    control = null;
    intervened = null;
    scheduled = { control: '', intervened: '' };
    queueMicrotask(checkIdle);
  };

  const sync = (): void => {
    timer = undefined;
    const s = get();
    if (s.modelStatus !== 'ready' || !s.info) {
      checkIdle();
      return;
    }
    const controlKey = controlKeyOf(s);
    if (control?.key !== controlKey) {
      control?.abort.abort();
      intervened?.abort.abort();
      intervened = null;
      control = startJob(controlKey, runControl);
    }
    const intervenedKey = intervenedKeyOf(s, controlKey);
    if (intervened?.key !== intervenedKey) {
      intervened?.abort.abort();
      const controlJob = control;
      intervened = startJob(intervenedKey, (signal) => runIntervened(signal, controlJob));
    }
    checkIdle();
  };

  const schedule = (delay: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(sync, delay);
  };

  const onChange = (s: LensState, prev: LensState): void => {
    if (s.modelGeneration !== prev.modelGeneration) void s.materializeVectors();
    if (s.modelStatus !== 'ready') {
      if (prev.modelStatus === 'ready') cancelAll();
      return;
    }
    const controlKey = controlKeyOf(s);
    const intervenedKey = intervenedKeyOf(s, controlKey);
    if (controlKey === scheduled.control && intervenedKey === scheduled.intervened) return;
    const typing = s.prompt !== prev.prompt && controlKey !== scheduled.control;
    trigger =
      s.modelGeneration !== prev.modelGeneration || prev.modelStatus !== 'ready'
        ? 'model'
        : typing
          ? 'prompt'
          : controlKey !== scheduled.control
            ? s.rerunNonce !== prev.rerunNonce
              ? 'rerun'
              : 'tracked'
            : 'interventions';
    changedAt = performance.now();
    scheduled = { control: controlKey, intervened: intervenedKey };
    // a typed prompt waits for a pause; a new model, pins or interventions run at once
    schedule(trigger === 'prompt' ? debounceMs : 0);
  };

  const unsubscribe = store.subscribe(onChange);
  // the store may already be ready (a model loaded before the controller started)
  onChange(get(), { ...get(), modelStatus: 'idle' });

  return {
    stop: () => {
      unsubscribe();
      cancelAll();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        queueMicrotask(checkIdle);
      }),
  };
}
