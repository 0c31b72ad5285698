/**
 * float16 block weights (the load option for models whose float32 weights do not fit): the graph
 * computes in float32 on weights rounded once to float16. Checked two ways:
 * - exact: against the float64 reference run on the same rounded weights (same tolerances as float32);
 * - its effect: against the float32 engine on the original checkpoint (what a user gives up).
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import {
  floatToHalf,
  halfToFloat,
  parseSafetensors,
  type TensorToWrite,
  tensorAsFloat32,
  writeSafetensors,
} from '../models/safetensors.ts';
import { LensEngine, type LoadOptions } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import type { LensResult } from '../workers/engine/types.ts';
import { Gpt2Reference } from './reference/gpt2Reference.ts';
import { gpt2TokenizerJson } from './support/checkpoints.ts';
import { expectStateMatches, newStats } from './support/compareWithReference.ts';

ortWeb.env.wasm.numThreads = 1;

const OPTIONS = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 24, seed: 41 };
const MATRICES = ['attn.c_attn.weight', 'attn.c_proj.weight', 'mlp.c_fc.weight', 'mlp.c_proj.weight'];
const PROMPTS = [
  [464, 3139, 286, 12873, 318, 257, 1588, 1748],
  [40, 588, 11],
];
const TRACK = [12873, 3139, 25000, 50256];

/** The checkpoint with its block matrices rounded to float16 (still stored as F32). */
function roundedMatrices(bytes: Uint8Array): Uint8Array {
  const file = parseSafetensors(bytes);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, info] of file.tensors) {
    const data = tensorAsFloat32(file, info).slice();
    if (MATRICES.some((m) => name.endsWith(m))) {
      for (let i = 0; i < data.length; i++) data[i] = halfToFloat(floatToHalf(data[i]!));
    }
    tensors.set(name, { dtype: info.dtype, shape: [...info.shape], data });
  }
  return writeSafetensors(tensors);
}

const fixture = makeGpt2Fixture(OPTIONS);
const files = {
  name: 'fp16-test',
  config: fixture.config,
  safetensors: fixture.safetensors,
  tokenizer: gpt2TokenizerJson(),
};
const roundedReference = Gpt2Reference.fromCheckpoint(fixture.config, roundedMatrices(fixture.safetensors));
/** The reference's forward passes, shared by both backends (they dominate the test's time). */
const referenceRuns = new Map<number, ReturnType<Gpt2Reference['forward']>>();
const referenceRun = (p: number) => {
  let run = referenceRuns.get(p);
  if (!run) {
    run = roundedReference.forward(PROMPTS[p]!);
    referenceRuns.set(p, run);
  }
  return run;
};

const BACKENDS: Array<[string, OrtRuntime, LoadOptions]> = [
  ['onnxruntime-node cpu', ortNode as unknown as OrtRuntime, { executionProviders: ['cpu'], backend: 'cpu' }],
  [
    'onnxruntime-web wasm',
    ortWeb as unknown as OrtRuntime,
    { executionProviders: ['wasm'], backend: 'wasm' },
  ],
];

const runAll = (engine: LensEngine): Promise<LensResult> =>
  engine.run({ prompts: PROMPTS, track: TRACK, topK: 5, positions: 'all' });

describe.each(BACKENDS)('float16 block weights on %s', (label, ort, options) => {
  const engines: LensEngine[] = [];
  afterAll(async () => {
    for (const e of engines) await e.dispose();
  });

  it('matches the float64 reference on the rounded weights, every state and position', async () => {
    const engine = await LensEngine.load(ort, files, { ...options, blockWeights: 'float16' });
    engines.push(engine);
    expect(engine.info.blockWeights).toBe('float16');
    const stats = newStats();
    const result = await runAll(engine);
    result.prompts.forEach((prompt, p) => {
      const run = referenceRun(p);
      prompt.byPosition!.forEach((states, t) => {
        for (const state of states) expectStateMatches(state, run.logits(state.index, t), stats);
      });
    });
    console.info(`[${label}, float16 blocks vs reference on rounded weights] ${JSON.stringify(stats)}`);
    expect(stats.ranksExcusedByTies).toBeLessThanOrEqual(Math.ceil(stats.ranksCompared / 100));
  });

  it('against float32 on the same checkpoint: the weights shrink, the lens moves a little', async () => {
    const half = await LensEngine.load(ort, files, { ...options, blockWeights: 'float16' });
    const full = await LensEngine.load(ort, files, options);
    engines.push(half, full);
    expect(full.info.blockWeights).toBe('float32');
    // 4 of every block's 12 tensors, nearly all its bytes, at 2 bytes instead of 4
    expect(half.info.deviceWeightBytes!).toBeLessThan(full.info.deviceWeightBytes!);
    const [a, b] = [await runAll(half), await runAll(full)];
    let maxProbDiff = 0;
    let rankChanges = 0;
    let ranks = 0;
    let top1Same = 0;
    let states = 0;
    a.prompts.forEach((prompt, p) => {
      prompt.byPosition!.forEach((row, t) => {
        row.forEach((state, s) => {
          const other = b.prompts[p]!.byPosition![t]![s]!;
          states++;
          if (state.top[0]!.id === other.top[0]!.id) top1Same++;
          state.tracked.forEach((entry, k) => {
            ranks++;
            if (entry.rank !== other.tracked[k]!.rank) rankChanges++;
            maxProbDiff = Math.max(maxProbDiff, Math.abs(entry.prob - other.tracked[k]!.prob));
          });
        });
      });
    });
    console.info(
      `[${label}, float16 blocks vs float32] max tracked prob diff ${maxProbDiff.toExponential(2)}, ` +
        `ranks changed ${rankChanges}/${ranks}, top-1 same ${top1Same}/${states}`,
    );
    // the stated tolerance (README): float16 block weights move probabilities by at most 1e-2 here
    expect(maxProbDiff).toBeLessThan(1e-2);
    expect(top1Same / states).toBeGreaterThan(0.95);
    // rounding must show somewhere: a zero difference would mean the float16 path was not taken
    expect(maxProbDiff).toBeGreaterThan(0);
  });
});
