import { describe, expect, it } from 'vitest';
import {
  argumentCandidates,
  candidateRanks,
  describeStages,
  detectStages,
  middleStates,
  proposeAnswer,
  proposeArgument,
  rankInState,
  rankSeries,
  reciprocalRank,
  type StageTrace,
  traceFromStates,
  xShape,
} from '../app/analysis/stages.ts';
import { describeResidualState } from '../models/gpt2/config.ts';
import type { StateResult } from '../workers/engine/types.ts';

const POLAND = 12873;
const WARSAW = 31164;

/** n states of rank `rest`, with rank 0 on the given inclusive state ranges. */
function ranks(n: number, topRanges: Array<[number, number]>, rest = 500): number[] {
  const out = new Array<number>(n).fill(rest);
  for (const [a, b] of topRanges) for (let s = a; s <= b; s++) out[s] = 0;
  return out;
}

function trace(nLayer: number, argumentTop: Array<[number, number]>, answerTop: Array<[number, number]>) {
  const n = 2 * nLayer + 1;
  return { argumentRanks: ranks(n, argumentTop), answerRanks: ranks(n, answerTop) } satisfies StageTrace;
}

function state(index: number, top: number[], tracked: Array<[number, number]> = []): StateResult {
  const { layer, kind } = describeResidualState(index);
  return {
    prompt: 0,
    index,
    layer,
    kind,
    position: 7,
    top: top.map((id, i) => ({ id, token: `t${id}`, prob: 0.5 / (i + 1) })),
    tracked: tracked.map(([id, rank]) => ({ id, token: `t${id}`, rank, prob: 1 / (rank + 2) })),
    entropy: 1,
  };
}

describe('reciprocalRank', () => {
  it('is 1 / (rank + 1)', () => {
    expect(reciprocalRank(0)).toBe(1);
    expect(reciprocalRank(1)).toBe(0.5);
    expect(reciprocalRank(9)).toBeCloseTo(0.1, 12);
    expect(reciprocalRank(Number.NaN)).toBeNaN();
  });
});

describe('ranks from lens states', () => {
  const s = state(3, [5, 6, 7], [[42, 1234]]);
  it('prefers the tracked rank, then the place in the top-k, else NaN', () => {
    expect(rankInState(s, 42)).toBe(1234);
    expect(rankInState(s, 5)).toBe(0);
    expect(rankInState(s, 7)).toBe(2);
    expect(rankInState(s, 99)).toBeNaN();
  });
  it('rankSeries follows state order', () => {
    const states = [state(0, [1, 2]), state(1, [2, 1]), state(2, [3, 4], [[1, 17]])];
    expect(rankSeries(states, 1)).toEqual([0, 1, 17]);
  });
});

