/**
 * Starts, supersedes and cancels lens runs as the store changes. Two jobs, keyed by what they depend on:
 * - control: model, prompt, pinned tokens. One engine run (runCompute.ts) that decodes the last
 *   position first: the proposed argument and answer, the stages, the rank plot and the top-k table
 *   show as soon as it arrives, then the rest of the heatmap streams in; keeps the capture.
 * - intervened: the control job plus the interventions (and which vectors exist). Last position first
 *   too, into `intervened`. Changing interventions re-runs only this one.
 * Prompt edits are debounced; anything else runs at once. A job whose key is superseded is aborted
 * (the worker cancels the engine run between lens chunks, so the rest of an old heatmap is dropped).
 *
 * Finished outcomes are kept in a small LRU cache per job kind (runTasks.ts), under the jobs' keys (the
 * model generation included), and prefetch() computes another state's outcomes ahead (talk mode's next
 * slide). A job whose outcome is cached shows it at once; one whose key is being computed ahead adopts
 * that computation; a look-ahead of any other key is aborted when a foreground job starts. Every store
 * write goes through the run slice's actions.
 */
import type { Token } from '../../workers/engine/types.ts';
import { emptyGrid } from './grid.ts';
import type { LensStore } from './lensStore.ts';
import {
  type ControlBasis,
  type ControlBegin,
  type ControlOutcome,
  computeControl,
  computeIntervened,
  controlKeyOf,
  type IntervenedBegin,
  type IntervenedOutcome,
  intervenedKeyOf,
  type RunEngine,
  type RunInput,
  runInputOf,
} from './runCompute.ts';
import type { FinishStats, LastPositionView } from './runSlice.ts';
import { Foreground, follow, TaskTable } from './runTasks.ts';
import type { LensState } from './types.ts';

/** Quiet time after a prompt edit before its run starts, so that typing runs once per pause. */
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

/** A foreground job: brings one key's outcome into the store. */
interface Job<T> {
  key: string;
  abort: AbortController;
  /** Settles once the outcome is in the store; null when cancelled or failed. */
  done: Promise<T | null>;
  /** The outcome once shown: a later job can use it without waiting a tick. */
  now?: T;
}

interface ControlJob extends Job<ControlOutcome> {
  /**
   * Settles once the control's last position is shown (its proposals known), or with the outcome;
   * null when the job ends without either. The intervened job starts on it.
   */
  basis: Promise<ControlBasis | null>;
}

