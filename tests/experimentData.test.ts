/**
 * The experiments' pure parts: the CSV/JSONL parser and its bad rows, the one-shot template builder,
 * data set hashes and result keys, block scaling and ablation steps, and the metrics on crafted traces.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectStages } from '../workers/analysis/stages.ts';
import {
  ablationSteps,
  buildFromTemplate,
  canonicalJsonl,
  datasetHash,
  defaultOvectorBlocks,
  describeRowErrors,
  experimentKey,
  meanReciprocalRanks,
  parseBlockRange,
  parseExamples,
  parsePairLines,
  rate,
  sampleExamples,
  scaleBlockRange,
  summarizeAblation,
  summarizeOvector,
  summarizeStages,
  sweepRanges,
} from '../workers/experiments/index.ts';

describe('parseExamples: JSONL', () => {
  it('reads rows, keeps ids as given, defaults them to the line number, skips blank lines', () => {
    const text = [
      '{"id":"poland","prompt":"Q: Poland?\\nA:","answer":" Warsaw","argument":" Poland"}',
      '',
      '{"prompt":"p2","answer":" a2"}',
      '{"id":7,"prompt":"p3","answer":" a3","argument":""}',
    ].join('\n');
    const { examples, errors } = parseExamples(text, 'jsonl');
    expect(errors).toEqual([]);
    expect(examples).toEqual([
      { id: 'poland', prompt: 'Q: Poland?\nA:', answer: ' Warsaw', argument: ' Poland' },
      { id: 3, prompt: 'p2', answer: ' a2' },
      { id: 7, prompt: 'p3', answer: ' a3' },
    ]);
  });

  it('reports every bad row by line, with what is wrong, and keeps the good ones', () => {
    const lines = [
      '{"prompt":"ok","answer":" fine"}', // 1
      '{"prompt":"no answer"}', // 2
      'not json', // 3
      '[1,2]', // 4
      '{"prompt":"p","answer":" a","colour":"red"}', // 5
      '{"prompt":"p","answer":3}', // 6
      '{"id":"x","prompt":"p","answer":" a"}', // 7
      '{"id":"x","prompt":"q","answer":" b"}', // 8
      '{"id":{"a":1},"prompt":"p","answer":" a"}', // 9
    ];
    const { examples, errors } = parseExamples(lines.join('\r\n'), 'jsonl');
    expect(examples.map((e) => e.id)).toEqual([1, 'x']);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 8, 9]);
    const message = (line: number) => errors.find((e) => e.line === line)!.message;
    expect(message(2)).toMatch(/"answer" is missing/);
    expect(message(3)).toMatch(/not valid JSON/);
    expect(message(4)).toMatch(/must be a JSON object/);
    expect(message(5)).toMatch(/unknown field "colour"/);
    expect(message(6)).toMatch(/"answer" must be text \(got number\)/);
    expect(message(8)).toMatch(/id "x" is already used on line 7/);
    expect(message(9)).toMatch(/"id" must be text or a number/);
    expect(describeRowErrors(errors)).toMatch(
      /^7 bad rows: line 2: "answer" is missing or empty; line 3: not valid JSON .*; line 4: .*; and 4 more$/,
    );
  });

  it('an empty file is an error, not an empty data set', () => {
    expect(parseExamples('\n\n', 'jsonl').errors).toEqual([
      { line: 1, message: 'the file holds no examples' },
    ]);
  });
});

describe('parseExamples: CSV', () => {
  it('quoted fields hold commas and newlines; line numbers follow the file', () => {
    const text = [
      'id,prompt,answer,argument',
      'poland,"Q: What is the capital of France?',
      'A: Paris',
      'Q: What is the capital of Poland?',
      'A:", Warsaw, Poland',
      ',"He said ""hi"", then",  bye,',
      'bad,only two',
      '',
      'x,,  a,',
    ].join('\n');
    const { examples, errors } = parseExamples(`\uFEFF${text}`, 'csv');
    expect(examples).toEqual([
      {
        id: 'poland',
        prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
        answer: ' Warsaw',
        argument: ' Poland',
      },
      { id: 6, prompt: 'He said "hi", then', answer: '  bye' },
    ]);
    expect(errors).toEqual([
      { line: 7, message: '2 fields, the header has 4' },
      { line: 9, message: '"prompt" is missing or empty' },
    ]);
  });

  it('a header without prompt or answer, or with an unknown column, fails on line 1', () => {
    expect(parseExamples('question,answer\nq, a', 'csv').errors[0]).toEqual({
      line: 1,
      message:
        'header: no "prompt" column; unknown column "question" (expected id, prompt, answer, argument)',
    });
    expect(parseExamples('', 'csv').errors[0]!.message).toMatch(/no header row/);
  });
});

describe('buildFromTemplate', () => {
  it("builds the paper's one-shot prompts, the answer and argument with their leading space", () => {
    const { examples, errors } = buildFromTemplate(
      {
        template: 'Q: What is the capital of {argument}?\nA: {answer}',
        shot: { argument: 'France', answer: 'Paris' },
      },
      [
        { argument: 'Poland', answer: 'Warsaw' },
        { argument: 'Ca$h', answer: '$1', id: 'dollar' },
        { argument: ' ', answer: 'x' },
      ],
    );
    expect(examples).toEqual([
      {
        id: 1,
        prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
        answer: ' Warsaw',
        argument: ' Poland',
      },
      {
        id: 'dollar',
        prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Ca$h?\nA:',
        answer: ' $1',
        argument: ' Ca$h',
      },
    ]);
    expect(errors).toEqual([{ line: 3, message: 'the pair needs an argument' }]);
  });

  it('text after {answer}, a separator and a prefix (the past-tense and extractive formats)', () => {
    const { examples } = buildFromTemplate(
      {
        template: 'Today I {argument}. Yesterday I {answer}.',
        shot: { argument: 'abandon', answer: 'abandoned' },
        separator: ' ',
        prefix: 'Note. ',
      },
      [{ argument: 'abolish', answer: 'abolished' }],
    );
    expect(examples[0]!.prompt).toBe(
      'Note. Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
    );
    expect(examples[0]!.answer).toBe(' abolished');
  });

  it('pairs typed one a line: tab or comma separated, quoted commas, bad lines by number', () => {
    const { pairs, errors } = parsePairLines(
      'Poland\tWarsaw\n\n"Washington, D.C.",Olympia\nonly one\nChina , Beijing\n,x',
    );
    expect(pairs).toEqual([
      { argument: 'Poland', answer: 'Warsaw' },
      { argument: 'Washington, D.C.', answer: 'Olympia' },
      { argument: 'China', answer: 'Beijing' },
    ]);
    expect(errors).toEqual([
      { line: 4, message: 'expected two fields: argument, answer' },
      { line: 6, message: 'expected two fields: argument, answer' },
    ]);
  });

  it('refuses templates without one {argument} before one {answer}', () => {
    const pairs = [{ argument: 'a', answer: 'b' }];
    expect(() =>
      buildFromTemplate({ template: 'Q: {answer}', shot: { argument: 'a', answer: 'b' } }, pairs),
    ).toThrow(/\{argument\} exactly once/);
    expect(() =>
      buildFromTemplate({ template: '{answer} {argument}', shot: { argument: 'a', answer: 'b' } }, pairs),
    ).toThrow(/must come before/);
  });
});

describe('data set hashes and result keys', () => {
  const examples = [
    { id: 'a', prompt: 'p', answer: ' x', argument: ' y' },
    { id: 2, prompt: 'q', answer: ' z' },
  ];
  it('the hash is the SHA-256 of the canonical JSONL, whatever the key order of the source', async () => {
    const jsonl = canonicalJsonl(examples);
    expect(jsonl).toBe(
      '{"id":"a","prompt":"p","answer":" x","argument":" y"}\n{"id":2,"prompt":"q","answer":" z"}\n',
    );
    expect(await datasetHash(examples)).toBe(createHash('sha256').update(jsonl).digest('hex'));
    const reordered = [{ argument: ' y', answer: ' x', prompt: 'p', id: 'a' }, examples[1]!];
    expect(await datasetHash(reordered)).toBe(await datasetHash(examples));
    expect(await datasetHash([examples[1]!, examples[0]!])).not.toBe(await datasetHash(examples));
  });

  it('keys: equal for equal settings in any key order, different when a vector value or the model differs', async () => {
    const vector = new Float32Array([1, 2, 3]);
    const parts = {
      experiment: 'ovector' as const,
      model: 'gpt2-medium',
      revision: 'abc',
      datasetHash: 'h',
      settings: { vector, blocks: { from: 18, to: 23 } },
    };
    const key = await experimentKey(parts);
    expect(key).toMatch(/^lenslab-experiment\/v1\|ovector\|gpt2-medium@abc\|h\|[0-9a-f]{64}$/);
    expect(
      await experimentKey({ ...parts, settings: { blocks: { to: 23, from: 18 }, vector: [1, 2, 3] } }),
    ).toBe(key);
    expect(
      await experimentKey({ ...parts, settings: { ...parts.settings, vector: new Float32Array([1, 2, 4]) } }),
    ).not.toBe(key);
    expect(await experimentKey({ ...parts, revision: 'def' })).not.toBe(key);
  });
});

describe('blocks', () => {
  it("scales the paper's 18-23 of 24 blocks to other depths", () => {
    expect(defaultOvectorBlocks(24)).toEqual({ from: 18, to: 23 });
    expect(defaultOvectorBlocks(12)).toEqual({ from: 9, to: 11 });
    expect(defaultOvectorBlocks(36)).toEqual({ from: 27, to: 35 });
    expect(defaultOvectorBlocks(48)).toEqual({ from: 36, to: 47 });
    expect(defaultOvectorBlocks(4)).toEqual({ from: 3, to: 3 });
    expect(defaultOvectorBlocks(1)).toEqual({ from: 0, to: 0 });
    expect(scaleBlockRange({ from: 19, to: 19 }, 12)).toEqual({ from: 9, to: 9 });
  });

  it('parses A-B and single blocks, refusing ranges outside the model', () => {
    expect(parseBlockRange('18-23', 24)).toEqual({ from: 18, to: 23 });
    expect(parseBlockRange(' 5 ', 24)).toEqual({ from: 5, to: 5 });
    expect(() => parseBlockRange('18-24', 24)).toThrow(/blocks 0-23/);
    expect(() => parseBlockRange('20-18', 24)).toThrow(/A <= B/);
    expect(() => parseBlockRange('18..23', 24)).toThrow(/expected A-B/);
  });

  it('ablation steps remove the top round(j*L/K) blocks', () => {
    const steps = ablationSteps(24, 6);
    expect(steps.map((s) => s.length)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(steps[1]).toEqual([20, 21, 22, 23]);
    expect(steps[6]![0]).toBe(0);
    expect(ablationSteps(4, 6).map((s) => s.length)).toEqual([0, 1, 1, 2, 3, 3, 4]);
  });

  it("the sweep grid: upper half, every ~L/12 blocks, with the paper's 18-23 in it", () => {
    const ranges = sweepRanges(24);
    expect(ranges).toContainEqual({ from: 18, to: 23 });
    expect(ranges.every((r) => r.from >= 12 && r.to <= 23 && r.from <= r.to)).toBe(true);
    expect(ranges).toHaveLength(21);
    expect(sweepRanges(4)).toEqual([
      { from: 2, to: 2 },
      { from: 2, to: 3 },
      { from: 3, to: 3 },
    ]);
  });

  it('samples are seeded, without repeats, in data order', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = sampleExamples(items, 10, 3);
    expect(a).toEqual(sampleExamples(items, 10, 3));
    expect(new Set(a).size).toBe(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(sampleExamples(items, 10, 4)).not.toEqual(a);
    expect(sampleExamples(items, 80, 3)).toEqual(items);
  });
});

describe('metrics on crafted traces', () => {
  it('mean reciprocal rank per state and rates', () => {
    expect(
      meanReciprocalRanks([
        [0, 1, 3],
        [1, 0, 0],
      ]),
    ).toEqual([0.75, 0.75, 0.625]);
    expect(meanReciprocalRanks([])).toBeNull();
    expect(() => meanReciprocalRanks([[0], [0, 1]])).toThrow(/differ in length/);
    expect(rate([true, false, true, true])).toBe(0.75);
    expect(rate([])).toBe(0);
  });

  it("stages summary: the paper's correct-only means, accuracy and where function application happens", () => {
    const L = 2; // 5 states
    const example = (id: number, argument: number[], answer: number[], top1: number) => {
      const trace = { argumentRanks: argument, answerRanks: answer, argumentId: 10, answerId: 20 };
      return {
        id,
        argument: { id: 10, token: ' Poland' },
        answer: { id: 20, token: ' Warsaw' },
        top1: { id: top1, token: '' },
        correct: top1 === 20,
        ranks: { argument, answer },
        stages: detectStages(trace, L),
      };
    };
    const examples = [
      // the X: argument top-1 at states 1-2, the answer takes over at state 3 (block 1's attention)
      example(1, [5, 0, 0, 2, 3], [9, 4, 1, 0, 0], 20),
      // the answer arrives with block 1's FFN (state 4)
      example(2, [3, 1, 0, 0, 1], [7, 3, 3, 1, 0], 20),
      // wrong: ends on another token
      example(3, [0, 0, 0, 0, 0], [9, 9, 9, 9, 4], 10),
    ];
    const summary = summarizeStages(examples, L);
    expect(summary).toMatchObject({ count: 3, correct: 2, accuracy: 2 / 3, argumentFormation: 3 });
    expect(summary.meanReciprocalRank.correct.answer).toEqual([
      (1 / 10 + 1 / 8) / 2,
      (1 / 5 + 1 / 4) / 2,
      (1 / 2 + 1 / 4) / 2,
      (1 + 1 / 2) / 2,
      1,
    ]);
    expect(summary.meanReciprocalRank.all.argument![0]).toBeCloseTo((1 / 6 + 1 / 4 + 1) / 3, 12);
    expect(summary.functionApplication).toEqual({
      attn: [0, 1],
      ffn: [0, 1],
      replacesArgument: 2,
      examples: 2,
    });
  });

  it('o-vector summary: no-effect rate and accuracies', () => {
    const run = (ranks: number[], top1: number) => ({ ranks, top1: { id: top1, token: '' } });
    const answer = { id: 5, token: ' Beijing' };
    const examples = [
      { id: 1, answer, argument: null, control: run([9, 3], 7), intervened: run([4, 0], 5), noEffect: false },
      { id: 2, answer, argument: null, control: run([1, 1], 7), intervened: run([1, 2], 7), noEffect: true },
    ];
    const summary = summarizeOvector(examples);
    expect(summary.noEffectRate).toBe(0.5);
    expect(summary.accuracy).toEqual({ control: 0, intervened: 0.5 });
    expect(summary.meanReciprocalRank.intervened).toEqual([(1 / 5 + 1 / 2) / 2, (1 + 1 / 3) / 2]);
  });

  it('ablation summary: correct count and accuracy per step', () => {
    const examples = [
      { id: 1, answer: { id: 1, token: '' }, top1: [], correct: [true, true, false] },
      { id: 2, answer: { id: 1, token: '' }, top1: [], correct: [true, false, false] },
    ];
    expect(summarizeAblation(examples, [[], [1], [0, 1]])).toEqual([
      { removed: [], correct: 2, accuracy: 1 },
      { removed: [1], correct: 1, accuracy: 0.5 },
      { removed: [0, 1], correct: 0, accuracy: 0 },
    ]);
  });
});