describe('argument and answer proposals', () => {
  it('argumentCandidates: unique prompt ids in first-seen order, minus excluded ones', () => {
    expect(argumentCandidates([48, 25, 48, 198, 12, 25, 198])).toEqual([48, 25, 198, 12]);
    expect(argumentCandidates([48, 25, 48, 198, 12], { exclude: [198, 25] })).toEqual([48, 12]);
    expect(argumentCandidates([])).toEqual([]);
  });

  it('middleStates spans blocks [L/3, 5L/6)', () => {
    // gpt2-medium: blocks 8..19 -> states 17..40
    expect(middleStates(24)).toEqual({ from: 17, to: 40 });
    // gpt2: blocks 4..9 -> states 9..20
    expect(middleStates(12)).toEqual({ from: 9, to: 20 });
    // tiny models still get at least one block
    expect(middleStates(1)).toEqual({ from: 1, to: 2 });
    expect(middleStates(2)).toEqual({ from: 1, to: 4 });
  });

  it('proposeArgument picks the best mean reciprocal rank in the middle layers', () => {
    const n = 49;
    const map = new Map<number, number[]>([
      // steady but never top: mean rank 500 would beat Poland on raw mean rank
      [100, new Array<number>(n).fill(500)],
      // top-1 at blocks 15-18, far down elsewhere
      [POLAND, ranks(n, [[31, 38]], 30_000)],
      // top-1 only outside the window (early copying)
      [101, ranks(n, [[0, 10]], 40_000)],
    ]);
    expect(proposeArgument(map, 24)).toBe(POLAND);
    expect(proposeArgument(map, 24, { exclude: [POLAND] })).toBe(100);
  });

  it('proposeArgument skips unknown ranks, breaks exact ties by log rank, and is null without data', () => {
    const n = 25;
    const close = new Map<number, number[]>([
      [1, ranks(n, [[9, 10]], 50_000)],
      [2, ranks(n, [[9, 10]], 50)],
    ]);
    expect(proposeArgument(close, 12)).toBe(2);
    // ranks outside the window do not count: an exact tie, then the first in the map
    const tie = new Map<number, number[]>([
      [3, ranks(n, [[9, 20]], 50_000)],
      [4, ranks(n, [[9, 20]], 5)],
    ]);
    expect(proposeArgument(tie, 12)).toBe(3);
    // equal mean reciprocal rank (1/3 + 1/6 = 1/4 + 1/4), lower mean log rank (log 16 < log 18) wins
    const window = middleStates(12);
    const a = new Array<number>(n).fill(Number.NaN);
    const b = new Array<number>(n).fill(Number.NaN);
    a[window.from] = 2;
    a[window.from + 1] = 5;
    b[window.from] = 3;
    b[window.from + 1] = 3;
    expect(
      proposeArgument(
        new Map([
          [5, a],
          [6, b],
        ]),
        12,
      ),
    ).toBe(6);
    const unknown = new Map<number, number[]>([
      [1, new Array<number>(n).fill(Number.NaN)],
      [
        2,
        [...new Array<number>(n).fill(Number.NaN).slice(0, 12), 3, ...new Array<number>(12).fill(Number.NaN)],
      ],
    ]);
    expect(proposeArgument(unknown, 12)).toBe(2);
    expect(proposeArgument(new Map([[1, new Array<number>(n).fill(Number.NaN)]]), 12)).toBeNull();
    expect(proposeArgument(new Map(), 12)).toBeNull();
  });

  it('the app flow: track prompt ids, propose the answer, then the argument', () => {
    const prompt = [48, 25, 1867, 318, POLAND, 30, 198, 32, 25];
    const candidates = argumentCandidates(prompt);
    // 2 blocks -> 5 states; the middle window is blocks 0-1 (states 1-4)
    const states = [
      state(
        0,
        [25, 48],
        candidates.map((id) => [id, id === 25 ? 0 : 900]),
      ),
      state(
        1,
        [POLAND, 25],
        candidates.map((id) => [id, id === POLAND ? 0 : 800]),
      ),
      state(
        2,
        [POLAND, WARSAW],
        candidates.map((id) => [id, id === POLAND ? 0 : 700]),
      ),
      state(
        3,
        [WARSAW, POLAND],
        candidates.map((id) => [id, id === POLAND ? 1 : 600]),
      ),
      state(
        4,
        [WARSAW, POLAND],
        candidates.map((id) => [id, id === POLAND ? 1 : 650]),
      ),
    ];
    const answer = proposeAnswer(states);
    expect(answer).toBe(WARSAW);
    const argument = proposeArgument(candidateRanks(states, candidates), 2, { exclude: [answer ?? -1] });
    expect(argument).toBe(POLAND);
    const t = traceFromStates(states, POLAND, WARSAW);
    // the answer was not tracked in the first run: known only where it is in the top-k
    expect(t.answerRanks).toEqual([Number.NaN, Number.NaN, 1, 0, 0]);
    expect(t.argumentRanks).toEqual([900, 0, 0, 1, 1]);
    const stages = detectStages(t, 2);
    expect(stages.argumentFormation).toEqual({ from: 1, to: 2 });
    expect(stages.functionApplication).toEqual({
      state: 3,
      block: 1,
      sublayer: 'attn',
      replacesArgument: true,
    });
    expect(stages.saturation).toEqual({ from: 3, to: 4 });
  });

  it('proposeAnswer is the final top-1, null when empty', () => {
    expect(proposeAnswer([state(0, [1]), state(1, [2]), state(2, [3, 1])])).toBe(3);
    expect(proposeAnswer([])).toBeNull();
    expect(proposeAnswer([state(0, [])])).toBeNull();
  });
});

