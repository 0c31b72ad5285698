/**
 * Runs that decode the last position first (lastPositionFirst), with tokens tracked there only
 * (trackAtLast) and the model's own prediction (trackPrediction), on onnxruntime-node against the
 * float64 reference: what the app's control run asks for, in one engine run.
 */
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LensEngine } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import type { LensRequest, LensResult, StateResult } from '../workers/engine/types.ts';
import { topK } from './reference/gpt2Reference.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { expectStateMatches, newStats, TIE_TOL } from './support/compareWithReference.ts';

const ort = ortNode as unknown as OrtRuntime;
const N_LAYER = 2;
const S = 2 * N_LAYER + 1;
const checkpoint = testCheckpoint('last-first', {
  nLayer: N_LAYER,
  nEmbd: 32,
  nHead: 4,
  nPositions: 24,
  seed: 51,
});

const PROMPTS = [
  [464, 3139, 286, 12873, 318],
  [40, 588, 11],
];
const TRACK = [12873, 50256];
/** Per prompt, as the app passes its argument candidates (the prompt's tokens); 12873 is in TRACK too. */
const AT_LAST = [
  [464, 3139, 286, 12873, 318],
  [40, 588, 11],
];

describe('last position first', () => {
  let engine: LensEngine;
  const stats = newStats();
  beforeAll(async () => {
    engine = await LensEngine.load(ort, checkpoint.files, { executionProviders: ['cpu'], backend: 'cpu' });
  });
  afterAll(async () => {
    await engine.dispose();
    console.info(`[last position first] ${JSON.stringify(stats)}`);
    expect(stats.ranksExcusedByTies).toBeLessThanOrEqual(Math.ceil(stats.ranksCompared / 100));
  });

  /** Runs `request`, recording each onChunk and onState delivery as it comes. */
  async function runRecorded(request: LensRequest, signalAfterChunks?: number) {
    const chunks: StateResult[][] = [];
    const onState: StateResult[] = [];
    const abort = new AbortController();
    const run = engine.run(request, {
      onChunk: (states) => {
        chunks.push(states);
        if (chunks.length === signalAfterChunks) abort.abort();
      },
      onState: (state) => onState.push(state),
      signal: abort.signal,
    });
    return { run, chunks, onState };
  }

  it('delivers every prompt last position first, with the extra tokens tracked there only, exactly', async () => {
    const { run, chunks, onState } = await runRecorded({
      prompts: PROMPTS,
      track: TRACK,
      trackAtLast: AT_LAST,
      trackPrediction: true,
      positions: 'all',
      lastPositionFirst: true,
      statesPerChunk: 2,
      topK: 5,
    });
    const result = await run;
    const isLast = (st: StateResult): boolean => st.position === PROMPTS[st.prompt]!.length - 1;

    // order: all 2L+1 states of both prompts' last positions, then nothing of them again
    const delivered = chunks.flat();
    const firstOther = delivered.findIndex((st) => !isLast(st));
    expect(firstOther).toBe(PROMPTS.length * S);
    expect(delivered.slice(firstOther).some(isLast)).toBe(false);
    expect(delivered).toHaveLength(PROMPTS.reduce((n, ids) => n + ids.length * S, 0));
    // the last position in one lens run here (10 rows), state by state; onState streams just those
    expect(chunks[0]!.map((st) => [st.index, st.prompt])).toEqual(
      // prompts are batched shortest first
      Array.from({ length: S }, (_, s) => [1, 0].map((i) => [s, i])).flat(),
    );
    expect(onState).toEqual(chunks[0]);
    expect(result.timings.lastPositionMs).toBeGreaterThan(0);
    expect(result.timings.lastPositionMs).toBeLessThanOrEqual(result.timings.totalMs);

    result.prompts.forEach((prompt, i) => {
      const ids = PROMPTS[i]!;
      const last = ids.length - 1;
      const reference = checkpoint.reference.forward(ids);
      // the model's prediction: the final state's top-1 (up to a float32 near-tie)
      const finalLogits = reference.logits(S - 1, last);
      const prediction = prompt.states[S - 1]!.top[0]!.id;
      const refBest = topK(finalLogits, 1)[0]!.id;
      expect(Math.abs(finalLogits[prediction]! - finalLogits[refBest]!)).toBeLessThan(TIE_TOL);
      const atLast = [...TRACK, ...AT_LAST[i]!.filter((id) => !TRACK.includes(id))];
      if (!atLast.includes(prediction)) atLast.push(prediction);
      expect(prompt.byPosition).toHaveLength(ids.length);
      prompt.byPosition!.forEach((states, t) => {
        expect(states).toHaveLength(S);
        states.forEach((state, s) => {
          expect([state.prompt, state.index, state.position]).toEqual([i, s, t]);
          expect(state.tracked.map((x) => x.id)).toEqual(t === last ? atLast : TRACK);
          // ranks exact up to float32 ties, probabilities within 1e-4, entropy
          expectStateMatches(state, reference.logits(s, t), stats);
        });
      });
      expect(prompt.states).toBe(prompt.byPosition![last]);
      // the prediction's rank in the final state is 0: nothing is strictly larger than the top logit
      expect(prompt.states[S - 1]!.tracked.find((x) => x.id === prediction)!.rank).toBe(0);
    });
  });

  it('cancels the rest of the heatmap between chunks, after the last position came', async () => {
    const { run, chunks } = await runRecorded(
      { prompts: [PROMPTS[0]!], positions: 'all', lastPositionFirst: true, statesPerChunk: 1 },
      1,
    );
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.every((st) => st.position === PROMPTS[0]!.length - 1)).toBe(true);
    expect(chunks[0]).toHaveLength(S);
    // the queue goes on
    await expect(engine.run({ prompts: [[1]] })).resolves.toBeDefined();
  });

  it('tracks the extra tokens and the prediction in a last-position run too', async () => {
    const ids = PROMPTS[1]!;
    const plain = await engine.run({ prompts: [ids], topK: 1 });
    const prediction = plain.prompts[0]!.states[S - 1]!.top[0]!.id;
    const { run, chunks } = await runRecorded({
      prompts: [ids],
      track: [7],
      trackAtLast: [7, 9],
      trackPrediction: true,
    });
    const result = await run;
    const reference = checkpoint.reference.forward(ids);
    for (const [s, state] of result.prompts[0]!.states.entries()) {
      expect(state.tracked.map((x) => x.id)).toEqual(
        [7, 9, prediction].filter((id, k, a) => a.indexOf(id) === k),
      );
      expectStateMatches(state, reference.logits(s, ids.length - 1), stats);
    }
    // the prediction's own lens run is not delivered
    expect(chunks.flat()).toHaveLength(S);
  });

  it('splits a long tracked list over a few lens runs, last position still first', async () => {
    // 400 tracked ids: a [rows, 400, vocab] rank count is kept to a few rows per lens run
    const many = Array.from({ length: 400 }, (_, k) => 100 * k + 3);
    const ids = PROMPTS[0]!;
    const { run, chunks } = await runRecorded({
      prompts: [ids],
      track: [5],
      trackAtLast: many,
      positions: 'all',
      lastPositionFirst: true,
    });
    const result = await run;
    const lastChunks = chunks.filter((c) => c.some((st) => st.position === ids.length - 1));
    expect(lastChunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, lastChunks.length)).toEqual(lastChunks);
    // the other positions track one token: all their states fit one lens run
    expect(chunks.length - lastChunks.length).toBe(1);
    const reference = checkpoint.reference.forward(ids);
    for (const [s, state] of result.prompts[0]!.states.entries()) {
      expect(state.tracked).toHaveLength(401);
      expectStateMatches(state, reference.logits(s, ids.length - 1), stats);
    }
  });

  it("a run queued meanwhile decodes its last position before the rest of an older run's heatmap", async () => {
    const events: string[] = [];
    let second: Promise<LensResult> | undefined;
    const request = (ids: number[]): LensRequest => ({
      prompts: [ids],
      positions: 'all',
      lastPositionFirst: true,
      statesPerChunk: 1,
    });
    const first = engine.run(request(PROMPTS[0]!), {
      onChunk: (states) => {
        events.push(
          `first ${states.every((st) => st.position === PROMPTS[0]!.length - 1) ? 'last' : 'rest'}`,
        );
        // queued while the first run still has its heatmap to decode
        second ??= engine.run(request(PROMPTS[1]!), {
          onChunk: (later) =>
            events.push(
              `second ${later.every((st) => st.position === PROMPTS[1]!.length - 1) ? 'last' : 'rest'}`,
            ),
        });
      },
    });
    const a = await first;
    const b = await second!;
    expect(events.slice(0, 2)).toEqual(['first last', 'second last']);
    // then both heatmaps, taking turns chunk by chunk
    expect(events.filter((e) => e === 'first rest')).toHaveLength(S);
    expect(events.filter((e) => e === 'second rest')).toHaveLength(S);
    expect(events.slice(2, 4)).toEqual(['first rest', 'second rest']);
    // the same results as each run alone
    const tops = (r: LensResult) =>
      r.prompts[0]!.byPosition!.map((states) => states.map((st) => st.top[0]!.id));
    expect(tops(a)).toEqual(tops(await engine.run(request(PROMPTS[0]!))));
    expect(tops(b)).toEqual(tops(await engine.run(request(PROMPTS[1]!))));
  });

  it('refuses last-position-only tokens mixed into every chunk', async () => {
    for (const extra of [{ trackAtLast: [5] }, { trackPrediction: true }]) {
      await expect(engine.run({ prompts: [[1, 2]], positions: 'all', ...extra })).rejects.toMatchObject({
        code: 'bad-request',
        message: expect.stringMatching(/lastPositionFirst/),
      });
    }
    await expect(
      engine.run({ prompts: [[1, 2]], positions: 'all', lastPositionFirst: true, trackAtLast: [50257] }),
    ).rejects.toMatchObject({ code: 'bad-token' });
  });
});
