/**
 * The store live, on the real engine in process: after a change the last position's lens (the rank
 * plot, the top-k table, the heatmap's last column, the proposals) is in the store before the rest of
 * the heatmap, for the control and the intervened run, and a newer change drops the rest of the old
 * run. The engine's sessions can be held between lens runs (a gate), so the order is not left to timing.
 */
import * as ortNode from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { trackedSeries } from '../app/charts/rankLayout.ts';
import type { LensGrid } from '../app/domain.ts';
import { arrivedCells } from '../app/store/grid.ts';
import { createLensStore, type LensState, type LensStore } from '../app/store/lensStore.ts';
import { type RunController, startRunController } from '../app/store/runController.ts';
import type { InferenceSession, OrtRuntime } from '../workers/engine/ortRuntime.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { type InProcessClient, inProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 48, seed: 3 }).files;
const N_STATES = 5;
const ort = ortNode as unknown as OrtRuntime;

/** onnxruntime-node whose session runs wait while a gate is closed. */
function gatedRuntime() {
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  const wrap = (session: InferenceSession): InferenceSession =>
    new Proxy(session, {
      get: (target, name, receiver) =>
        name === 'run'
          ? async (...args: Parameters<InferenceSession['run']>) => {
              await gate;
              return target.run(...args);
            }
          : Reflect.get(target, name, receiver),
    });
  const gated: OrtRuntime = {
    Tensor: ort.Tensor,
    InferenceSession: {
      create: async (model, options) => wrap(await ort.InferenceSession.create(model, options)),
    },
  };
  return {
    runtime: { ort: gated, options: { executionProviders: ['cpu'], backend: 'wasm' as const } },
    close: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    open: () => {
      gate = undefined;
      open();
    },
  };
}

interface Setup {
  store: LensStore;
  client: InProcessClient;
  controller: RunController;
  gate: ReturnType<typeof gatedRuntime>;
}

const live: Setup[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) {
    s.gate.open();
    s.controller.stop();
    await s.client.dispose();
  }
});

async function ready(): Promise<Setup> {
  const gate = gatedRuntime();
  const client = inProcessClient({ builtin }, gate.runtime);
  const store = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    fetch: async () => new Response(null, { status: 200 }),
  });
  const controller = startRunController(store, { promptDebounceMs: 20, statesPerChunk: 1 });
  const s = { store, client, controller, gate };
  live.push(s);
  expect(await store.getState().loadModel({ source: 'builtin' })).toBe(true);
  await controller.idle();
  return s;
}

const lastColumn = (grid: LensGrid) => grid.grid.map((row) => row[grid.tokens.length - 1]);

/** The control view shows a run newer than `seq` and its last position is in. */
const controlHead = (st: LensState, seq: number): boolean =>
  !!st.control && st.control.seq > seq && st.runStats.controlRank?.seq === st.control.seq;

/** Resolves with the store's state the first time `check` holds (checked on every update). */
function when(store: LensStore, check: (st: LensState) => boolean): Promise<LensState> {
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe((st) => {
      if (!check(st)) return;
      unsubscribe();
      resolve(st);
    });
  });
}

