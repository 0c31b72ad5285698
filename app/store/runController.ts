/**
 * Starts, supersedes and cancels lens runs as the store changes. Two jobs, keyed by what they depend on:
 * - control: model, prompt, pinned tokens. Streams rows into `control`, proposes argument and answer,
 *   re-decodes (trunk reused) when the answer was not tracked, detects stages, keeps the capture.
 * - intervened: the control job plus the interventions (and which vectors exist). Streams into
 *   `intervened`. Changing interventions re-runs only this one.
 * Prompt edits are debounced; anything else runs at once. A job whose key is superseded is aborted
 * (the worker cancels the engine run between lens chunks).
 *
 * Finished outcomes are kept in a small LRU cache per job kind, under the jobs' keys (the model
 * generation included), and prefetch() computes another state's outcomes ahead (talk mode's next
 * slide). A job whose outcome is cached shows it at once; one whose key is being computed ahead adopts
 * that computation; a look-ahead of any other key is aborted when a foreground job starts.
 */
import type { WorkerRunResult } from '../../workers/api.ts';
import type { StateResult, Token } from '../../workers/engine/types.ts';
import { proposeAnswer, type Stages } from '../analysis/stages.ts';
import type { EngineClient } from '../engineClient.ts';
import type { Interventions, LensGrid, TrackedTokens, VectorEntry } from './domain.ts';
import { addStates, emptyGrid, gridFromResult } from './grid.ts';
import { interventionKey, toInterventionSpec } from './interventionSpec.ts';
import type { LensStore } from './lensStore.ts';
import type { HeldCapture, RunView } from './runSlice.ts';
import { candidatesFor, chooseTracked, type Pins, stagesFor, trackList } from './tracking.ts';
import { type LensState, toAppError } from './types.ts';

/** Quiet time after a prompt edit before its run starts (typing runs once per pause). */
export const DEFAULT_PROMPT_DEBOUNCE_MS = 300;

export interface RunControllerOptions {
  /** Quiet time after a prompt edit before running; default DEFAULT_PROMPT_DEBOUNCE_MS. */
  promptDebounceMs?: number;
  /** Residual states per lens chunk (rows stream in this many at a time); default 3. */
  statesPerChunk?: number;
  /** Top-k per cell; default 10. */
  topK?: number;
  /** Finished outcomes kept per job kind (control, intervened); default 6. */
  cacheSize?: number;
}

/** The parts of the store a look-ahead may differ in (the model and everything else stay). */
export type PrefetchState = Pick<LensState, 'prompt' | 'pins' | 'interventions' | 'vectors'>;

export interface RunController {
  stop(): void;
  /** Resolves once no foreground run is scheduled or in flight (tests); look-ahead does not count. */
  idle(): Promise<void>;
  /**
   * Computes, in the background on the loaded model, what a store in state `next` would show, and
   * caches it without touching the views. Resolves true once cached (or already cached); false when no
   * model is ready, the model changed meanwhile, the engine failed, or a foreground run aborted it.
   */
  prefetch(next: PrefetchState): Promise<boolean>;
}

/** What a run depends on, fixed when it starts: the same input gives the same outcome. */
interface RunInput {
  generation: number;
  nLayer: number;
  nEmbd: number;
  prompt: string;
  pins: Pins;
  interventions: Interventions;
  vectors: readonly VectorEntry[];
}

/** A finished control run: everything it sets in the store. */
interface ControlOutcome {
  ids: number[];
  tokens: Token[];
  candidates: number[];
  tracked: TrackedTokens;
  grid: LensGrid;
  result: WorkerRunResult;
  stages: Stages | undefined;
  capture: HeldCapture | undefined;
}

/** A finished intervened run; no view when no slot applies (the control is all there is). */
interface IntervenedOutcome {
  skipped: string[];
  view?: { grid: LensGrid; result: WorkerRunResult };
}

/** A run's progress as it comes: its tokens (and more) once known, then heatmap rows. */
interface RunStream<B> {
  start(begin: B): void;
  rows(states: StateResult[]): void;
}

