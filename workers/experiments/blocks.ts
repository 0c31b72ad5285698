/**
 * Which blocks an experiment touches: the paper's FFNs 18-23 of gpt2-medium scaled to another depth,
 * block ranges as text ("18-23"), and the top-down removal steps of the ablation (Figure 7).
 */
import type { BlockRange } from './types.ts';

/** gpt2-medium's depth: the paper's block numbers refer to its 24 blocks. */
export const PAPER_LAYERS = 24;
/** The FFNs the paper replaces with an o-vector on gpt2-medium (footnote 5, Appendix D). */
export const PAPER_OVECTOR_BLOCKS: BlockRange = { from: 18, to: 23 };

/**
 * A block range of a `referenceLayers`-deep model at the same relative depth of an `nLayer`-deep one:
 * the start scales down (18 of 24 -> 9 of 12, 3 of 4), the end keeps its distance from the top
 * (23 of 24 -> the last block of any depth).
 */
export function scaleBlockRange(
  range: BlockRange,
  nLayer: number,
  referenceLayers = PAPER_LAYERS,
): BlockRange {
  if (!Number.isInteger(nLayer) || nLayer < 1) throw new RangeError('nLayer must be a positive integer');
  const from = Math.min(nLayer - 1, Math.floor((range.from * nLayer) / referenceLayers));
  const to = Math.min(nLayer - 1, Math.ceil(((range.to + 1) * nLayer) / referenceLayers) - 1);
  return { from, to: Math.max(from, to) };
}

/** The paper's o-vector blocks for a model of this depth (18-23 on 24 blocks). */
export function defaultOvectorBlocks(nLayer: number): BlockRange {
  return scaleBlockRange(PAPER_OVECTOR_BLOCKS, nLayer);
}

/** "18-23" or "19" -> { from, to }; checked against the model's blocks. */
export function parseBlockRange(text: string, nLayer: number): BlockRange {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!match) throw new RangeError(`blocks ${JSON.stringify(text)}: expected A-B (e.g. 18-23) or one block`);
  const range = { from: Number(match[1]), to: Number(match[2] ?? match[1]) };
  checkBlockRange(range, nLayer);
  return range;
}

export function checkBlockRange(range: BlockRange, nLayer: number): void {
  const { from, to } = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to >= nLayer) {
    throw new RangeError(`blocks ${from}-${to}: the model has blocks 0-${nLayer - 1} (and A-B needs A <= B)`);
  }
}

/** The block numbers of a range, in order. */
export function blocksOf(range: BlockRange): number[] {
  return Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i);
}

/**
 * The blocks removed at each ablation step: step j (0..K) removes the top round(j*L/K) blocks
 * (K = 6 on 24 blocks: none, 20-23, 16-23, ..., 0-23). Step 0 is the full model.
 */
export function ablationSteps(nLayer: number, steps: number): number[][] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('steps must be a positive integer');
  return Array.from({ length: steps + 1 }, (_, j) => {
    const removed = Math.round((j * nLayer) / steps);
    return blocksOf({ from: nLayer - removed, to: nLayer - 1 });
  });
}