describe('detectStages', () => {
  it("finds the paper's Figure 2 stages for gpt2-medium (Poland -> Warsaw at FFN 19)", () => {
    // Poland top-1 at blocks 15-18 (states 31..38), Warsaw top-1 from block 19's FFN (state 40)
    const t = { ...trace(24, [[31, 38]], [[40, 48]]), argumentId: POLAND, answerId: WARSAW };
    const stages = detectStages(t, 24);
    expect(stages.argumentFormation).toEqual({ from: 31, to: 38 });
    expect(stages.functionApplication).toEqual({
      state: 40,
      block: 19,
      sublayer: 'ffn',
      replacesArgument: false,
    });
    expect(stages.saturation).toEqual({ from: 40, to: 48 });
    expect(stages.argumentIsAnswer).toBe(false);
    expect(describeStages(stages)).toBe(
      'Argument formation: blocks 15-18 · Function application: FFN of block 19 · Saturation: block 19 to the end',
    );
  });

  it('says the answer replaces the argument when the argument is top-1 just before', () => {
    // the paper: after block 19's attention the stream "still represents Poland"
    const stages = detectStages(trace(24, [[31, 39]], [[40, 48]]), 24);
    expect(stages.argumentFormation).toEqual({ from: 31, to: 39 });
    expect(stages.functionApplication).toEqual({
      state: 40,
      block: 19,
      sublayer: 'ffn',
      replacesArgument: true,
    });
    expect(describeStages(stages)).toBe(
      "Argument formation: blocks 15-18 and block 19's attention · " +
        'Function application: FFN of block 19 (replaces the argument) · Saturation: block 19 to the end',
    );
  });

  it('names the attention when an odd state starts saturation', () => {
    const stages = detectStages(trace(24, [[31, 38]], [[39, 48]]), 24);
    expect(stages.functionApplication).toEqual({
      state: 39,
      block: 19,
      sublayer: 'attn',
      replacesArgument: true,
    });
    expect(describeStages(stages)).toContain(
      'Function application: attention of block 19 (replaces the argument)',
    );
  });

  it('answer never top-1 at the end: no saturation, no application, argument from the whole trace', () => {
    const stages = detectStages(trace(24, [[31, 38]], [[40, 45]]), 24);
    expect(stages.saturation).toBeNull();
    expect(stages.functionApplication).toBeNull();
    expect(stages.argumentFormation).toEqual({ from: 31, to: 38 });
    expect(describeStages(stages)).toBe(
      'Argument formation: blocks 15-18 · ' +
        'Function application: not seen (the answer is not top-1 at the end) · Saturation: none',
    );
    const nothing = detectStages(trace(12, [], []), 12);
    expect(nothing).toEqual({
      argumentFormation: null,
      functionApplication: null,
      saturation: null,
      argumentIsAnswer: false,
    });
  });

  it('argument never top-1: application still detected when the answer saturates', () => {
    const stages = detectStages(trace(24, [], [[40, 48]]), 24);
    expect(stages.argumentFormation).toBeNull();
    expect(stages.functionApplication).toEqual({
      state: 40,
      block: 19,
      sublayer: 'ffn',
      replacesArgument: false,
    });
    expect(describeStages(stages)).toBe(
      'Argument formation: not seen (the argument is never top-1 before the answer) · ' +
        'Function application: FFN of block 19 · Saturation: block 19 to the end',
    );
  });

  it('answer top-1 from the embeddings on: saturation everywhere, no application', () => {
    const stages = detectStages(trace(12, [], [[0, 24]]), 12);
    expect(stages.saturation).toEqual({ from: 0, to: 24 });
    expect(stages.functionApplication).toBeNull();
    expect(describeStages(stages)).toBe(
      'Argument formation: not seen (the argument is never top-1 before the answer) · ' +
        'Function application: none (the answer is top-1 from the embeddings on) · ' +
        'Saturation: the embeddings to the end',
    );
  });

  it('flicker: saturation starts at the last regain', () => {
    // answer top-1 at 30..33, lost at 34..37 (argument back), regained at 38
    const stages = detectStages(
      trace(
        24,
        [
          [25, 29],
          [34, 37],
        ],
        [
          [30, 33],
          [38, 48],
        ],
      ),
      24,
    );
    expect(stages.saturation).toEqual({ from: 38, to: 48 });
    expect(stages.functionApplication).toEqual({
      state: 38,
      block: 18,
      sublayer: 'ffn',
      replacesArgument: true,
    });
    // the longer of the two runs before application
    expect(stages.argumentFormation).toEqual({ from: 25, to: 29 });
  });

  it('argument runs: the longest before application, the last of equally long ones', () => {
    const equal = detectStages(
      trace(
        24,
        [
          [5, 7],
          [33, 35],
          [44, 46],
        ],
        [[40, 48]],
      ),
      24,
    );
    // 44..46 lies in saturation (only possible with ties); it is not argument formation
    expect(equal.argumentFormation).toEqual({ from: 33, to: 35 });
    const longer = detectStages(
      trace(
        24,
        [
          [5, 12],
          [33, 35],
        ],
        [[40, 48]],
      ),
      24,
    );
    expect(longer.argumentFormation).toEqual({ from: 5, to: 12 });
    // a run that reaches the application state is cut there
    const touching = detectStages(trace(24, [[36, 39]], [[40, 48]]), 24);
    expect(touching.argumentFormation).toEqual({ from: 36, to: 39 });
  });

  it('argument == answer: no argument formation, no replacement', () => {
    const same = trace(24, [[40, 48]], [[40, 48]]);
    const stages = detectStages({ ...same, argumentId: 7, answerId: 7 }, 24);
    expect(stages.argumentIsAnswer).toBe(true);
    expect(stages.argumentFormation).toBeNull();
    expect(stages.functionApplication).toEqual({
      state: 40,
      block: 19,
      sublayer: 'ffn',
      replacesArgument: false,
    });
    expect(describeStages(stages)).toBe(
      'Argument formation: the argument is the answer · Function application: FFN of block 19 · ' +
        'Saturation: block 19 to the end',
    );
    // without ids the identical ranks read as a run that ends where saturation starts
    const noIds = detectStages(trace(24, [[30, 48]], [[30, 48]]), 24);
    expect(noIds.argumentFormation).toBeNull();
    expect(noIds.functionApplication?.replacesArgument).toBe(false);
  });

  it('unknown (NaN) ranks are never top-1', () => {
    const t = {
      argumentRanks: new Array<number>(25).fill(Number.NaN),
      answerRanks: [...new Array<number>(24).fill(Number.NaN), 0],
    };
    const stages = detectStages(t, 12);
    expect(stages.saturation).toEqual({ from: 24, to: 24 });
    expect(stages.functionApplication).toEqual({
      state: 24,
      block: 11,
      sublayer: 'ffn',
      replacesArgument: false,
    });
    expect(stages.argumentFormation).toBeNull();
  });

  it('describes partial and edge ranges', () => {
    const at = (arg: Array<[number, number]>) =>
      describeStages(detectStages(trace(24, arg, [[48, 48]]), 24)).split(' · ')[0];
    expect(at([[0, 0]])).toBe('Argument formation: the embeddings');
    expect(at([[0, 4]])).toBe('Argument formation: the embeddings and blocks 0-1');
    expect(at([[1, 1]])).toBe("Argument formation: block 0's attention");
    expect(at([[32, 32]])).toBe("Argument formation: block 15's output");
    expect(at([[31, 32]])).toBe('Argument formation: block 15');
    expect(at([[32, 39]])).toBe(
      "Argument formation: block 15's output, blocks 16-18 and block 19's attention",
    );
    expect(describeStages(detectStages(trace(24, [], [[48, 48]]), 24))).toContain(
      'Function application: FFN of block 23 · Saturation: block 23 to the end',
    );
  });

  it('rejects traces of the wrong length', () => {
    expect(() => detectStages(trace(12, [], []), 24)).toThrow(RangeError);
    expect(() => detectStages({ argumentRanks: [0], answerRanks: [0, 0, 0] }, 1)).toThrow(/3 states/);
    expect(() => detectStages({ argumentRanks: [], answerRanks: [] }, 0)).toThrow(RangeError);
  });
});

