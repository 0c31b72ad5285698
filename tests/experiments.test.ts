/**
 * The experiments (Figures 3, 5, 7 and the block sweep) on the in-process engine (onnxruntime-node)
 * against the independent float64 reference on a small random checkpoint: per-example ranks exact up
 * to float32 ties, top-1 the reference's argmax, means equal; then batching, progress, resume, cancel.
 */
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectStages } from '../workers/analysis/stages.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import type { InterventionSpec } from '../workers/engine/types.ts';
import {
  type Example,
  type ExampleSet,
  type ExperimentEngine,
  ovectorIntervention,
  ovectorSettingsUsed,
  runAblation,
  runBlockSweep,
  runOvector,
  runStages,
} from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import {
  expectMeans,
  expectRanks,
  expectTop1,
  newRankCheck,
  referenceDecodes,
  referenceMeans,
} from './support/experimentReference.ts';

const ort = ortNode as unknown as OrtRuntime;
const N_LAYER = 3;
const S = 2 * N_LAYER + 1;
const checkpoint = testCheckpoint('experiments', {
  nLayer: N_LAYER,
  nEmbd: 32,
  nHead: 4,
  nPositions: 32,
  seed: 31,
});
const { reference } = checkpoint;

const BASE: Example[] = [
  {
    id: 'poland',
    prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
    answer: ' Warsaw',
    argument: ' Poland',
  },
  {
    id: 'china',
    prompt: 'table mug free China table mug free China table mug free',
    answer: ' Beijing',
    argument: ' China',
  },
  {
    id: 3,
    prompt: 'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
    answer: ' abolished',
    argument: ' abolish',
  },
  { id: 'no-argument', prompt: 'Hello world', answer: ' again' },
  { id: 'beat', prompt: 'Today I beat. Yesterday I', answer: ' beat', argument: ' beat' },
  { id: 'too-long', prompt: 'word '.repeat(40), answer: ' word' },
];

let engine: LensEngine;
let set: ExampleSet;
const vector = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 1.7) * 3);

function idsOf(example: Example): number[] {
  return engine.tokenize(example.prompt).map((t) => t.id);
}
const first = (text: string) => engine.tokenize(text)[0]!.id;
const runnable = () => set.examples.filter((e) => e.id !== 'too-long');

beforeAll(async () => {
  engine = await LensEngine.load(ort, checkpoint.files, { executionProviders: ['cpu'], backend: 'cpu' });
  // one example whose answer is the model's own prediction, so that "correct" is exercised
  const prompt = 'The cat sat on the';
  const top = referenceDecodes(
    reference,
    engine.tokenize(prompt).map((t) => t.id),
  ).logits[S - 1]!;
  let best = 0;
  for (let v = 1; v < top.length; v++) if (top[v]! > top[best]!) best = v;
  const answer = engine.tokenText(best);
  expect(first(answer), 'the predicted token re-encodes to itself').toBe(best);
  set = { name: 'test', examples: [...BASE, { id: 'predicted', prompt, answer, argument: ' cat' }] };
});
afterAll(() => engine.dispose());