describe('live runs', () => {
  it('shows the control run last position, proposals and rank plot first, then fills in the heatmap', async () => {
    const s = await ready();
    const seqBefore = s.store.getState().control!.seq;
    const head = when(s.store, (st) => controlHead(st, seqBefore));
    s.store.getState().setPrompt('table mug free China table mug free');
    const st = await head;
    // the rank plot's series and the top-k table's column are whole; the rest of the heatmap is not
    const grid = st.control!.grid;
    expect(lastColumn(grid).every((cell) => cell !== undefined)).toBe(true);
    expect(arrivedCells(grid)).toBe(N_STATES);
    expect(grid.complete).toBe(false);
    expect(st.control!.result).toBeUndefined();
    const series = trackedSeries(grid, st.tracked);
    expect(series.map((x) => x.key)).toEqual(['argument', 'answer']);
    for (const x of series) expect(x.ranks.every((r) => r !== undefined)).toBe(true);
    expect(st.tracked.answer!.id).toBe(lastColumn(grid)[N_STATES - 1]!.top[0]!.id);
    expect(st.stages).toBeDefined();
    expect(st.runStats.controlRank).toMatchObject({ seq: st.control!.seq, cells: N_STATES });
    expect(st.runStats.controlRank!.ofCells).toBe(N_STATES * grid.tokens.length);

    await s.controller.idle();
    const done = s.store.getState();
    expect(done.control!.grid.complete).toBe(true);
    // the finished run agrees with what was shown first
    expect(done.tracked).toEqual(st.tracked);
    expect(lastColumn(done.control!.grid)).toEqual(lastColumn(grid));
    expect(done.runStats.controlMs).toBeGreaterThanOrEqual(done.runStats.controlRank!.ms);
    expect(done.runStats.trigger).toBe('prompt');
    expect(done.runStats.debounceMs).toBe(20);
  });

  it('a newer change drops the rest of the old run', async () => {
    const s = await ready();
    const seqBefore = s.store.getState().control!.seq;
    // hold the engine as soon as the last position is in: the rest of the heatmap waits
    const head = when(s.store, (st) => {
      const arrived = controlHead(st, seqBefore);
      if (arrived) s.gate.close();
      return arrived;
    });
    s.store.getState().setPrompt('free China table mug free China');
    const old = (await head).control!;
    const abortedBefore = s.client.aborted;
    let lateRows = 0;
    s.store.subscribe((st) => {
      if (st.control?.seq === old.seq && arrivedCells(st.control.grid) > N_STATES) lateRows++;
    });
    s.store.getState().rerun(); // runs at once: no debounce
    for (let i = 0; i < 2000 && s.client.aborted === abortedBefore; i++)
      await new Promise((r) => setTimeout(r, 1));
    expect(s.client.aborted).toBeGreaterThan(abortedBefore);
    s.gate.open();
    await s.controller.idle();
    expect(lateRows).toBe(0);
    const st = s.store.getState();
    expect(st.control!.seq).toBeGreaterThan(old.seq);
    expect(st.control!.grid.complete).toBe(true);
    expect(st.runStats.trigger).toBe('rerun');
  });

  it('after an edit with an intervention applied, both rank plots come before the control heatmap is done', async () => {
    const s = await ready();
    const vector = (await s.store.getState().captureVector(1, 'ffn'))!;
    s.store.getState().assign([0, 1], 'ffn', vector.id);
    await s.controller.idle();
    const seqBefore = s.store.getState().intervened!.seq;
    // the intervened run starts on the control's last position and the engine decodes its last
    // position before the rest of the control's heatmap
    const heads = when(
      s.store,
      (st) =>
        controlHead(st, seqBefore) &&
        !!st.intervened &&
        st.intervened.seq > st.control!.seq &&
        st.runStats.intervenedRank?.seq === st.intervened.seq,
    );
    s.store.getState().setPrompt('mug free China table mug free China table');
    const st = await heads;
    expect(st.control!.grid.complete).toBe(false);
    expect(st.control!.result).toBeUndefined();
    for (const view of [st.control!, st.intervened!])
      for (const x of trackedSeries(view.grid, st.tracked))
        expect(x.ranks.every((r) => r !== undefined)).toBe(true);
    await s.controller.idle();
    const done = s.store.getState();
    expect(done.control!.grid.complete).toBe(true);
    expect(done.intervened!.grid.complete).toBe(true);
    expect(done.runStats.intervenedRank!.ms).toBeLessThan(done.runStats.controlMs!);
  });

  it('shows the intervened run last position first', async () => {
    const s = await ready();
    const vector = (await s.store.getState().captureVector(1, 'ffn'))!;
    await s.controller.idle();
    const runsBefore = s.client.calls.length;
    const head = when(
      s.store,
      (st) => !!st.intervened && st.runStats.intervenedRank?.seq === st.intervened.seq,
    );
    s.store.getState().assign([0, 1], 'ffn', vector.id);
    const st = await head;
    const grid = st.intervened!.grid;
    expect(arrivedCells(grid)).toBe(N_STATES);
    expect(lastColumn(grid).every((cell) => cell !== undefined)).toBe(true);
    for (const x of trackedSeries(grid, st.tracked)) expect(x.ranks.every((r) => r !== undefined)).toBe(true);
    await s.controller.idle();
    const done = s.store.getState();
    expect(done.intervened!.grid.complete).toBe(true);
    expect(done.runStats.intervenedRank).toMatchObject({ seq: done.intervened!.seq, cells: N_STATES });
    const made = s.client.calls.slice(runsBefore).filter((c) => c.method === 'run');
    expect(
      made.map((c) => [c.request!.positions, c.request!.lastPositionFirst, !!c.request!.intervention]),
    ).toEqual([['all', true, true]]);
  });
});