type ControlBegin = { tokens: Token[] };
type IntervenedBegin = { tokens: Token[]; skipped: string[] };

/** A stream that keeps what came, so a job that adopts a running look-ahead sees it from the start. */
interface Relay<B> {
  stream: RunStream<B>;
  /** Replays what came so far, then forwards; returns the detach. */
  attach(listener: RunStream<B>): () => void;
}

/** One computation of one key, started by a foreground job or a look-ahead; jobs follow its relay. */
interface Task<B, T> {
  key: string;
  input: RunInput;
  /** Started by prefetch(): a job that adopts it shows look-ahead work. */
  ahead: boolean;
  abort: AbortController;
  relay: Relay<B>;
  /** Rejects on an engine error or when aborted. */
  promise: Promise<T>;
}

/** A foreground job: brings one key's outcome into the store. */
interface Job<T> {
  key: string;
  abort: AbortController;
  /** Settles once the outcome is in the store; null when cancelled or failed. */
  done: Promise<T | null>;
  /** The outcome once shown: a later job can use it without waiting a tick. */
  now?: T;
}

/** What the compute functions need from the controller. */
interface Engine {
  client: EngineClient;
  topK: number;
  statesPerChunk: number;
  noteFallback(result: WorkerRunResult): void;
}

type KeyState = Pick<LensState, 'modelGeneration' | 'prompt' | 'pins' | 'rerunNonce'>;

function controlKeyOf(s: KeyState): string {
  return JSON.stringify([
    s.modelGeneration,
    s.prompt,
    s.pins.argument?.id ?? null,
    s.pins.answer?.id ?? null,
    s.rerunNonce,
  ]);
}

function intervenedKeyOf(s: Pick<LensState, 'interventions' | 'vectors'>, controlKey: string): string {
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

/** Coded like the engine's own cancellation, so every follower treats both alike. */
class Cancelled extends Error {
  readonly code = 'cancelled';
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled('the run was cancelled');
}

const isCancel = (error: unknown, signal: AbortSignal): boolean =>
  signal.aborted || toAppError(error).code === 'cancelled';

/** A Map in use order: get() refreshes an entry, put() drops the least recently used beyond `size`. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  put(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

function createRelay<B>(): Relay<B> {
  let begun: { value: B } | undefined;
  const rows: StateResult[] = [];
  let listener: RunStream<B> | undefined;
  return {
    stream: {
      start: (value) => {
        begun = { value };
        listener?.start(value);
      },
      rows: (states) => {
        for (const st of states) rows.push(st);
        listener?.rows(states);
      },
    },
    attach: (l) => {
      listener = l;
      if (begun) {
        l.start(begun.value);
        if (rows.length > 0) l.rows(rows.slice());
      }
      return () => {
        if (listener === l) listener = undefined;
      };
    },
  };
}

/** A chunk goes on to the stream unless its run was aborted (the worker may still send one). */
function forward<B>(stream: RunStream<B>, states: StateResult[], signal: AbortSignal): void {
  if (!signal.aborted) stream.rows(states);
}

/**
 * The control run of `input`: the heatmap (every position, rows streamed to `stream`), then the last
 * position with the argument candidates and the answer tracked. Throws when aborted or on an engine error.
 */
async function computeControl(
  engine: Engine,
  input: RunInput,
  signal: AbortSignal,
  stream?: RunStream<ControlBegin>,
): Promise<ControlOutcome> {
  const { client, topK, statesPerChunk } = engine;
  const { nLayer, prompt, pins, generation } = input;
  const tokens = await client.tokenize(prompt);
  throwIfAborted(signal);
  const ids = tokens.map((t) => t.id);
  const candidates = candidatesFor(ids);
  stream?.start({ tokens });
  // 1. every position, streamed row by row: the heatmap. Only the pinned tokens are tracked here:
  // the lens counts ranks as [rows, tracked, vocab], too much for 64 candidates at every position.
  const heatmap = await client.run(
    {
      prompts: [ids],
      track: trackList([], pins),
      topK,
      positions: 'all',
      statesPerChunk,
      capture: true,
      reuseTrunk: true,
    },
    {
      signal,
      ...(stream ? { onChunk: (states: StateResult[]) => forward(stream, states, signal) } : {}),
    },
  );
  engine.noteFallback(heatmap);
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
  engine.noteFallback(ranked);
  throwIfAborted(signal);
  const states = ranked.prompts[0]!.states;
  const tracked = chooseTracked(states, tokens, candidates, pins, nLayer);
  return {
    ids,
    tokens,
    candidates,
    tracked,
    grid: addStates(gridFromResult(heatmap, nLayer), states),
    result: mergeRuns(heatmap, ranked),
    stages: stagesFor(states, tracked, nLayer),
    capture: first.capture ? { prompt, generation, tokens, ...first.capture } : undefined,
  };
}

/**
 * The intervened run of `input` on the control's tokens, tracking its argument and answer. `control`
 * resolving null (the control failed or was cancelled) cancels this one.
 */
async function computeIntervened(
  engine: Engine,
  input: RunInput,
  control: Promise<ControlOutcome | null>,
  signal: AbortSignal,
  stream?: RunStream<IntervenedBegin>,
): Promise<IntervenedOutcome> {
  const { client, topK, statesPerChunk } = engine;
  const { nLayer, nEmbd } = input;
  const { spec, skipped } = toInterventionSpec(input.interventions, input.vectors, nEmbd, nLayer);
  const outcome = await control;
  if (!outcome) throw new Cancelled('the control run did not finish');
  throwIfAborted(signal);
  if (!spec) return { skipped };
  stream?.start({ tokens: outcome.tokens, skipped });
  const ids = [outcome.tracked.argument?.id, outcome.tracked.answer?.id].filter(
    (id): id is number => id !== undefined,
  );
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
      ...(stream ? { onChunk: (states: StateResult[]) => forward(stream, states, signal) } : {}),
    },
  );
  engine.noteFallback(result);
  throwIfAborted(signal);
  return { skipped, view: { grid: gridFromResult(result, nLayer), result } };
}

