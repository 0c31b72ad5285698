/**
 * `lenslab experiment` as a user runs it: the same numbers as the experiments module on the
 * in-process engine (what the app's worker runs) for the same checkpoint and data, the documented
 * JSON fields, the built-in data sets, and every bad input as one line on stderr.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { writeNpy } from '../models/npy.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import {
  type AblationResult,
  BUILTIN_DATASETS,
  datasetHash,
  type Example,
  type OvectorResult,
  parseExamples,
  runAblation,
  runOvector,
  runStages,
  type StagesResult,
} from '../workers/experiments/index.ts';
import { gpt2TokenizerJson } from './support/checkpoints.ts';
import { CLI, expectFailure, expectSuccess, repoRoot, run } from './support/cliProcess.ts';

const SHAPE = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64, seed: 51 };
const fixture = makeGpt2Fixture(SHAPE);
const files = {
  name: 'model',
  config: fixture.config,
  safetensors: fixture.safetensors,
  tokenizer: gpt2TokenizerJson(),
};
const vector = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i) * 2);

const EXAMPLES: Example[] = [
  {
    id: 1,
    prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
    answer: ' Warsaw',
    argument: ' Poland',
  },
  {
    id: 2,
    prompt: 'table mug free China table mug free China table mug free',
    answer: ' Beijing',
    argument: ' China',
  },
  { id: 3, prompt: 'Hello world', answer: ' again' },
];
// no ids in the file: they default to the line numbers (1-3)
const JSONL = EXAMPLES.map(({ id: _, ...rest }) => JSON.stringify(rest)).join('\n');

let work: string;
let engine: LensEngine;
const lenslab = (...args: string[]) => run(process.execPath, [CLI, 'experiment', ...args], work);
const common = ['--model', 'model', '--json'];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'lenslab-experiment-'));
  mkdirSync(path.join(work, 'model'));
  writeFileSync(path.join(work, 'model', 'config.json'), JSON.stringify(fixture.config));
  writeFileSync(path.join(work, 'model', 'model.safetensors'), fixture.safetensors);
  writeFileSync(path.join(work, 'model', 'tokenizer.json'), JSON.stringify(gpt2TokenizerJson()));
  writeFileSync(path.join(work, 'data.jsonl'), JSONL);
  writeFileSync(path.join(work, 'o.npy'), writeNpy(vector, [32], 'float32'));
  writeFileSync(path.join(work, 'o.json'), JSON.stringify({ vector: Array.from(vector) }));
  writeFileSync(path.join(work, 'wide.npy'), writeNpy(new Float32Array(1024), [1024], 'float32'));
  writeFileSync(path.join(work, 'bad.csv'), 'prompt,answer\n"Q: one\nA:", two\nthree\n, four\n');
  engine = await LensEngine.load(ortNode as unknown as OrtRuntime, files, {
    executionProviders: ['cpu'],
    backend: 'cpu',
  });
});

afterAll(async () => {
  await engine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const set = { name: 'data.jsonl', examples: EXAMPLES };

describe('lenslab experiment: the same numbers as the module the app runs', () => {
  it('stages: examples and summary with the documented fields', async () => {
    const out = expectSuccess<StagesResult & { backend: string; data: { hash: string } }>(
      await lenslab('stages', ...common, '--data', 'data.jsonl', '--batch', '2'),
    );
    const inProcess = await runStages(engine, set);
    expect(out.examples).toEqual(inProcess.examples);
    expect(out.summary).toEqual(inProcess.summary);
    expect(out.examples.map((e) => e.id)).toEqual([1, 2, 3]);
    for (const e of out.examples) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(['id', 'argument', 'answer', 'top1', 'correct', 'ranks']),
      );
      expect(e.ranks.answer).toHaveLength(5);
    }
    expect(Object.keys(out.summary)).toEqual(
      expect.arrayContaining(['count', 'correct', 'accuracy', 'meanReciprocalRank']),
    );
    expect(out.backend).toBe('cpu');
    expect(out.data.hash).toBe(await datasetHash(EXAMPLES));
  });

  it('ovector: an .npy vector on blocks 1-1 equals the module; the JSON vector file gives the same', async () => {
    const out = expectSuccess<OvectorResult>(
      await lenslab('ovector', ...common, '--data', 'data.jsonl', '--vector', 'o.npy', '--blocks', '1-1'),
    );
    const inProcess = await runOvector(engine, set, { vector, blocks: { from: 1, to: 1 } });
    expect(out.examples).toEqual(inProcess.examples);
    expect(out.summary).toEqual(inProcess.summary);
    expect(Object.keys(out.examples[0]!)).toEqual(
      expect.arrayContaining(['id', 'answer', 'control', 'intervened', 'noEffect']),
    );
    expect(Object.keys(out.summary)).toEqual(
      expect.arrayContaining(['count', 'meanReciprocalRank', 'noEffectRate']),
    );
    // default blocks: 18-23 of 24 scaled to 2 blocks is 1-1; add x 2 at the last position
    const added = expectSuccess<OvectorResult>(
      await lenslab(
        'ovector',
        ...common,
        '--data',
        'data.jsonl',
        '--vector',
        'o.json',
        '--mode',
        'add',
        '--scale',
        '2',
        '--positions',
        'last',
      ),
    );
    const addedInProcess = await runOvector(engine, set, {
      vector,
      mode: 'add',
      scale: 2,
      positions: 'last',
    });
    expect(added.settings).toEqual({ ...addedInProcess.settings, blocks: { from: 1, to: 1 } });
    expect(added.examples).toEqual(addedInProcess.examples);
  });

  it('ablate on a built-in data set, with --limit: steps and per-example top-1 per step', async () => {
    const out = expectSuccess<AblationResult>(
      await lenslab(
        'ablate',
        ...common,
        '--data',
        'builtin:world-capitals-extractive',
        '--limit',
        '3',
        '--steps',
        '2',
        '--sublayer',
        'attn',
      ),
    );
    const builtin = parseExamples(
      readFileSync(path.join(repoRoot, 'public/data/capitals/world-capitals-extractive.jsonl'), 'utf8'),
      'jsonl',
    ).examples.slice(0, 3);
    const inProcess = await runAblation(
      engine,
      { name: 'x', examples: builtin },
      { steps: 2, sublayer: 'attn' },
    );
    expect(out.steps).toEqual(inProcess.steps);
    expect(out.steps.map((s) => s.removed)).toEqual([[], [1], [0, 1]]);
    expect(out.examples).toEqual(inProcess.examples);
    expect(out.examples[0]!.id).toBe('Abkhazia');
    expect(out.examples[0]!.top1).toHaveLength(3);
  });

  it('--list-data lists every built-in data set with its count; --progress reports on stderr', async () => {
    const listed = expectSuccess<{ datasets: Array<{ name: string; count: number }> }>(
      await lenslab('--list-data'),
    );
    expect(listed.datasets.map((d) => d.name)).toEqual(BUILTIN_DATASETS.map((d) => d.name));
    expect(listed.datasets.find((d) => d.name === 'random-us-states')!.count).toBe(50);
    const withProgress = await lenslab(
      'stages',
      ...common,
      '--data',
      'data.jsonl',
      '--batch',
      '1',
      '--progress',
    );
    expect(withProgress.code).toBe(0);
    expect(withProgress.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^lenslab: 0\/3 examples, 0\.0\/s$/),
      expect.stringMatching(/^lenslab: 1\/3 examples, [\d.]+\/s, ETA \d+ s$/),
      expect.stringMatching(/^lenslab: 2\/3 examples/),
      expect.stringMatching(/^lenslab: 3\/3 examples, [\d.]+\/s, ETA 0 s$/),
    ]);
  });
});

describe('lenslab experiment: errors as one line on stderr', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'a bad data file names the line and what is wrong',
      ['stages', ...common, '--data', 'bad.csv'],
      /bad\.csv: 2 bad rows: line 4: 1 fields, the header has 2; line 5: "prompt" is missing or empty$/,
    ],
    [
      'a vector of the wrong size names both sizes',
      ['ovector', ...common, '--data', 'data.jsonl', '--vector', 'wide.npy'],
      /wide\.npy: vector has .*1024.*, the model needs 32/,
    ],
    [
      'an unknown built-in data set',
      ['stages', ...common, '--data', 'builtin:nope'],
      /no built-in data set "nope" .*world-capitals/,
    ],
    [
      'blocks outside the model',
      ['ovector', ...common, '--data', 'data.jsonl', '--vector', 'o.npy', '--blocks', '1-2'],
      /--blocks: blocks 1-2: the model has blocks 0-1/,
    ],
    ['ovector without --vector', ['ovector', ...common, '--data', 'data.jsonl'], /--vector .* is required/],
    [
      'an option of another experiment',
      ['stages', ...common, '--data', 'data.jsonl', '--steps', '3'],
      /--steps is an option of ablate, not of stages/,
    ],
    [
      'an unknown experiment',
      ['figure9', ...common, '--data', 'data.jsonl'],
      /give one of stages, ovector, ablate/,
    ],
  ];
  it.each(cases)('%s', async (_label, args, message) => {
    expectFailure(await lenslab(...args), message);
  });
});
