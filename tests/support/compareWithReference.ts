/**
 * Checks engine results against the float64 reference: probabilities within 1e-4, ranks exact.
 * The one excuse for a rank difference: other tokens whose float64 logits lie within TIE_TOL of the
 * tracked token's, where float32 cannot tell the order. Such excuses are counted and reported.
 */
import { expect } from 'vitest';
import type { StateResult } from '../../workers/engine/types.ts';
import { entropy, logitRank, softmax, tiesWithin, topK } from '../reference/gpt2Reference.ts';

export const PROB_TOL = 1e-4;
export const TIE_TOL = 1e-5;

export interface ComparisonStats {
  states: number;
  ranksCompared: number;
  ranksExcusedByTies: number;
  maxProbError: number;
}

export function newStats(): ComparisonStats {
  return { states: 0, ranksCompared: 0, ranksExcusedByTies: 0, maxProbError: 0 };
}

export function expectStateMatches(
  state: StateResult,
  refLogits: Float64Array,
  stats: ComparisonStats,
  /** Rows that are tokens (the leading ones): top-k shows only these; probabilities and ranks count every row. */
  tokens = refLogits.length,
): void {
  const probs = softmax(refLogits);
  // the reference's top-k among the tokens, with probabilities over every row
  const refTop = topK(refLogits.subarray(0, tokens), state.top.length).map(({ id }) => ({
    id,
    prob: probs[id]!,
  }));
  state.top.forEach((entry, j) => {
    const want = refTop[j]!;
    const error = Math.abs(entry.prob - probs[entry.id]!);
    stats.maxProbError = Math.max(stats.maxProbError, error, Math.abs(entry.prob - want.prob));
    expect(error, `state ${state.index} top ${j} prob`).toBeLessThanOrEqual(PROB_TOL);
    if (entry.id !== want.id) {
      // only a float32 near-tie may reorder the top-k
      expect(
        Math.abs(refLogits[entry.id]! - refLogits[want.id]!),
        `state ${state.index} top ${j} id`,
      ).toBeLessThan(TIE_TOL);
    }
  });
  for (const tracked of state.tracked) {
    const refRank = logitRank(refLogits, tracked.id);
    stats.ranksCompared += 1;
    if (tracked.rank !== refRank) {
      const ties = tiesWithin(refLogits, tracked.id, TIE_TOL);
      expect(
        Math.abs(tracked.rank - refRank),
        `state ${state.index} rank of ${tracked.id}`,
      ).toBeLessThanOrEqual(ties);
      stats.ranksExcusedByTies += 1;
    }
    const error = Math.abs(tracked.prob - probs[tracked.id]!);
    stats.maxProbError = Math.max(stats.maxProbError, error);
    expect(error, `state ${state.index} prob of ${tracked.id}`).toBeLessThanOrEqual(PROB_TOL);
  }
  expect(Math.abs(state.entropy - entropy(refLogits)), `state ${state.index} entropy`).toBeLessThan(1e-3);
  stats.states += 1;
}

export function expectVectorClose(actual: Float32Array, expected: Float64Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > 1e-4 * scale) {
      expect(actual[i], `${label}[${i}]`).toBeCloseTo(expected[i]!, 4);
    }
  }
}
