/**
 * The paper's aggregate measures, as pure functions of per-example results. Definitions: an example is
 * correct when the final state's top-1 is the answer token; reciprocal rank is 1/(rank+1) with rank =
 * the number of strictly larger logits (the engine's); means are per residual state.
 */
import { reciprocalRank } from '../analysis/stages.ts';

/** Mean reciprocal rank per state over the given rank series (all the same length); null if none. */
export function meanReciprocalRanks(series: readonly (readonly number[])[]): number[] | null {
  if (series.length === 0) return null;
  const states = series[0]!.length;
  const sums = new Array<number>(states).fill(0);
  for (const ranks of series) {
    if (ranks.length !== states) {
      throw new RangeError(`rank series differ in length (${ranks.length} and ${states} states)`);
    }
    ranks.forEach((rank, s) => {
      sums[s]! += reciprocalRank(rank);
    });
  }
  return sums.map((sum) => sum / series.length);
}

/** Share of `flags` that are true; 0 for none. */
export function rate(flags: readonly boolean[]): number {
  if (flags.length === 0) return 0;
  return flags.filter(Boolean).length / flags.length;
}

/**
 * Relative depth of each residual state, 0 (embeddings) to 1 (after the last block): the axis on which
 * models of different depths overlay ("the stages occur at similar points proportionally").
 */
export function relativeDepths(nLayer: number): number[] {
  return Array.from({ length: 2 * nLayer + 1 }, (_, s) => s / (2 * nLayer));
}