describe('stages (Figure 3) vs the float64 reference', () => {
  it('ranks, top-1, correctness, stages and means per state', async () => {
    const result = await runStages(engine, set);
    expect(result.skipped.map((s) => s.id)).toEqual(['too-long']);
    expect(result.skipped[0]!.reason).toMatch(/at most 32/);
    expect(result.examples.map((e) => e.id)).toEqual(runnable().map((e) => e.id));
    const answerCheck = newRankCheck(S);
    const argumentCheck = newRankCheck(S);
    const refAnswers: number[][] = [];
    const refArguments: number[][] = [];
    const refCorrect: number[][] = [];
    result.examples.forEach((got, i) => {
      const example = runnable()[i]!;
      const decodes = referenceDecodes(reference, idsOf(example));
      expect(got.answer.id).toBe(first(example.answer));
      const answer = expectRanks(got.ranks.answer, decodes, got.answer.id, answerCheck, `${got.id} answer`);
      refAnswers.push(answer);
      expectTop1(got.top1.id, decodes, `${got.id} top-1`);
      expect(got.correct).toBe(got.top1.id === got.answer.id);
      if (got.correct) refCorrect.push(answer);
      if (example.argument) {
        expect(got.argument!.id).toBe(first(example.argument));
        const argument = expectRanks(
          got.ranks.argument!,
          decodes,
          got.argument!.id,
          argumentCheck,
          `${got.id} arg`,
        );
        refArguments.push(argument);
        if (answerCheck.excused + argumentCheck.excused === 0) {
          const trace = {
            argumentRanks: argument,
            answerRanks: answer,
            argumentId: got.argument!.id,
            answerId: got.answer.id,
          };
          expect(got.stages).toEqual(detectStages(trace, N_LAYER));
        }
      } else {
        expect(got.argument).toBeNull();
        expect(got.ranks.argument).toBeNull();
      }
    });
    expect(result.examples.find((e) => e.id === 'predicted')!.correct).toBe(true);
    const { summary } = result;
    expect(summary.count).toBe(runnable().length);
    expect(summary.correct).toBe(refCorrect.length);
    expect(summary.accuracy).toBeCloseTo(refCorrect.length / runnable().length, 12);
    expectMeans(
      summary.meanReciprocalRank.all.answer,
      referenceMeans(refAnswers),
      answerCheck,
      refAnswers.length,
    );
    expectMeans(
      summary.meanReciprocalRank.all.argument,
      referenceMeans(refArguments),
      argumentCheck,
      refArguments.length,
    );
    expectMeans(
      summary.meanReciprocalRank.correct.answer,
      referenceMeans(refCorrect),
      answerCheck,
      refCorrect.length,
    );
    // the predicted example saturates at the end: it has a function application somewhere
    expect(summary.functionApplication.examples).toBeGreaterThanOrEqual(1);
    expect(summary.relativeDepth).toEqual([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
    console.info(
      `[stages] ranks compared ${answerCheck.compared + argumentCheck.compared}, tie-excused ${answerCheck.excused + argumentCheck.excused}`,
    );
  });

  it('the distinct-first-token filter drops examples whose argument and answer start alike, with the reason', async () => {
    const result = await runStages(engine, { ...set, filter: 'distinct-first-token' });
    const beat = result.skipped.find((s) => s.id === 'beat');
    expect(beat?.reason).toMatch(/same token \(" beat"\)/);
    expect(result.examples.map((e) => e.id)).not.toContain('beat');
    expect(result.examples).toHaveLength(runnable().length - 1);
  });
});

describe('o-vector transfer (Figure 5) vs the float64 reference', () => {
  const settingsList = [
    { label: 'replace FFNs 1-2 at every position', settings: { vector, blocks: { from: 1, to: 2 } } },
    {
      label: 'add 2x to attention 2 at the last position',
      settings: {
        vector,
        blocks: { from: 2, to: 2 },
        sublayer: 'attn' as const,
        mode: 'add' as const,
        scale: 2,
        positions: 'last' as const,
      },
    },
  ];
  it.each(settingsList)('$label: control and intervened ranks, no-effect, means', async ({ settings }) => {
    const result = await runOvector(engine, set, settings);
    const used = ovectorSettingsUsed(engine.info, settings);
    expect(result.settings).toEqual(used);
    const intervention: InterventionSpec = ovectorIntervention(settings, used);
    const checks = { control: newRankCheck(S), intervened: newRankCheck(S) };
    const ref = { control: [] as number[][], intervened: [] as number[][] };
    let noEffect = 0;
    result.examples.forEach((got, i) => {
      const ids = idsOf(runnable()[i]!);
      for (const run of ['control', 'intervened'] as const) {
        const decodes = referenceDecodes(reference, ids, run === 'control' ? undefined : intervention);
        ref[run].push(expectRanks(got[run].ranks, decodes, got.answer.id, checks[run], `${got.id} ${run}`));
        expectTop1(got[run].top1.id, decodes, `${got.id} ${run} top-1`);
      }
      expect(got.noEffect).toBe(got.control.top1.id === got.intervened.top1.id);
      if (got.noEffect) noEffect++;
    });
    // the vector does something on this model: not every example keeps its top-1
    expect(noEffect).toBeLessThan(result.examples.length);
    const { summary } = result;
    expect(summary.noEffectRate).toBeCloseTo(noEffect / result.examples.length, 12);
    expectMeans(
      summary.meanReciprocalRank.control,
      referenceMeans(ref.control),
      checks.control,
      ref.control.length,
    );
    expectMeans(
      summary.meanReciprocalRank.intervened,
      referenceMeans(ref.intervened),
      checks.intervened,
      ref.intervened.length,
    );
  });

  it('a vector of the wrong size names both sizes; blocks outside the model are refused', async () => {
    await expect(runOvector(engine, set, { vector: new Float32Array(1024) })).rejects.toThrow(
      /1024 values, the model's d_model is 32/,
    );
    await expect(runOvector(engine, set, { vector, blocks: { from: 2, to: 3 } })).rejects.toThrow(
      /blocks 0-2/,
    );
  });

  it('the block sweep: each range is the same intervention as a plain o-vector run', async () => {
    const ranges = [
      { from: 1, to: 2 },
      { from: 2, to: 2 },
    ];
    const sweep = await runBlockSweep(engine, set, { vector, ranges, sample: 3, seed: 5 });
    expect(sweep.sample).toHaveLength(3);
    expect(sweep.cells.map((c) => c.id)).toEqual(['1-2', '2-2']);
    for (const cell of sweep.cells) {
      const plain = await runOvector(
        engine,
        { name: 'sample', examples: set.examples.filter((e) => sweep.sample.includes(e.id)) },
        { vector, blocks: cell },
      );
      expect(cell.examples.map((o) => o.rank)).toEqual(plain.examples.map((e) => e.intervened.ranks[S - 1]));
      expect(cell.noEffectRate).toBeCloseTo(plain.summary.noEffectRate, 12);
      expect(cell.accuracy).toBeCloseTo(plain.summary.accuracy.intervened, 12);
      expect(cell.meanReciprocalRank).toBeCloseTo(plain.summary.meanReciprocalRank.intervened!.at(-1)!, 12);
    }
  });
});

describe('FFN and attention ablation (Figure 7) vs the float64 reference', () => {
  it.each(['ffn', 'attn'] as const)('%s: the top blocks zeroed step by step', async (sublayer) => {
    const result = await runAblation(engine, set, { steps: 3, sublayer });
    expect(result.steps.map((s) => s.removed)).toEqual([[], [2], [1, 2], [0, 1, 2]]);
    const correct = [0, 0, 0, 0];
    result.examples.forEach((got, i) => {
      const ids = idsOf(runnable()[i]!);
      result.steps.forEach((step, j) => {
        const zero = Object.fromEntries(step.removed.map((b) => [b, { mode: 'zero' as const }]));
        const intervention = step.removed.length
          ? { positions: 'all' as const, [sublayer]: zero }
          : undefined;
        expectTop1(
          got.top1[j]!.id,
          referenceDecodes(reference, ids, intervention, true),
          `${got.id} step ${j}`,
        );
        expect(got.correct[j]).toBe(got.top1[j]!.id === got.answer.id);
        if (got.correct[j]) correct[j]!++;
      });
    });
    expect(result.steps.map((s) => s.correct)).toEqual(correct);
    // removing every block changes the predictions
    expect(result.examples.some((e) => e.top1[0]!.id !== e.top1[3]!.id)).toBe(true);
  });
});

describe('batches, progress, resume and cancel', () => {
  /** The engine, counting the prompts it is asked to run. */
  function counting(): ExperimentEngine & { prompts: number } {
    const wrapped = {
      prompts: 0,
      info: engine.info,
      tokenize: (text: string) => engine.tokenize(text),
      run: (request: Parameters<LensEngine['run']>[0], options?: Parameters<LensEngine['run']>[1]) => {
        wrapped.prompts += request.prompts.length;
        return engine.run(request, options);
      },
    };
    return wrapped;
  }

  it('small batches give the same results, progress counts up to the total', async () => {
    const whole = await runStages(engine, set);
    const progress: Array<{ done: number; total: number; eta: number | null }> = [];
    const batches: number[] = [];
    const small = await runStages(engine, set, {
      batchSize: 2,
      onProgress: (p) => progress.push({ done: p.done, total: p.total, eta: p.etaSeconds }),
      onResults: (r) => batches.push(r.length),
    });
    expect(small.examples.map((e) => e.ranks.answer)).toEqual(whole.examples.map((e) => e.ranks.answer));
    const n = runnable().length;
    expect(batches).toEqual([2, 2, 2, n - 6].filter((b) => b > 0));
    expect(progress.map((p) => p.done)).toEqual([0, 2, 4, 6, n].filter((d, i, a) => a.indexOf(d) === i));
    expect(progress.every((p) => p.total === n)).toBe(true);
    expect(progress[0]!.eta).toBeNull();
    expect(progress.at(-1)!.eta).toBe(0);
  });

  it('resumes from finished results: only the rest is run, the result is the same', async () => {
    const full = await runOvector(engine, set, { vector });
    const resume = full.examples.slice(0, 3);
    const counted = counting();
    const dones: number[] = [];
    const resumed = await runOvector(
      counted,
      set,
      { vector },
      { resume, onProgress: (p) => dones.push(p.done) },
    );
    // control and intervened for each example not resumed
    expect(counted.prompts).toBe(2 * (full.examples.length - 3));
    expect(dones[0]).toBe(3);
    expect(resumed.examples).toEqual(full.examples);
    expect(resumed.summary).toEqual(full.summary);
  });

  it('cancel: stops between batches with "cancelled"; what finished was delivered and resumes', async () => {
    const controller = new AbortController();
    const delivered: Awaited<ReturnType<typeof runAblation>>['examples'] = [];
    const run = runAblation(
      engine,
      set,
      { steps: 3 },
      {
        batchSize: 2,
        signal: controller.signal,
        onResults: (r) => {
          delivered.push(...r);
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(delivered).toHaveLength(2);
    const counted = counting();
    const rest = await runAblation(counted, set, { steps: 3 }, { resume: delivered });
    expect(counted.prompts).toBe(4 * (runnable().length - 2));
    const fresh = await runAblation(engine, set, { steps: 3 });
    expect(rest.steps).toEqual(fresh.steps);
  });
});
