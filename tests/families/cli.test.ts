/**
 * `lenslab lens --json` on a checkpoint folder of each family (config.json, model.safetensors,
 * tokenizer.json as the Hub publishes them), every state against the family's float64 reference:
 * plain, with an FFN intervention from a spec file, and a prompt whose BOS the tokenizer adds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterventionSpec, StateResult } from '../../workers/engine/types.ts';
import { CLI, expectFailure, expectSuccess, run } from '../support/cliProcess.ts';
import { expectStateMatches, newStats } from '../support/compareWithReference.ts';
import { BOS, type FamilyCase, familyCases, GPT2_VOCAB, inVocab } from './familyCases.ts';

interface CliOutput {
  model: { modelType: string; nLayer: number; vocabSize: number; states: unknown[] };
  tokens: Array<{ id: number; text: string }>;
  states: Array<StateResult & { position: number }>;
  capture?: { ffn: number[][]; attn: number[][] };
}

const IDS = [464, 3139, 286, 12873, 318];
const TRACK = [12873, 32955, 50256];
let work: string;
const stats = newStats();
const cases = familyCases();

function folder(family: FamilyCase, i: number): string {
  const dir = path.join(work, `family-${i}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(family.fixture.config, null, 2));
  writeFileSync(path.join(dir, 'model.safetensors'), family.fixture.safetensors);
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(family.tokenizer));
  return dir;
}

async function lenslab(...args: string[]): Promise<CliOutput> {
  return expectSuccess<CliOutput>(await run(process.execPath, [CLI, 'lens', ...args], work));
}

/** The paper's prompt as text, tracking " Warsaw": the tokenizer decides the ids (and the BOS). */
function promptRun(dir: string): Promise<CliOutput> {
  return lenslab('--model', dir, '--prompt', 'The capital of Poland is', '--track', '" Warsaw"', '--json');
}

function expectReference(out: CliOutput, family: FamilyCase, ids: number[], iv?: InterventionSpec): void {
  const forward = family.reference().forward(ids, iv);
  expect(out.states).toHaveLength(family.stateCount);
  out.states.forEach((state, s) => {
    const { layer, kind } = forward.states[s]!;
    // the fields GPT-2's output has: index, layer = the block (-1 for the embeddings), kind
    expect(state).toMatchObject({ index: s, layer, kind, position: ids.length - 1 });
    expectStateMatches(state, forward.logits(s, ids.length - 1), stats, family.vocab);
  });
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'lenslab-families-cli-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  console.info(`[families cli] ${JSON.stringify(stats)}`);
});

describe.each(cases.map((family, i) => ({ family, i, name: family.name })))(
  'lenslab lens on $name',
  ({ family, i }) => {
    it('--ids, --track: every state as the reference decodes it', async () => {
      const dir = folder(family, i);
      const ids = inVocab(IDS, family.vocab);
      const out = await lenslab(
        '--model',
        dir,
        '--ids',
        ids.join(','),
        '--track',
        inVocab(TRACK, family.vocab).join(','),
        '--top',
        '5',
        '--json',
      );
      expect(out.model).toMatchObject({
        modelType: family.fixture.config.model_type,
        nLayer: 2,
        vocabSize: family.vocab,
      });
      expect(out.model.states).toHaveLength(family.stateCount);
      expect(out.tokens.map((t) => t.id)).toEqual(ids);
      expectReference(out, family, ids);
    });
  },
);

describe('interventions and tokenizers through the CLI', () => {
  it('an FFN replace spec at every position, with --capture, on qwen2 and gpt_neox', async () => {
    for (const index of [2, 3]) {
      const family = cases[index]!;
      const dir = folder(family, index);
      const d = family.reference().dModel;
      const vector = Array.from({ length: d }, (_, j) => Math.sin(j + 1) * 2);
      const spec = { positions: 'all', ffn: { 1: { mode: 'replace', vector } } };
      const specPath = path.join(dir, 'spec.json');
      writeFileSync(specPath, JSON.stringify(spec));
      const out = await lenslab(
        '--model',
        dir,
        '--ids',
        IDS.join(','),
        '--track',
        TRACK.join(','),
        '--intervene',
        specPath,
        '--capture',
        '--json',
      );
      const iv: InterventionSpec = { positions: 'all', ffn: { 1: { mode: 'replace', vector } } };
      expectReference(out, family, IDS, iv);
      expect(out.capture!.ffn[1]!.map((v) => Math.round(v * 1e4) / 1e4)).toEqual(
        vector.map((v) => Math.round(v * 1e4) / 1e4),
      );
    }
  });

  it('a Llama prompt starts with the BOS its tokenizer post-processor adds, shown as a token', async () => {
    const family = cases[0]!;
    const dir = folder(family, 0);
    const out = await promptRun(dir);
    expect(out.tokens[0]).toEqual({ id: GPT2_VOCAB, text: BOS });
    expect(out.tokens.slice(1).map((t) => t.id)).toEqual(IDS);
    expectReference(out, family, [GPT2_VOCAB, ...IDS]);
  });

  it('a SentencePiece-BPE prompt (Llama 2 / TinyLlama / Mistral form) starts with <s>; ▁ reads as a space', async () => {
    const index = cases.findIndex((c) => c.name.includes('SentencePiece'));
    const family = cases[index]!;
    const dir = folder(family, index);
    const out = await promptRun(dir);
    expect(out.tokens.map((t) => t.text)).toEqual(['<s>', ' The', ' capital', ' of', ' Poland', ' is']);
    expect(out.states[0]!.tracked[0]!.token).toBe(' Warsaw');
    expectReference(
      out,
      family,
      out.tokens.map((t) => t.id),
    );
  });

  it('lenslab experiment on Llama: prompts start with the BOS, answers and arguments never are one', async () => {
    const dir = folder(cases[0]!, 0);
    const data = path.join(dir, 'capitals.jsonl');
    writeFileSync(
      data,
      `${JSON.stringify({ prompt: 'The capital of Poland is', answer: ' Warsaw', argument: ' Poland' })}\n`,
    );
    const args = ['experiment', 'stages', '--model', dir, '--data', data, '--json'];
    const out = expectSuccess<{ examples: Array<{ answer: { id: number }; argument: { id: number } }> }>(
      await run(process.execPath, [CLI, ...args], work),
    );
    expect(out.examples[0]!.answer.id).toBe(32955);
    expect(out.examples[0]!.argument.id).toBe(12873);
  });

  it('lenslab experiment refuses parallel blocks (its stages read state 2i+1 as an attention)', async () => {
    const index = cases.findIndex((c) => c.name.startsWith('gpt_neox: parallel'));
    const dir = folder(cases[index]!, index);
    const args = [
      'experiment',
      'stages',
      '--model',
      dir,
      '--data',
      'builtin:world-capitals',
      '--limit',
      '1',
      '--json',
    ];
    expectFailure(
      await run(process.execPath, [CLI, ...args], work),
      /^lenslab: experiments need sequential blocks \(2L\+1 states\); family-\d+ \(gpt_neox\) has parallel blocks, 3 states$/,
    );
  });

  it('an unsupported model_type names the supported ones', async () => {
    const dir = folder(cases[0]!, 0);
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ ...cases[0]!.fixture.config, model_type: 'falcon' }),
    );
    expectFailure(
      await run(process.execPath, [CLI, 'lens', '--model', dir, '--ids', '1', '--json'], work),
      /^lenslab: config\.json: model_type "falcon" is not supported; supported: gpt2, llama, qwen2, gpt_neox, mistral, gptj, bloom$/,
    );
  });
});
