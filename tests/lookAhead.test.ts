/**
 * The run controller's results cache and look-ahead (talk mode's next slide), against the real engine
 * in process: a prefetched state shows at once with no engine run and equals a cold run; an in-flight
 * look-ahead is adopted; a foreground run of another state aborts it; a new model, eviction and no
 * model leave nothing to use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Interventions, LensGrid, VectorEntry } from '../app/domain.ts';
import { createLensStore, type LensState, type LensStore } from '../app/store/lensStore.ts';
import {
  type PrefetchState,
  type RunController,
  type RunControllerOptions,
  startRunController,
} from '../app/store/runController.ts';
import { toSharedState } from '../app/store/urlSync.ts';
import { encodeState } from '../app/url/codec.ts';
import type { SharedVector } from '../app/url/stateTypes.ts';
import type { WorkerRunResult } from '../workers/api.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { type InProcessClient, inProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 48, seed: 3 }).files;

interface Setup {
  store: LensStore;
  client: InProcessClient;
  controller: RunController;
}

const live: Setup[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) {
    s.controller.stop();
    await s.client.dispose();
  }
});

function setup(options: RunControllerOptions = {}): Setup {
  const client = inProcessClient({ builtin });
  const store = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    hubUrl: 'http://hub.test',
    fetch: async () => new Response(null, { status: 200 }),
  });
  const controller = startRunController(store, { promptDebounceMs: 20, statesPerChunk: 2, ...options });
  const s = { store, client, controller };
  live.push(s);
  return s;
}

async function ready(s: Setup): Promise<void> {
  expect(await s.store.getState().loadModel({ source: 'builtin' })).toBe(true);
  await s.controller.idle();
}

/** Engine runs so far (the in-process client records every call). */
const runs = (s: Setup) => s.client.calls.filter((c) => c.method === 'run');

const SLIDE_PROMPT = 'table mug free China table mug free';
const OTHER_PROMPT = 'free China table mug';

/** The next slide: another prompt, the vector added to block 1's FFN. */
function slide(vector: VectorEntry, prompt = SLIDE_PROMPT): PrefetchState {
  const interventions: Interventions = {
    scope: 'all',
    slots: [{ block: 1, kind: 'ffn', mode: 'add', vectorId: vector.id, scale: 2 }],
  };
  return { prompt, pins: {}, interventions, vectors: [vector] };
}

const plain = (prompt: string): PrefetchState => ({
  prompt,
  pins: {},
  interventions: { scope: 'all', slots: [] },
  vectors: [],
});

const stateOf = (s: Setup): PrefetchState => {
  const { prompt, pins, interventions, vectors } = s.store.getState();
  return { prompt, pins, interventions, vectors };
};

/** Moves the store to `state` as talk mode does: one update. */
const show = (s: Setup, state: PrefetchState): void => s.store.setState({ ...state });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
}

/** What the views show, comparable across stores: tokens, top-1 of every cell, tracked ranks. */
function summary(st: LensState) {
  const tops = (grid: LensGrid | undefined) => grid?.grid.map((row) => row.map((cell) => cell?.top[0]?.id));
  const ranks = (result: WorkerRunResult | undefined) =>
    result?.prompts[0]?.states.map((state) => state.tracked.map((t) => [t.id, t.rank]));
  return {
    tokens: st.tokens.map((t) => t.id),
    control: {
      complete: st.control?.grid.complete,
      tops: tops(st.control?.grid),
      ranks: ranks(st.control?.result),
    },
    intervened: {
      complete: st.intervened?.grid.complete,
      tops: tops(st.intervened?.grid),
      ranks: ranks(st.intervened?.result),
    },
    candidates: st.candidates,
    tracked: st.tracked,
    stages: st.stages,
    skipped: st.skippedSlots,
    capture: st.capture?.prompt,
  };
}

/** A fresh store and engine that computes `state` the ordinary way. */
async function coldRun(state: PrefetchState) {
  const cold = setup();
  await ready(cold);
  show(cold, state);
  await cold.controller.idle();
  const st = cold.store.getState();
  expect(st.runStats.cached).toEqual({ control: false, intervened: false });
  return summary(st);
}

/** A ready store with a captured vector, and the next slide using it. */
async function withSlide(options: RunControllerOptions = {}) {
  const s = setup(options);
  await ready(s);
  const vector = (await s.store.getState().captureVector(1, 'ffn'))!;
  await s.controller.idle();
  return { s, vector, next: slide(vector) };
}