describe('xShape', () => {
  it('places states on the layer axis and converts ranks to reciprocal ranks', () => {
    const points = xShape({ argumentRanks: [9, 0, 1, 3, Number.NaN], answerRanks: [99, 4, 1, 0, 0] });
    expect(points).toEqual([
      { state: 0, x: 0, argumentRR: 0.1, answerRR: 0.01 },
      { state: 1, x: 0.5, argumentRR: 1, answerRR: 0.2 },
      { state: 2, x: 1, argumentRR: 0.5, answerRR: 0.5 },
      { state: 3, x: 1.5, argumentRR: 0.25, answerRR: 1 },
      { state: 4, x: 2, argumentRR: null, answerRR: 1 },
    ]);
  });

  it('matches describeResidualState: block i attention at i + 0.5, output at i + 1', () => {
    const t = trace(24, [[31, 38]], [[40, 48]]);
    const points = xShape(t);
    expect(points).toHaveLength(49);
    for (const p of points) {
      const { layer, kind } = describeResidualState(p.state);
      expect(p.x).toBe(kind === 'embed' ? 0 : kind === 'attn' ? layer + 0.5 : layer + 1);
    }
    // the X: argument falls while the answer rises
    expect(points[38]).toMatchObject({ argumentRR: 1, answerRR: 1 / 501 });
    expect(points[40]).toMatchObject({ argumentRR: 1 / 501, answerRR: 1 });
  });

  it('handles ragged and empty input', () => {
    expect(xShape({ argumentRanks: [], answerRanks: [] })).toEqual([]);
    expect(xShape({ argumentRanks: [0], answerRanks: [] })).toEqual([
      { state: 0, x: 0, argumentRR: 1, answerRR: null },
    ]);
  });
});
