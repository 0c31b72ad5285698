import { describe, expect, it } from 'vitest';
import type { Interventions, VectorEntry } from '../app/domain.ts';
import {
  assignSlots,
  blockRange,
  clearSlots,
  defaultRange,
  describeSlot,
  dropBlocks,
  enterSlot,
  findSlot,
  formatBlocks,
  formatScale,
  parseBlockRange,
  parseScale,
  parseSlotDropId,
  parseVectorDragId,
  SWEEP_DWELL_MS,
  type SweepState,
  slotDropId,
  sweepAnchor,
  updateSlot,
  vectorDragId,
} from '../app/store/slotRanges.ts';

const empty: Interventions = { scope: 'all', slots: [] };

function entry(id: string, name: string): VectorEntry {
  return { id, name, data: new Float32Array(4), norm: 0, promotes: [], createdAt: 0 };
}

/**
 * The anchor of a drop after entering slots: [block, ms spent on it] in order; the drop is on the last
 * one after its time there.
 */
function sweep(path: Array<number | [number, number]>): number | undefined {
  let state: SweepState = {};
  let now = 1000;
  for (const step of path) {
    const [block, stay] = typeof step === 'number' ? [step, 20] : step;
    state = enterSlot(state, block, now);
    now += stay;
  }
  return sweepAnchor(state, now);
}

