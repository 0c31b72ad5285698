/** The store's pure helpers: lens grids, intervention specs, tracked-token choice, vector names. */
import { describe, expect, it } from 'vitest';
import type { Interventions, VectorEntry } from '../app/domain.ts';
import { addStates, arrivedCells, emptyGrid, gridFromResult } from '../app/store/grid.ts';
import { interventionKey, toInterventionSpec } from '../app/store/interventionSpec.ts';
import { chooseTracked, defaultVectorName, trackList } from '../app/store/tracking.ts';
import { describeResidualState } from '../models/gpt2/config.ts';
import type { LensResult, StateResult, Token } from '../workers/engine/types.ts';

const tokens: Token[] = [
  { id: 10, text: 'Q' },
  { id: 11, text: ' Poland' },
  { id: 12, text: ' A' },
];

function state(
  index: number,
  position: number,
  top: number,
  tracked: Array<[number, number]> = [],
): StateResult {
  return {
    prompt: 0,
    ...describeResidualState(index),
    position,
    top: [{ id: top, token: `t${top}`, prob: 0.5 }],
    tracked: tracked.map(([id, rank]) => ({ id, token: `t${id}`, rank, prob: 0.1 })),
    entropy: 1,
  };
}

function vector(id: string, d: number): VectorEntry {
  return { id, name: id, data: new Float32Array(d).fill(1), norm: 1, promotes: [], createdAt: 0 };
}

describe('lens grids', () => {
  it('fill in chunk by chunk, copy only touched rows, and know when they are complete', () => {
    const g0 = emptyGrid(tokens, 1);
    expect(g0.grid).toHaveLength(3);
    const g1 = addStates(g0, [state(0, 0, 1), state(0, 1, 1), state(0, 2, 1)]);
    expect(g1.grid[0]).not.toBe(g0.grid[0]);
    expect(g1.grid[1]).toBe(g0.grid[1]);
    expect(arrivedCells(g1)).toBe(3);
    expect(g1.complete).toBe(false);
    const rest = [1, 2].flatMap((s) => [0, 1, 2].map((p) => state(s, p, 2)));
    const g2 = addStates(g1, [...rest, state(9, 0, 1), state(1, 7, 1)]); // out-of-range ones ignored
    expect(g2.complete).toBe(true);
    expect(arrivedCells(g2)).toBe(9);
  });

  it('come whole from a finished run, all positions or the last only', () => {
    const byPosition = [0, 1, 2].map((p) => [0, 1, 2].map((s) => state(s, p, 5)));
    const result: LensResult = {
      model: {} as LensResult['model'],
      backend: 'wasm',
      prompts: [{ tokens, states: byPosition[2]!, byPosition }],
      timings: { trunkMs: 0, lensMs: 0, totalMs: 0 },
    };
    expect(gridFromResult(result, 1).complete).toBe(true);
    const { byPosition: _, ...last } = result.prompts[0]!;
    const lastOnly = gridFromResult({ ...result, prompts: [last] }, 1);
    expect(arrivedCells(lastOnly)).toBe(3);
    expect(lastOnly.grid.every((row) => row[2] !== undefined && row[0] === undefined)).toBe(true);
  });
});

describe('intervention specs', () => {
  const interventions: Interventions = {
    scope: 'last',
    slots: [
      { block: 0, kind: 'ffn', mode: 'replace', vectorId: 'a' },
      { block: 1, kind: 'ffn', mode: 'add', vectorId: 'a', scale: -2 },
      { block: 1, kind: 'attn', mode: 'zero' },
      { block: 2, kind: 'ffn', mode: 'replace', vectorId: 'gone' },
      { block: 3, kind: 'ffn', mode: 'replace', vectorId: 'small' },
      { block: 9, kind: 'ffn', mode: 'zero' },
    ],
  };
  const vectors = [vector('a', 4), vector('small', 2)];

  it('map slots to the engine spec by vector id, leaving out what cannot apply, with reasons', () => {
    const { spec, skipped } = toInterventionSpec(interventions, vectors, 4, 4);
    expect(spec?.positions).toBe('last');
    expect(spec?.ffn?.[0]).toEqual({ mode: 'replace', vector: vectors[0]!.data });
    expect(spec?.ffn?.[1]).toEqual({ mode: 'add', vector: vectors[0]!.data, scale: -2 });
    expect(spec?.attn?.[1]).toEqual({ mode: 'zero' });
    expect(Object.keys(spec?.ffn ?? {})).toEqual(['0', '1']);
    expect(skipped).toHaveLength(3);
    expect(skipped.join('\n')).toMatch(/block 2: its vector is not in the library/);
    expect(skipped.join('\n')).toMatch(/block 3: small has 2 values, the model needs 4/);
    expect(skipped.join('\n')).toMatch(/block 9: this model has blocks 0-3/);
  });

  it('are absent when nothing applies; their key follows slots and vector presence', () => {
    expect(toInterventionSpec({ scope: 'all', slots: [] }, [], 4, 4).spec).toBeUndefined();
    const k1 = interventionKey(interventions, vectors);
    expect(interventionKey(interventions, [...vectors])).toBe(k1);
    expect(interventionKey(interventions, [vectors[0]!])).not.toBe(k1);
    expect(interventionKey({ ...interventions, scope: 'all' }, vectors)).not.toBe(k1);
  });
});

describe('tracked tokens', () => {
  // 1 block: states 0..2; candidate 11 (" Poland") is top in the middle, the answer 99 at the end
  const states = [
    state(0, 2, 12, [
      [10, 5],
      [11, 3],
      [12, 0],
    ]),
    state(1, 2, 11, [
      [10, 4],
      [11, 0],
      [12, 2],
    ]),
    state(2, 2, 99, [
      [10, 9],
      [11, 1],
      [12, 7],
    ]),
  ];

  it('propose the final top-1 as the answer and the best middle-layer prompt token as the argument', () => {
    const tracked = chooseTracked(states, tokens, [10, 11, 12], {}, 1);
    expect(tracked.answer).toEqual({ id: 99, text: 't99', proposed: true });
    expect(tracked.argument).toMatchObject({ id: 11, proposed: true });
  });

  it('let pins win, and track them next to the candidates once', () => {
    const pins = { argument: { id: 10 }, answer: { id: 12, text: ' A' } };
    const tracked = chooseTracked(states, tokens, [10, 11, 12], pins, 1);
    expect(tracked.argument).toMatchObject({ id: 10, proposed: false });
    expect(tracked.answer).toMatchObject({ id: 12, proposed: false });
    expect(trackList([10, 11], { answer: { id: 99 }, argument: { id: 10 } })).toEqual([10, 11, 99]);
  });

  it('name captured vectors after the argument and answer, or the prompt end', () => {
    const tracked = {
      argument: { id: 1, text: ' Poland', proposed: true },
      answer: { id: 2, text: ' Warsaw', proposed: true },
    };
    expect(defaultVectorName(19, 'ffn', tracked, tokens)).toBe('o: Poland→Warsaw FFN 19');
    expect(defaultVectorName(3, 'attn', {}, tokens)).toBe('attn 3 · Q Poland A');
  });
});
