/**
 * One random checkpoint per family variant in the Hub's exact layout, with its tokenizer.json and
 * its float64 reference: what the engine suite and the CLI suite run against.
 */
import { makeBloomFixture } from '../../models/families/bloom/fixture.ts';
import { makeNeoxFixture } from '../../models/families/gpt_neox/fixture.ts';
import { makeGptjFixture } from '../../models/families/gptj/fixture.ts';
import { makeLlamaFixture, withBosToken } from '../../models/families/llama/fixture.ts';
import { sentencePieceTokenizerJson } from '../../models/families/llama/sentencePieceTokenizer.ts';
import type { FamilyFixture } from '../../models/families/randomCheckpoint.ts';
import { gpt2TokenizerJson } from '../support/checkpoints.ts';
import { bloomReference } from './reference/bloomReference.ts';
import type { FamilyReference } from './reference/decoder.ts';
import { gptjReference } from './reference/gptjReference.ts';
import { llamaReference } from './reference/llamaReference.ts';
import { neoxReference } from './reference/neoxReference.ts';

/** GPT-2's 50,257 byte-level tokens stand in for each family's tokenizer. */
export const GPT2_VOCAB = 50257;
export const BOS = '<|begin_of_text|>';

export interface FamilyCase {
  name: string;
  fixture: FamilyFixture;
  tokenizer: unknown;
  /** Tokens the tokenizer has: the lens's vocabulary. */
  vocab: number;
  /** Residual states the model has: 2L+1 sequential, L+1 parallel. */
  stateCount: number;
  reference: () => FamilyReference;
}

let llamaTokenizer: unknown;
function bosTokenizer(): unknown {
  llamaTokenizer ??= withBosToken(gpt2TokenizerJson(), BOS, GPT2_VOCAB);
  return llamaTokenizer;
}

/** Llama 2 / TinyLlama / Mistral's SentencePiece-BPE form, 308 tokens. */
export const SENTENCE_PIECE = sentencePieceTokenizerJson();

function llamaCase(
  name: string,
  fixture: FamilyFixture,
  tokenizer: 'gpt2' | 'bos' | 'sentencepiece',
  nLayer: number,
): FamilyCase {
  const tokens = { gpt2: GPT2_VOCAB, bos: GPT2_VOCAB + 1, sentencepiece: SENTENCE_PIECE.size }[tokenizer];
  // a test model may have fewer embedding rows than its tokenizer has tokens: those rows are the vocabulary
  const vocab = Math.min(tokens, fixture.config.vocab_size as number);
  return {
    name,
    fixture,
    tokenizer: { gpt2: gpt2TokenizerJson, bos: bosTokenizer, sentencepiece: () => SENTENCE_PIECE.json }[
      tokenizer
    ](),
    vocab,
    stateCount: 2 * nLayer + 1,
    reference: () => llamaReference(fixture.config, fixture.safetensors, vocab),
  };
}

const LLAMA3_SCALING = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMax: 64 };

export function familyCases(): FamilyCase[] {
  const neox = (name: string, parallel: boolean, seed: number): FamilyCase => {
    const options = {
      nLayer: 2,
      hiddenSize: 32,
      nHead: 2,
      vocabSize: 50304,
      maxPositions: 64,
      parallel,
      seed,
    };
    const fixture = makeNeoxFixture({ ...options, legacyBuffers: true, dtype: 'F16' });
    return {
      name,
      fixture,
      tokenizer: gpt2TokenizerJson(),
      vocab: GPT2_VOCAB,
      stateCount: parallel ? 3 : 5,
      reference: () => neoxReference(fixture.config, fixture.safetensors, GPT2_VOCAB),
    };
  };
  const gptj = makeGptjFixture({
    nLayer: 2,
    nEmbd: 32,
    nHead: 2,
    rotaryDim: 6,
    vocabSize: 50400,
    nPositions: 64,
    legacyBuffers: true,
    seed: 28,
  });
  // 6 heads: ALiBi's slopes for a head count that is not a power of two take the interleaved branch
  const bloom = makeBloomFixture({
    nLayer: 2,
    hiddenSize: 48,
    nHead: 6,
    vocabSize: 50304,
    seed: 29,
    dtype: 'F16',
  });
  const base = { nLayer: 2, hiddenSize: 32, nHead: 4, intermediateSize: 64, maxPositions: 128 };
  return [
    llamaCase(
      'llama: grouped-query (4 heads, 2 kv), Llama 3 rope_scaling, untied, BOS',
      makeLlamaFixture({
        ...base,
        nKvHead: 2,
        vocabSize: GPT2_VOCAB + 1,
        ropeTheta: 500000,
        llama3Scaling: LLAMA3_SCALING,
        explicitHeadDim: true,
        bosTokenId: GPT2_VOCAB,
        seed: 21,
      }),
      'bos',
      2,
    ),
    llamaCase(
      'llama: tied embeddings, multi-query (1 kv head), BF16 (SmolLM2-like)',
      makeLlamaFixture({ ...base, nKvHead: 1, vocabSize: GPT2_VOCAB, tied: true, seed: 22, dtype: 'BF16' }),
      'gpt2',
      2,
    ),
    llamaCase(
      'qwen2: q/k/v biases, tied, padded vocabulary (50,304 rows)',
      makeLlamaFixture({
        ...base,
        modelType: 'qwen2',
        nKvHead: 2,
        vocabSize: 50304,
        tied: true,
        ropeTheta: 1000000,
        seed: 23,
      }),
      'gpt2',
      2,
    ),
    neox('gpt_neox: parallel residual, partial rotary, padded vocabulary, legacy buffers, F16', true, 24),
    neox('gpt_neox: sequential residual (use_parallel_residual false)', false, 25),
    llamaCase(
      'llama: SentencePiece-BPE tokenizer with <s> (Llama 2 / TinyLlama form), F16',
      makeLlamaFixture({ ...base, nKvHead: 4, vocabSize: SENTENCE_PIECE.size, seed: 27, dtype: 'F16' }),
      'sentencepiece',
      2,
    ),
    {
      name: 'gptj: one ln_1 per parallel block, interleaved partial rotary, lm_head bias, padded vocabulary',
      fixture: gptj,
      tokenizer: gpt2TokenizerJson(),
      vocab: GPT2_VOCAB,
      stateCount: 3,
      reference: () => gptjReference(gptj.config, gptj.safetensors, GPT2_VOCAB),
    },
    {
      name: 'bloom: ALiBi (6 heads), embedding LayerNorm, fused per-head qkv, tied, padded vocabulary, F16',
      fixture: bloom,
      tokenizer: gpt2TokenizerJson(),
      vocab: GPT2_VOCAB,
      stateCount: 5,
      reference: () => bloomReference(bloom.config, bloom.safetensors, GPT2_VOCAB),
    },
    llamaCase(
      'qwen2: 1,000 embedding rows under a 50,257-token tokenizer (a tiny test model)',
      makeLlamaFixture({ ...base, modelType: 'qwen2', nKvHead: 2, vocabSize: 1000, tied: true, seed: 30 }),
      'gpt2',
      2,
    ),
    llamaCase(
      'mistral: grouped-query, untied',
      makeLlamaFixture({ ...base, modelType: 'mistral', nKvHead: 2, vocabSize: GPT2_VOCAB, seed: 26 }),
      'gpt2',
      2,
    ),
  ];
}

/** Test token ids folded into a small vocabulary (the SentencePiece fixture has 308 tokens). */
export function inVocab(ids: readonly number[], vocab: number): number[] {
  return ids.map((id) => id % vocab);
}