describe('drag ids', () => {
  it('round-trip slot and vector ids', () => {
    expect(slotDropId(18)).toBe('slot:18');
    expect(parseSlotDropId(slotDropId(18))).toBe(18);
    expect(parseSlotDropId('slot:0')).toBe(0);
    expect(vectorDragId('abc')).toBe('vector:abc');
    expect(parseVectorDragId(vectorDragId('a:b:c'))).toBe('a:b:c');
  });

  it('reject anything else', () => {
    for (const bad of ['slot:', 'slot:-1', 'slot:1.5', 'slot:x', 'vector:3', 3, null, undefined]) {
      expect(parseSlotDropId(bad), String(bad)).toBeUndefined();
    }
    for (const bad of ['vector:', 'slot:3', 'abc', 7, undefined]) {
      expect(parseVectorDragId(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('ranges', () => {
  it('blockRange is inclusive in either order', () => {
    expect(blockRange(18, 23)).toEqual([18, 19, 20, 21, 22, 23]);
    expect(blockRange(23, 18)).toEqual([18, 19, 20, 21, 22, 23]);
    expect(blockRange(5, 5)).toEqual([5]);
  });

  it('a quick sweep over neighbouring slots starts at its first slot', () => {
    expect(sweep([18, 19, 20, 21, 22, 23])).toBe(18);
    // a fast pointer may skip one slot
    expect(sweep([18, 20, 22, 23])).toBe(18);
    // back and forth
    expect(sweep([18, 19, 20, 19])).toBe(18);
    // right to left
    expect(sweep([23, 22, 21])).toBe(23);
    // entering the same slot again (after a gap between slots) changes nothing
    expect(sweep([18, 18, 19])).toBe(18);
  });

  it('a jump starts a new sweep: slots crossed on the way in do not count', () => {
    // coming down through row 1 (blocks 0-11) to block 18 in row 2, then sweeping right
    expect(sweep([6, 18, 19, 20, 21, 22, 23])).toBe(18);
    expect(sweep([6, 5, 18])).toBe(18);
  });

  it('a rest marks where the sweep starts', () => {
    const rest = SWEEP_DWELL_MS;
    // crossed 17 on the way in, aimed at 18, swept to 23 and rested there before dropping
    expect(sweep([17, [18, rest], 19, 20, 21, 22, [23, rest]])).toBe(18);
    // the first rest counts, later ones do not move the start
    expect(sweep([[18, rest], 19, [20, rest], 21])).toBe(18);
    // crossed 4 on the way to 5 and rested only on 5: just 5
    expect(sweep([4, [5, rest]])).toBe(5);
    // a rest before a jump is forgotten with the jump
    expect(sweep([[3, rest], 15, 16])).toBe(15);
    // without any rest: the start of the chain
    expect(sweep([4, 5])).toBe(4);
    expect(sweep([])).toBeUndefined();
  });

  it('dropBlocks: the sweep, a single slot, or with Shift from the last assigned block', () => {
    expect(dropBlocks({ drop: 23, anchor: 18 })).toEqual([18, 19, 20, 21, 22, 23]);
    expect(dropBlocks({ drop: 7 })).toEqual([7]);
    expect(dropBlocks({ drop: 7, anchor: 7 })).toEqual([7]);
    expect(dropBlocks({ drop: 23, anchor: 23, shift: true, lastAssigned: 18 })).toEqual([
      18, 19, 20, 21, 22, 23,
    ]);
    expect(dropBlocks({ drop: 3, anchor: 3, shift: true, lastAssigned: 5 })).toEqual([3, 4, 5]);
    // Shift without anything assigned before: just the sweep
    expect(dropBlocks({ drop: 9, anchor: 8, shift: true })).toEqual([8, 9]);
  });

  it('formatBlocks', () => {
    expect(formatBlocks([])).toBe('no blocks');
    expect(formatBlocks([18])).toBe('block 18');
    expect(formatBlocks([23, 18, 19, 20, 21, 22])).toBe('blocks 18–23');
    expect(formatBlocks([2, 5, 6, 7, 9])).toBe('blocks 2, 5–7, 9');
    expect(formatBlocks([4, 4])).toBe('block 4');
  });

  it("defaultRange is the paper's 18–23 for 24 blocks", () => {
    expect(defaultRange(24)).toEqual({ from: 18, to: 23 });
    expect(defaultRange(12)).toEqual({ from: 9, to: 11 });
    expect(defaultRange(1)).toEqual({ from: 0, to: 0 });
    expect(defaultRange(0)).toEqual({ from: 0, to: 0 });
  });

  it('parseBlockRange checks the fields against the model', () => {
    expect(parseBlockRange('18', '23', 24)).toEqual({ blocks: [18, 19, 20, 21, 22, 23] });
    expect(parseBlockRange(' 23 ', '18', 24)).toEqual({ blocks: [18, 19, 20, 21, 22, 23] });
    expect(parseBlockRange('', '3', 24).error).toMatch(/enter the first block/);
    expect(parseBlockRange('1.5', '3', 24).error).toMatch(/whole number/);
    expect(parseBlockRange('-1', '3', 24).error).toMatch(/whole number/);
    expect(parseBlockRange('3', '24', 24).error).toMatch(/at most 23 \(the model has 24 blocks\)/);
  });

  it('parseScale and formatScale', () => {
    expect(parseScale('2')).toBe(2);
    expect(parseScale('-0.5')).toBe(-0.5);
    expect(parseScale('')).toBeUndefined();
    expect(parseScale('-')).toBeUndefined();
    expect(parseScale('abc')).toBeUndefined();
    expect(parseScale('Infinity')).toBeUndefined();
    expect(formatScale(1)).toBe('1');
    expect(formatScale(0.1 + 0.2)).toBe('0.3');
    expect(formatScale(2.25)).toBe('2.25');
  });
});

describe('slot reducers', () => {
  it('assignSlots replaces on the given blocks and kind only, sorted', () => {
    let iv = assignSlots(empty, [20, 18, 19], 'ffn', 'v1');
    expect(iv.slots.map((s) => s.block)).toEqual([18, 19, 20]);
    expect(iv.slots.every((s) => s.mode === 'replace' && s.vectorId === 'v1' && s.kind === 'ffn')).toBe(true);
    iv = assignSlots(iv, [19], 'attn', 'v2', 'add', 2);
    iv = assignSlots(iv, [19], 'ffn', 'v3');
    expect(findSlot(iv, 19, 'ffn')?.vectorId).toBe('v3');
    expect(findSlot(iv, 19, 'attn')).toEqual({
      block: 19,
      kind: 'attn',
      mode: 'add',
      vectorId: 'v2',
      scale: 2,
    });
    expect(iv.slots.map((s) => `${s.kind}${s.block}`)).toEqual(['ffn18', 'ffn19', 'ffn20', 'attn19']);
    expect(iv.scope).toBe('all');
  });

  it('clearSlots', () => {
    const iv = assignSlots(assignSlots(empty, [1, 2, 3], 'ffn', 'v'), [2], 'attn', 'v');
    const cleared = clearSlots(iv, [2, 3], 'ffn');
    expect(cleared.slots.map((s) => `${s.kind}${s.block}`)).toEqual(['ffn1', 'attn2']);
  });

  it('updateSlot changes mode and scale; add defaults to ×1', () => {
    const iv = assignSlots(empty, [5], 'ffn', 'v');
    const added = updateSlot(iv, 5, 'ffn', { mode: 'add' });
    expect(findSlot(added, 5, 'ffn')).toEqual({
      block: 5,
      kind: 'ffn',
      mode: 'add',
      vectorId: 'v',
      scale: 1,
    });
    const scaled = updateSlot(added, 5, 'ffn', { scale: 3 });
    expect(findSlot(scaled, 5, 'ffn')?.scale).toBe(3);
    expect(updateSlot(scaled, 5, 'ffn', { scale: Number.NaN })).toBe(scaled);
  });

  it('updateSlot: zero creates a slot, replace without a vector is refused', () => {
    const zeroed = updateSlot(empty, 4, 'attn', { mode: 'zero' });
    expect(findSlot(zeroed, 4, 'attn')).toEqual({ block: 4, kind: 'attn', mode: 'zero' });
    expect(updateSlot(zeroed, 4, 'attn', { mode: 'replace' })).toBe(zeroed);
    expect(updateSlot(empty, 4, 'attn', { mode: 'add' })).toBe(empty);
  });

  it('describeSlot names the vector', () => {
    const vectors = [entry('v', 'o_city')];
    expect(describeSlot({ block: 1, kind: 'ffn', mode: 'replace', vectorId: 'v' }, vectors)).toBe(
      'replace with o_city',
    );
    expect(describeSlot({ block: 1, kind: 'ffn', mode: 'add', vectorId: 'v', scale: 0.5 }, vectors)).toBe(
      'add o_city ×0.5',
    );
    expect(describeSlot({ block: 1, kind: 'ffn', mode: 'zero' }, vectors)).toBe('zero');
    expect(describeSlot({ block: 1, kind: 'ffn', mode: 'replace', vectorId: 'gone' }, vectors)).toBe(
      'replace with missing vector',
    );
  });
});