export function startRunController(store: LensStore, options: RunControllerOptions = {}): RunController {
  const { client } = store.deps;
  const debounceMs = options.promptDebounceMs ?? DEFAULT_PROMPT_DEBOUNCE_MS;
  const get = store.getState;
  const engine: RunEngine = {
    client,
    topK: options.topK ?? 10,
    statesPerChunk: options.statesPerChunk ?? 3,
    // the one store write a look-ahead makes: the backend is the worker's, whichever run found out
    noteFallback: (result) => {
      if (result.fellBack && get().backend !== 'wasm') get().noteBackendFallback(result.fellBack.reason);
    },
  };
  const cacheSize = Math.max(0, Math.floor(options.cacheSize ?? 6));
  // outcomes of a model no longer loaded are unreachable: leave the cache slots to reachable ones
  const stillLoaded = (input: RunInput): boolean => get().modelGeneration === input.generation;
  const controlTasks = new TaskTable<ControlBegin, LastPositionView, ControlOutcome>(cacheSize, stillLoaded);
  const intervenedTasks = new TaskTable<IntervenedBegin, null, IntervenedOutcome>(cacheSize, stillLoaded);

  let timer: { cancel(): void } | undefined;
  let control: ControlJob | null = null;
  let intervened: Job<IntervenedOutcome> | null = null;
  let scheduled = { control: '', intervened: '' };
  /** The latest change: what it was, when, and how long it waited (the prompt debounce). */
  let change = { trigger: 'model', at: performance.now(), debounceMs: 0 };
  let seq = 0;
  const nextSeq = (): number => ++seq;
  let prefetchQueue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const foreground = new Foreground(
    () => timer !== undefined,
    (running) => get().setRunning(running),
  );
  const checkIdle = (): void => foreground.check();
  const idle = (): Promise<void> => foreground.whenIdle();

  const startControlTask = (key: string, input: RunInput, ahead: boolean) =>
    controlTasks.start(key, input, ahead, (signal, stream) => computeControl(engine, input, signal, stream));

  const startIntervenedTask = (
    key: string,
    input: RunInput,
    controlBasis: Promise<ControlBasis | null>,
    ahead: boolean,
  ) =>
    intervenedTasks.start(key, input, ahead, (signal, stream) =>
      computeIntervened(engine, input, controlBasis, signal, stream),
    );

  const sinceChange = (): number => performance.now() - change.at;
  const finishStats = (cached: boolean): FinishStats => ({
    trigger: change.trigger,
    debounceMs: change.debounceMs,
    ms: sinceChange(),
    cached,
  });

  const applyControl = (o: ControlOutcome, runSeq: number, fromCache: boolean): void =>
    get().showControlOutcome(
      {
        view: { grid: o.grid, result: o.result, seq: runSeq },
        tokens: o.tokens,
        candidates: o.candidates,
        tracked: o.tracked,
        stages: o.stages,
        capture: o.capture,
      },
      finishStats(fromCache),
    );

  const applyIntervened = (o: IntervenedOutcome, runSeq: number, fromCache: boolean): void =>
    get().showIntervenedOutcome(
      o.view ? { grid: o.view.grid, result: o.view.result, seq: runSeq } : undefined,
      o.skipped,
      finishStats(fromCache),
    );

  const startControl = (key: string, input: RunInput): ControlJob => {
    const abort = new AbortController();
    const hit = controlTasks.finished.get(key);
    if (hit) {
      applyControl(hit, ++seq, true);
      return { key, abort, done: Promise.resolve(hit), now: hit, basis: Promise.resolve(hit) };
    }
    // a look-ahead of this very key is adopted, not run a second time
    const task = controlTasks.running.get(key) ?? startControlTask(key, input, false);
    let settleBasis: (basis: ControlBasis | null) => void = () => {};
    const basis = new Promise<ControlBasis | null>((resolve) => {
      settleBasis = resolve;
    });
    let tokens: Token[] = [];
    const job: ControlJob = { key, abort, done: Promise.resolve(null), basis };
    job.done = foreground.track(async () => {
      const outcome = await follow(task, abort.signal, nextSeq, {
        start: (begin, runSeq) => {
          tokens = begin.tokens;
          get().startControlView({ grid: emptyGrid(tokens, input.nLayer), seq: runSeq }, tokens);
        },
        rows: (states, runSeq) => get().addRunRows('control', runSeq, states),
        lastPosition: (head, runSeq) => {
          get().showControlLastPosition(runSeq, head, sinceChange());
          settleBasis({ ids: tokens.map((t) => t.id), tokens, tracked: head.tracked });
        },
        finish: (o, runSeq) => applyControl(o, runSeq, task.ahead),
        fail: (error) => get().failControlRun(error),
      });
      settleBasis(outcome);
      if (outcome) job.now = outcome;
      return outcome;
    });
    return job;
  };

  const startIntervened = (key: string, input: RunInput, controlJob: ControlJob): Job<IntervenedOutcome> => {
    const abort = new AbortController();
    const hit = intervenedTasks.finished.get(key);
    if (hit && controlJob.now) {
      applyIntervened(hit, ++seq, true);
      return { key, abort, done: Promise.resolve(hit), now: hit };
    }
    // it runs on the control's last position, before the rest of the control's heatmap (the engine
    // decodes last positions first)
    const task = hit
      ? undefined
      : (intervenedTasks.running.get(key) ?? startIntervenedTask(key, input, controlJob.basis, false));
    // a control run that fails or is cancelled takes its intervened view with it
    void controlJob.done.then((shown) => {
      if (!shown) abort.abort();
    });
    const job: Job<IntervenedOutcome> = { key, abort, done: Promise.resolve(null) };
    job.done = foreground.track(async () => {
      // the intervened view never shows next to an older control view
      const basis = await controlJob.basis;
      if (!basis || abort.signal.aborted) return null;
      let outcome: IntervenedOutcome | null = hit ?? null;
      if (task) {
        outcome = await follow(task, abort.signal, nextSeq, {
          start: ({ tokens, skipped }, runSeq) =>
            get().startIntervenedView({ grid: emptyGrid(tokens, input.nLayer), seq: runSeq }, skipped),
          rows: (states, runSeq) => get().addRunRows('intervened', runSeq, states),
          lastPosition: (_, runSeq) => get().showIntervenedLastPosition(runSeq, sinceChange()),
          finish: (o, runSeq) => applyIntervened(o, runSeq, task.ahead),
          fail: (error) => get().failIntervenedRun(error),
        });
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
    controlTasks.abortWhere(() => true);
    intervenedTasks.abortWhere(() => true);
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
    const input = runInputOf(s, s.info);
    // a starting job aborts every computation it does not need (superseded jobs, other look-aheads)
    // before queueing its own: the engine runs FIFO, and nothing unwanted may stay ahead of it
    const abortOthers = (): void => {
      controlTasks.abortWhere((key) => key !== controlKey);
      intervenedTasks.abortWhere((key) => key !== intervenedKey);
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
    control?.key !== controlKey ? controlTasks.atHand(controlKey) : intervenedTasks.atHand(intervenedKey);

  const onChange = (s: LensState, prev: LensState): void => {
    if (s.modelGeneration !== prev.modelGeneration) {
      // outcomes of another model are unreachable (their keys hold its generation): free them
      controlTasks.finished.clear();
      intervenedTasks.finished.clear();
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
    const trigger =
      s.modelGeneration !== prev.modelGeneration || prev.modelStatus !== 'ready'
        ? 'model'
        : typing
          ? 'prompt'
          : controlKey !== scheduled.control
            ? s.rerunNonce !== prev.rerunNonce
              ? 'rerun'
              : 'tracked'
            : 'interventions';
    scheduled = { control: controlKey, intervened: intervenedKey };
    // an outcome at hand shows at once; a typed prompt waits for a pause; the rest runs at once
    const delay = atHand(controlKey, intervenedKey) ? 'now' : trigger === 'prompt' ? debounceMs : 0;
    change = { trigger, at: performance.now(), debounceMs: delay === 'now' ? 0 : delay };
    schedule(delay);
  };

  const lookAhead = async (next: PrefetchState, generation: number): Promise<boolean> => {
    // background work: the foreground goes first
    while (!foreground.idle) await idle();
    const s = get();
    if (stopped || s.modelStatus !== 'ready' || !s.info || s.modelGeneration !== generation) return false;
    const state = { ...s, ...next };
    const controlKey = controlKeyOf(state);
    const intervenedKey = intervenedKeyOf(state, controlKey);
    const input = runInputOf(state, s.info);
    const controlHit = controlTasks.finished.get(controlKey);
    const intervenedHit = intervenedTasks.finished.get(intervenedKey);
    if (controlHit && intervenedHit) return true;
    const controlOutcome = controlHit
      ? Promise.resolve(controlHit)
      : (controlTasks.running.get(controlKey) ?? startControlTask(controlKey, input, true)).promise;
    const intervenedTask = intervenedHit
      ? undefined
      : (intervenedTasks.running.get(intervenedKey) ??
        startIntervenedTask(intervenedKey, input, controlOutcome, true));
    try {
      await controlOutcome;
      await intervenedTask?.promise;
    } catch {
      return false;
    }
    return (
      get().modelGeneration === generation &&
      controlTasks.finished.has(controlKey) &&
      intervenedTasks.finished.has(intervenedKey)
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
