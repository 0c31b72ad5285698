/**
 * Experiment results checked against the float64 reference: per-example ranks exact up to float32
 * ties (another token's float64 logit within TIE_TOL of the tracked one), top-1 the reference's
 * argmax up to such a tie, and means equal up to exactly what the excused ranks can move them.
 */
import { expect } from 'vitest';
import type { InterventionSpec } from '../../workers/engine/types.ts';
import { type Gpt2Reference, logitRank, tiesWithin } from '../reference/gpt2Reference.ts';
import { TIE_TOL } from './compareWithReference.ts';

export interface ReferenceDecodes {
  /** logits of each state at the last position (of the final state alone with finalOnly). */
  logits: Float64Array[];
}

export function referenceDecodes(
  reference: Gpt2Reference,
  ids: number[],
  intervention?: InterventionSpec,
  finalOnly = false,
): ReferenceDecodes {
  const run = reference.forward(ids, intervention);
  const S = 2 * reference.nLayer + 1;
  const states = finalOnly ? [S - 1] : Array.from({ length: S }, (_, s) => s);
  return { logits: states.map((s) => run.logits(s, ids.length - 1)) };
}

export interface RankCheck {
  compared: number;
  excused: number;
  /** Sum over excused ranks of |1/(r+1) - 1/(ref+1)|, per state. */
  slack: number[];
}

export function newRankCheck(states: number): RankCheck {
  return { compared: 0, excused: 0, slack: new Array<number>(states).fill(0) };
}

/** The engine's ranks of `id` per state equal the reference's, ties excused (and counted). */
export function expectRanks(
  ranks: readonly number[],
  decodes: ReferenceDecodes,
  id: number,
  check: RankCheck,
  label: string,
): number[] {
  expect(ranks, label).toHaveLength(decodes.logits.length);
  return decodes.logits.map((logits, s) => {
    const want = logitRank(logits, id);
    check.compared += 1;
    if (ranks[s] !== want) {
      expect(Math.abs(ranks[s]! - want), `${label}: state ${s}`).toBeLessThanOrEqual(
        tiesWithin(logits, id, TIE_TOL),
      );
      check.excused += 1;
      check.slack[s]! += Math.abs(1 / (ranks[s]! + 1) - 1 / (want + 1));
    }
    return want;
  });
}

/** The engine's final top-1 is the reference's argmax, or ties with it in float32. */
export function expectTop1(top1: number, decodes: ReferenceDecodes, label: string): void {
  const logits = decodes.logits[decodes.logits.length - 1]!;
  let best = 0;
  for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v;
  if (top1 !== best) expect(Math.abs(logits[top1]! - logits[best]!), label).toBeLessThan(TIE_TOL);
}

/** Mean reciprocal rank per state of the reference ranks. */
export function referenceMeans(series: readonly number[][]): number[] {
  const S = series[0]!.length;
  return Array.from(
    { length: S },
    (_, s) => series.reduce((sum, r) => sum + 1 / (r[s]! + 1), 0) / series.length,
  );
}

/** The experiment's means equal the reference's, up to what the excused ranks move them. */
export function expectMeans(
  actual: readonly number[] | null,
  expected: number[],
  check: RankCheck,
  n: number,
) {
  expect(actual).not.toBeNull();
  actual!.forEach((value, s) => {
    expect(Math.abs(value - expected[s]!), `mean at state ${s}`).toBeLessThanOrEqual(
      check.slack[s]! / n + 1e-12,
    );
  });
}