export function startRunController(store: LensStore, options: RunControllerOptions = {}): RunController {
  const { client } = store.deps;
  const debounceMs = options.promptDebounceMs ?? DEFAULT_PROMPT_DEBOUNCE_MS;
  const get = store.getState;
  const set = store.setState;
  const engine: Engine = {
    client,
    topK: options.topK ?? 10,
    statesPerChunk: options.statesPerChunk ?? 3,
    // the one store write a look-ahead makes: the backend is the worker's, whichever run found out
    noteFallback: (result) => {
      if (result.fellBack && get().backend !== 'wasm') get().noteBackendFallback(result.fellBack.reason);
    },
  };
  const cacheSize = Math.max(0, Math.floor(options.cacheSize ?? 6));
  const cache = {
    control: new Lru<ControlOutcome>(cacheSize),
    intervened: new Lru<IntervenedOutcome>(cacheSize),
  };
  /** Computations in flight by key, foreground and look-ahead alike (a few at most). */
  const tasks = {
    control: new Map<string, Task<ControlBegin, ControlOutcome>>(),
    intervened: new Map<string, Task<IntervenedBegin, IntervenedOutcome>>(),
  };

  let timer: { cancel(): void } | undefined;
  let control: Job<ControlOutcome> | null = null;
  let intervened: Job<IntervenedOutcome> | null = null;
  let scheduled = { control: '', intervened: '' };
  let changedAt = performance.now();
  let trigger = 'model';
  let seq = 0;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  let prefetchQueue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const foregroundIdle = (): boolean => inFlight === 0 && timer === undefined;

  const checkIdle = (): void => {
    if (!foregroundIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const idle = (): Promise<void> =>
    new Promise<void>((resolve) => {
      idleWaiters.push(resolve);
      queueMicrotask(checkIdle);
    });

  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight++ === 0) set({ running: true });
    try {
      return await work();
    } finally {
      if (--inFlight === 0) set({ running: false });
      queueMicrotask(checkIdle);
    }
  };

  const inputOf = (s: LensState & PrefetchState, info: NonNullable<LensState['info']>): RunInput => ({
    generation: s.modelGeneration,
    nLayer: info.nLayer,
    nEmbd: info.nEmbd,
    prompt: s.prompt,
    pins: s.pins,
    interventions: s.interventions,
    vectors: s.vectors,
  });

  const startTask = <B, T>(
    map: Map<string, Task<B, T>>,
    lru: Lru<T>,
    key: string,
    input: RunInput,
    ahead: boolean,
    compute: (signal: AbortSignal, stream: RunStream<B>) => Promise<T>,
  ): Task<B, T> => {
    const abort = new AbortController();
    const relay = createRelay<B>();
    const promise = (async () => {
      try {
        const outcome = await compute(abort.signal, relay.stream);
        // outcomes of a model no longer loaded are unreachable: leave the slots to reachable ones
        if (get().modelGeneration === input.generation) lru.put(key, outcome);
        return outcome;
      } finally {
        if (map.get(key)?.abort === abort) map.delete(key);
      }
    })();
    // followers see the error; a look-ahead nobody follows must not raise an unhandled rejection
    promise.catch(() => undefined);
    const task: Task<B, T> = { key, input, ahead, abort, relay, promise };
    map.set(key, task);
    return task;
  };

  const startControlTask = (key: string, input: RunInput, ahead: boolean) =>
    startTask(tasks.control, cache.control, key, input, ahead, (signal, stream) =>
      computeControl(engine, input, signal, stream),
    );

  const startIntervenedTask = (
    key: string,
    input: RunInput,
    controlOutcome: Promise<ControlOutcome | null>,
    ahead: boolean,
  ) =>
    startTask(tasks.intervened, cache.intervened, key, input, ahead, (signal, stream) =>
      computeIntervened(engine, input, controlOutcome, signal, stream),
    );

  const abortWhere = (map: Map<string, { abort: AbortController }>, drop: (key: string) => boolean) => {
    for (const [key, task] of map) {
      if (!drop(key)) continue;
      task.abort.abort();
      map.delete(key);
    }
  };

  const setView = (field: 'control' | 'intervened', view: RunView, also: Partial<LensState>): void =>
    set(field === 'control' ? { ...also, control: view } : { ...also, intervened: view });

  /**
   * Follows `task` into the `field` view: an empty grid under a fresh seq once its tokens are known,
   * rows as they come, then `finish` with the outcome. Resolves null when cancelled or failed.
   */
  const follow = async <B extends { tokens: Token[] }, T>(
    task: Task<B, T>,
    field: 'control' | 'intervened',
    signal: AbortSignal,
    begin: (b: B) => Partial<LensState>,
    finish: (outcome: T, runSeq: number) => void,
    fail: (error: unknown) => void,
  ): Promise<T | null> => {
    let runSeq = 0;
    const detach = task.relay.attach({
      start: (b) => {
        if (signal.aborted) return;
        runSeq = ++seq;
        setView(field, { grid: emptyGrid(b.tokens, task.input.nLayer), seq: runSeq }, begin(b));
      },
      rows: (states) => {
        const view = get()[field];
        if (!signal.aborted && view && view.seq === runSeq)
          setView(field, { ...view, grid: addStates(view.grid, states) }, {});
      },
    });
    try {
      const outcome = await task.promise;
      if (signal.aborted) return null;
      finish(outcome, runSeq || ++seq);
      return outcome;
    } catch (error) {
      if (!isCancel(error, signal) && !task.abort.signal.aborted) fail(error);
      return null;
    } finally {
      detach();
    }
  };

  const applyControl = (o: ControlOutcome, runSeq: number, fromCache: boolean): void => {
    const { pins, runStats } = get();
    set({
      tokens: o.tokens,
      runError: undefined,
      control: { grid: o.grid, result: o.result, seq: runSeq },
      candidates: o.candidates,
      tracked: o.tracked,
      stages: o.stages,
      ...(o.capture ? { capture: o.capture } : {}),
      runStats: {
        ...runStats,
        trigger,
        controlMs: performance.now() - changedAt,
        cached: { control: fromCache, intervened: runStats.cached?.intervened ?? false },
      },
      // a link's pins carry ids only: their text is known now
      pins: {
        ...(pins.argument ? { argument: { ...pins.argument, text: o.tracked.argument?.text } } : {}),
        ...(pins.answer ? { answer: { ...pins.answer, text: o.tracked.answer?.text } } : {}),
      },
    });
  };

  const applyIntervened = (o: IntervenedOutcome, runSeq: number, fromCache: boolean): void => {
    const { runStats } = get();
    const cached = { control: runStats.cached?.control ?? false, intervened: fromCache };
    if (!o.view) {
      set({ intervened: undefined, skippedSlots: o.skipped, runStats: { ...runStats, cached } });
      return;
    }
    set({
      skippedSlots: o.skipped,
      intervened: { grid: o.view.grid, result: o.view.result, seq: runSeq },
      runStats: { ...runStats, trigger, intervenedMs: performance.now() - changedAt, cached },
    });
  };

  const startControl = (key: string, input: RunInput): Job<ControlOutcome> => {
    const abort = new AbortController();
    const hit = cache.control.get(key);
    if (hit) {
      applyControl(hit, ++seq, true);
      return { key, abort, done: Promise.resolve(hit), now: hit };
    }
    // a look-ahead of this very key is adopted, not run a second time
    const task = tasks.control.get(key) ?? startControlTask(key, input, false);
    const job: Job<ControlOutcome> = { key, abort, done: Promise.resolve(null) };
    job.done = track(async () => {
      const outcome = await follow(
        task,
        'control',
        abort.signal,
        ({ tokens }) => ({ tokens, runError: undefined }),
        (o, runSeq) => applyControl(o, runSeq, task.ahead),
        (error) =>
          set({
            runError: toAppError(error),
            control: undefined,
            intervened: undefined,
            tokens: [],
            tracked: {},
            stages: undefined,
          }),
      );
      if (outcome) job.now = outcome;
      return outcome;
    });
    return job;
  };

  const startIntervened = (
    key: string,
    input: RunInput,
    controlJob: Job<ControlOutcome>,
  ): Job<IntervenedOutcome> => {
    const abort = new AbortController();
    const hit = cache.intervened.get(key);
    if (hit && controlJob.now) {
      applyIntervened(hit, ++seq, true);
      return { key, abort, done: Promise.resolve(hit), now: hit };
    }
    const task = hit
      ? undefined
      : (tasks.intervened.get(key) ?? startIntervenedTask(key, input, controlJob.done, false));
    const job: Job<IntervenedOutcome> = { key, abort, done: Promise.resolve(null) };
    job.done = track(async () => {
      // the intervened view never shows next to an older control view
      const shown = await controlJob.done;
      if (!shown || abort.signal.aborted) return null;
      let outcome: IntervenedOutcome | null = hit ?? null;
      if (task) {
        outcome = await follow(
          task,
          'intervened',
          abort.signal,
          ({ skipped }) => ({ skippedSlots: skipped }),
          (o, runSeq) => applyIntervened(o, runSeq, task.ahead),
          (error) => set({ runError: toAppError(error), intervened: undefined }),
        );
      } else if (hit) {
        applyIntervened(hit, ++seq, true);
      }
      if (outcome) job.now = outcome;
      return outcome;
    });
    return job;
  };

  const cancelAll = (): void => {
    timer?.cancel();
    timer = undefined;
    control?.abort.abort();
    intervened?.abort.abort();
    control = null;
    intervened = null;
    abortWhere(tasks.control, () => true);
    abortWhere(tasks.intervened, () => true);
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
    const intervenedKey = intervenedKeyOf(s, controlKey);
    const input = inputOf(s, s.info);
    // a starting job aborts every computation it does not need (superseded jobs, other look-aheads)
    // before queueing its own: the engine runs FIFO, and nothing unwanted may stay ahead of it
    const abortOthers = (): void => {
      abortWhere(tasks.control, (key) => key !== controlKey);
      abortWhere(tasks.intervened, (key) => key !== intervenedKey);
    };
    if (control?.key !== controlKey) {
      control?.abort.abort();
      intervened?.abort.abort();
      intervened = null;
      abortOthers();
      control = startControl(controlKey, input);
    }
    if (intervened?.key !== intervenedKey) {
      intervened?.abort.abort();
      abortOthers();
      intervened = startIntervened(intervenedKey, input, control);
    }
    checkIdle();
  };

  /** 'now': a microtask (same tick, after the current store update has reached every subscriber). */
  const schedule = (delay: number | 'now'): void => {
    timer?.cancel();
    if (delay === 'now') {
      let live = true;
      timer = {
        cancel: () => {
          live = false;
        },
      };
      queueMicrotask(() => {
        if (live) sync();
      });
      return;
    }
    const handle = setTimeout(sync, delay);
    timer = { cancel: () => clearTimeout(handle) };
  };

  /** The job that would start has its outcome cached or being computed: no need to wait. */
  const atHand = (controlKey: string, intervenedKey: string): boolean =>
    control?.key !== controlKey
      ? cache.control.has(controlKey) || tasks.control.has(controlKey)
      : cache.intervened.has(intervenedKey) || tasks.intervened.has(intervenedKey);

  const onChange = (s: LensState, prev: LensState): void => {
    if (s.modelGeneration !== prev.modelGeneration) {
      // outcomes of another model are unreachable (their keys hold its generation): free them
      cache.control.clear();
      cache.intervened.clear();
      void s.materializeVectors();
    }
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
    // an outcome at hand shows at once; a typed prompt waits for a pause; the rest runs at once
    schedule(atHand(controlKey, intervenedKey) ? 'now' : trigger === 'prompt' ? debounceMs : 0);
  };

  const lookAhead = async (next: PrefetchState, generation: number): Promise<boolean> => {
    // background work: the foreground goes first
    while (!foregroundIdle()) await idle();
    const s = get();
    if (stopped || s.modelStatus !== 'ready' || !s.info || s.modelGeneration !== generation) return false;
    const state = { ...s, ...next };
    const controlKey = controlKeyOf(state);
    const intervenedKey = intervenedKeyOf(state, controlKey);
    const input = inputOf(state, s.info);
    const controlHit = cache.control.get(controlKey);
    const intervenedHit = cache.intervened.get(intervenedKey);
    if (controlHit && intervenedHit) return true;
    const controlOutcome = controlHit
      ? Promise.resolve(controlHit)
      : (tasks.control.get(controlKey) ?? startControlTask(controlKey, input, true)).promise;
    const intervenedTask = intervenedHit
      ? undefined
      : (tasks.intervened.get(intervenedKey) ??
        startIntervenedTask(intervenedKey, input, controlOutcome, true));
    try {
      await controlOutcome;
      await intervenedTask?.promise;
    } catch {
      return false;
    }
    return (
      get().modelGeneration === generation &&
      cache.control.has(controlKey) &&
      cache.intervened.has(intervenedKey)
    );
  };

  const unsubscribe = store.subscribe(onChange);
  // the store may already be ready (a model loaded before the controller started)
  onChange(get(), { ...get(), modelStatus: 'idle' });

  return {
    stop: () => {
      stopped = true;
      unsubscribe();
      cancelAll();
    },
    idle,
    prefetch: (next) => {
      const s = get();
      if (stopped || s.modelStatus !== 'ready' || !s.info) return Promise.resolve(false);
      // one look-ahead at a time, each behind the foreground
      const done = prefetchQueue.then(() => lookAhead(next, s.modelGeneration)).catch(() => false);
      prefetchQueue = done;
      return done;
    },
  };
}