describe('look-ahead', () => {
  it('shows a prefetched state at once, with no engine run, as a cold run shows it', async () => {
    const { s, next } = await withSlide();
    const first = stateOf(s);
    const shown = s.store.getState().control;
    let writes = 0;
    const unsubscribe = s.store.subscribe(() => writes++);
    expect(await s.controller.prefetch(next)).toBe(true);
    unsubscribe();
    // computed aside: the views did not move
    expect(writes).toBe(0);
    expect(s.store.getState().control).toBe(shown);
    expect(runs(s).length).toBeGreaterThan(0);
    // already cached: nothing to do
    const before = runs(s).length;
    expect(await s.controller.prefetch(next)).toBe(true);
    expect(runs(s).length).toBe(before);

    show(s, next);
    await Promise.resolve(); // one microtask: no debounce, no timer
    let st = s.store.getState();
    expect(st.control!.seq).toBeGreaterThan(shown!.seq);
    expect(st.control!.grid.complete).toBe(true);
    expect(st.intervened!.grid.complete).toBe(true);
    expect(st.intervened!.seq).toBeGreaterThan(st.control!.seq);
    expect(st.runStats.cached).toEqual({ control: true, intervened: true });
    expect(st.runStats.controlMs).toBeGreaterThanOrEqual(0);
    expect(st.runStats.intervenedMs).toBeGreaterThanOrEqual(0);
    expect(st.capture?.prompt).toBe(SLIDE_PROMPT);
    await s.controller.idle();
    expect(runs(s).length).toBe(before);
    expect(summary(s.store.getState())).toEqual(await coldRun(next));

    // back to the first slide: its foreground run filled the cache
    show(s, first);
    await s.controller.idle();
    st = s.store.getState();
    expect(runs(s).length).toBe(before);
    expect(st.prompt).toBe(first.prompt);
    expect(st.intervened).toBeUndefined();
    expect(st.control!.grid.complete).toBe(true);
    expect(st.runStats.cached).toEqual({ control: true, intervened: true });
  });

  it('adopts a look-ahead in flight when the store reaches its state: one run sequence, not two', async () => {
    const { s, next } = await withSlide();
    const before = runs(s).length;
    const abortedBefore = s.client.aborted;
    s.client.delayRuns(30);
    const pending = s.controller.prefetch(next);
    await until(() => runs(s).length > before); // the look-ahead's control run is waiting
    const partial: boolean[] = [];
    const unsubscribe = s.store.subscribe((st) => {
      if (st.control && st.prompt === SLIDE_PROMPT) partial.push(!st.control.grid.complete);
    });
    show(s, next);
    await s.controller.idle();
    unsubscribe();
    expect(await pending).toBe(true);
    const made = runs(s)
      .slice(before)
      .map((c) => c.request!);
    // one control run, one intervened run
    expect(made.map((r) => [r.positions, !!r.intervention])).toEqual([
      ['all', false],
      ['all', true],
    ]);
    expect(s.client.aborted).toBe(abortedBefore);
    // the adopted run streamed into the view like a foreground one
    expect(partial).toContain(true);
    const st = s.store.getState();
    expect(st.control!.grid.complete).toBe(true);
    expect(st.intervened!.grid.complete).toBe(true);
    expect(st.runStats.cached).toEqual({ control: true, intervened: true });
    s.client.delayRuns(0);
    expect(summary(st)).toEqual(await coldRun(next));
  });

  it('is aborted by a foreground run of another state, which is not held up and comes out right', async () => {
    const { s, next } = await withSlide();
    const before = runs(s).length;
    const abortedBefore = s.client.aborted;
    s.client.delayRuns(80); // the look-ahead's run waits past the prompt debounce
    const pending = s.controller.prefetch(next);
    await until(() => runs(s).length > before);
    s.store.getState().setPrompt(OTHER_PROMPT);
    expect(await pending).toBe(false);
    await s.controller.idle();
    expect(s.client.aborted).toBeGreaterThan(abortedBefore);
    // the look-ahead's run in flight was cancelled, its later ones never queued
    const made = runs(s)
      .slice(before)
      .map((c) => c.request!);
    const nextIds = made[0]!.prompts[0];
    expect(made).toHaveLength(2);
    expect(made.slice(1).every((r) => JSON.stringify(r.prompts[0]) !== JSON.stringify(nextIds))).toBe(true);
    const st = s.store.getState();
    expect(st.runStats.cached).toEqual({ control: false, intervened: false });
    expect(st.control!.grid.complete).toBe(true);
    s.client.delayRuns(0);
    expect(summary(st)).toEqual(await coldRun({ ...stateOf(s), prompt: OTHER_PROMPT }));
    // nothing half-done was cached: the slide is computed afresh
    expect(await s.controller.prefetch(next)).toBe(true);
  });

  it('waits for the foreground before it starts', async () => {
    const { s, next } = await withSlide();
    const before = runs(s).length;
    s.store.getState().setPrompt(OTHER_PROMPT); // debounced: scheduled, not yet running
    const pending = s.controller.prefetch(next);
    await s.controller.idle();
    expect(await pending).toBe(true);
    const prompts = runs(s)
      .slice(before)
      .map((c) => JSON.stringify(c.request!.prompts[0]));
    // the foreground's control run, then the look-ahead's control and intervened runs
    expect(prompts).toHaveLength(3);
    expect(prompts.slice(1).every((p) => p !== prompts[0])).toBe(true);
  });

  it('leaves nothing usable after a model reload', async () => {
    const { s, next } = await withSlide();
    expect(await s.controller.prefetch(next)).toBe(true);
    // a reload while a look-ahead runs: it resolves false
    s.client.delayRuns(30);
    const pending = s.controller.prefetch(slide(next.vectors[0]!, OTHER_PROMPT));
    await new Promise((r) => setTimeout(r, 5));
    expect(await s.store.getState().loadModel({ source: 'builtin' })).toBe(true);
    expect(await pending).toBe(false);
    s.client.delayRuns(0);
    await s.controller.idle();
    const before = runs(s).length;
    show(s, next);
    await s.controller.idle();
    expect(runs(s).length - before).toBe(2);
    const st = s.store.getState();
    expect(st.runStats.cached).toEqual({ control: false, intervened: false });
    expect(st.intervened!.grid.complete).toBe(true);
  });

  it('keeps cacheSize outcomes per job kind, least recently used out first', async () => {
    const s = setup({ cacheSize: 2 });
    await ready(s); // the first state's outcome: cached by its foreground run
    const s0 = stateOf(s);
    const s1 = plain('free China');
    const s2 = plain(OTHER_PROMPT);
    expect(await s.controller.prefetch(s1)).toBe(true);
    expect(await s.controller.prefetch(s2)).toBe(true); // s0 out

    const showCounting = async (state: PrefetchState): Promise<number> => {
      const before = runs(s).length;
      show(s, state);
      await s.controller.idle();
      return runs(s).length - before;
    };
    const cached = () => s.store.getState().runStats.cached;
    expect(await showCounting(s1)).toBe(0); // s1 used: now the most recent
    expect(cached()).toEqual({ control: true, intervened: true });
    expect(await showCounting(s0)).toBe(1); // computed again, and cached: s2 out
    expect(cached()).toEqual({ control: false, intervened: false });
    expect(await showCounting(s1)).toBe(0);
    expect(cached()).toEqual({ control: true, intervened: true });
    expect(await showCounting(s2)).toBe(1);
    expect(cached()).toEqual({ control: false, intervened: false });
  });

  it('resolves false with no model ready or on an engine error', async () => {
    const s = setup();
    expect(await s.controller.prefetch(plain(SLIDE_PROMPT))).toBe(false);
    const loading = s.store.getState().loadModel({ source: 'builtin' });
    expect(await s.controller.prefetch(plain(SLIDE_PROMPT))).toBe(false);
    expect(await loading).toBe(true);
    await s.controller.idle();

    const long = plain(Array.from({ length: 60 }, (_, i) => `w${i}`).join(' '));
    expect(await s.controller.prefetch(long)).toBe(false);
    expect(s.store.getState().runError).toBeUndefined();
    // errors are not cached: the foreground runs it and shows the error
    show(s, long);
    await s.controller.idle();
    expect(s.store.getState().runError?.code).toBe('prompt-too-long');
    expect(s.store.getState().control).toBeUndefined();
  });
});

describe('look-ahead and the link', () => {
  it("the next slide's vectors, added aside, stay out of the link until a slot uses them", async () => {
    const { s, vector } = await withSlide();
    const before = toSharedState(s.store.getState());
    // as talk mode's look-ahead adds the next slide's vectors: transient, used by no slot yet
    const aside: SharedVector = {
      id: 'next-slide-vector',
      name: 'next slide',
      recipe: { ...vector.recipe!, block: 0 },
    };
    s.store.getState().addPendingVectors([aside], [aside.id]);
    expect(await encodeState(toSharedState(s.store.getState()))).toBe(await encodeState(before));
    // once shown (a slot uses it), it is part of the state and travels
    s.store.getState().setInterventions({
      scope: 'all',
      slots: [{ block: 1, kind: 'ffn', mode: 'replace', vectorId: aside.id }],
    });
    expect(toSharedState(s.store.getState()).vectors.map((v) => v.id)).toContain(aside.id);
  });
});
