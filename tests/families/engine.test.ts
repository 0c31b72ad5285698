/**
 * Every family on the engine (onnxruntime-node CPU) against its float64 reference: every state at
 * every position of batched prompts, with and without each intervention kind, and the captures.
 */
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LensEngine } from '../../workers/engine/engine.ts';
import type { OrtRuntime } from '../../workers/engine/ortRuntime.ts';
import type { InterventionSpec, LensResult } from '../../workers/engine/types.ts';
import {
  type ComparisonStats,
  expectStateMatches,
  expectVectorClose,
  newStats,
} from '../support/compareWithReference.ts';
import { seededVector } from '../support/seededVector.ts';
import { familyCases, inVocab } from './familyCases.ts';
import type { FamilyReference } from './reference/decoder.ts';

const ort = ortNode as unknown as OrtRuntime;
const cpu = { executionProviders: ['cpu'], backend: 'cpu' as const };

const PROMPTS = [
  [464, 3139, 286, 12873, 318, 257, 1588, 1748],
  [40, 588, 11],
  [50256, 0, 50000, 12345, 777, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
];
const TRACK = [12873, 3139, 25000, 50256];

function check(
  result: LensResult,
  reference: FamilyReference,
  iv: InterventionSpec | undefined,
  stats: ComparisonStats,
  vocab: number,
): void {
  result.prompts.forEach((prompt, p) => {
    const ids = inVocab(PROMPTS[p]!, vocab);
    const run = reference.forward(ids, iv);
    expect(prompt.states).toHaveLength(run.states.length);
    for (const [position, states] of (prompt.byPosition ?? [prompt.states]).entries()) {
      const t = prompt.byPosition ? position : ids.length - 1;
      states.forEach((state, s) => {
        expect(state).toMatchObject({ index: s, position: t, ...run.states[s] });
        for (const entry of state.top) expect(entry.id).toBeLessThan(vocab); // padded rows are never tokens
        expectStateMatches(state, run.logits(s, t), stats, vocab);
      });
    }
    if (prompt.capture) {
      for (let l = 0; l < reference.nLayer; l++) {
        expectVectorClose(prompt.capture.ffn[l]!, run.ffnOut[l]![ids.length - 1]!, `prompt ${p} ffn ${l}`);
        expectVectorClose(prompt.capture.attn[l]!, run.attnOut[l]![ids.length - 1]!, `prompt ${p} attn ${l}`);
      }
    }
  });
}

describe.each(familyCases())('$name', (family) => {
  const reference = family.reference();
  const d = reference.dModel;
  const stats = newStats();
  let engine: LensEngine;
  beforeAll(async () => {
    const { config, safetensors } = family.fixture;
    engine = await LensEngine.load(
      ort,
      { name: 'fixture', config, safetensors, tokenizer: family.tokenizer },
      cpu,
    );
  });
  afterAll(async () => {
    await engine?.dispose();
    console.info(`[${family.name}] ${JSON.stringify(stats)}`);
    expect(stats.ranksExcusedByTies).toBeLessThanOrEqual(Math.ceil(stats.ranksCompared / 100));
  });

  it('lists its residual states and decodes only the tokenizer vocabulary', () => {
    expect(engine.info.vocabSize).toBe(family.vocab);
    expect(engine.info.states).toHaveLength(family.stateCount);
    expect(engine.info.states![0]).toEqual({ index: 0, layer: -1, kind: 'embed' });
    expect(engine.info.states!.at(-1)).toEqual({ index: family.stateCount - 1, layer: 1, kind: 'block' });
  });

  const interventions: Array<[string, InterventionSpec | undefined, 'all' | 'last']> = [
    ['no intervention, every position', undefined, 'all'],
    [
      'replace FFN 1 at every position',
      { positions: 'all', ffn: { 1: { mode: 'replace', vector: seededVector(d, 1) } } },
      'last',
    ],
    [
      'add x 2.5 to FFN 0, add to attention 1, every position',
      {
        positions: 'all',
        ffn: { 0: { mode: 'add', vector: seededVector(d, 2), scale: 2.5 } },
        attn: { 1: { mode: 'add', vector: seededVector(d, 3) } },
      },
      'last',
    ],
    [
      'zero FFN 0 and attention 0',
      { positions: 'all', ffn: { 0: { mode: 'zero' } }, attn: { 0: { mode: 'zero' } } },
      'last',
    ],
    [
      'replace FFN 0 and zero attention 1 at the last position only',
      {
        positions: 'last',
        ffn: { 0: { mode: 'replace', vector: seededVector(d, 4) } },
        attn: { 1: { mode: 'zero' } },
      },
      'all',
    ],
  ];
  it.each(interventions)(
    '%s: every state, batched prompts of different lengths',
    async (_label, iv, positions) => {
      const result = await engine.run({
        prompts: PROMPTS.map((ids) => inVocab(ids, family.vocab)),
        track: inVocab(TRACK, family.vocab),
        topK: 5,
        positions,
        capture: true,
        ...(iv ? { intervention: iv } : {}),
      });
      check(result, reference, iv, stats, family.vocab);
    },
  );
});
