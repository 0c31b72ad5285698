/** Family configs and checkpoints the engine refuses, and the position tables against known values. */
import { describe, expect, it } from 'vitest';
import { alibiSlopes } from '../../models/arch/graph.ts';
import { configShape, parseArchSpec } from '../../models/arch/registry.ts';
import { llamaFixtureConfig, makeLlamaFixture } from '../../models/families/llama/fixture.ts';
import { ModelConfigError } from '../../models/gpt2/config.ts';
import { ModelWeightsError } from '../../models/gpt2/weights.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { llama3InvFreq } from './reference/llamaReference.ts';

const LLAMA = llamaFixtureConfig({
  nLayer: 2,
  hiddenSize: 64,
  nHead: 4,
  nKvHead: 2,
  intermediateSize: 128,
  vocabSize: 1000,
  maxPositions: 128,
});

describe('config.json of a family', () => {
  it('is read into the spec and the shape the CLI and the fit check use', () => {
    const { spec } = parseArchSpec(LLAMA);
    expect(spec).toMatchObject({
      modelType: 'llama',
      nLayer: 2,
      nHead: 4,
      nKvHead: 2,
      headDim: 16,
      parallel: false,
    });
    expect(configShape(LLAMA)).toEqual({
      modelType: 'llama',
      nLayer: 2,
      nEmbd: 64,
      vocabSize: 1000,
      nPositions: 128,
    });
  });

  it.each([
    [
      { model_type: 't5' },
      'model_type "t5" is not supported; supported: gpt2, llama, qwen2, gpt_neox, mistral, gptj, bloom',
    ],
    [
      { ...LLAMA, rope_scaling: { rope_type: 'dynamic', factor: 2 } },
      'rope_scaling type "dynamic" is not supported; supported: default, linear, llama3',
    ],
    [{ ...LLAMA, hidden_act: 'gelu' }, 'hidden_act "gelu" is not supported; supported: silu'],
    [
      { ...LLAMA, num_key_value_heads: 3 },
      'num_attention_heads / num_key_value_heads: 4 is not divisible by 3',
    ],
    [{ ...LLAMA, hidden_size: 0 }, 'hidden_size must be a positive integer (got 0)'],
  ])('refuses %j, saying why', (config, message) => {
    expect(() => parseArchSpec(config)).toThrowError(ModelConfigError);
    expect(() => parseArchSpec(config)).toThrowError(`config.json: ${message}`);
  });

  it('a checkpoint that lacks a tensor, or has one of another shape, is named', () => {
    const fixture = makeLlamaFixture({ ...sizes(), tied: true });
    const { adapter, spec } = parseArchSpec({ ...fixture.config, tie_word_embeddings: false });
    const file = parseSafetensors(fixture.safetensors);
    expect(() => adapter.weights(file, spec)).toThrowError(ModelWeightsError);
    expect(() => adapter.weights(file, spec)).toThrowError(
      'missing tensor "lm_head.weight" for a 2-layer llama',
    );
    const wide = parseArchSpec({ ...fixture.config, intermediate_size: 96 });
    expect(() => wide.adapter.weights(file, wide.spec)).toThrowError(
      'tensor "model.layers.0.mlp.gate_proj.weight" has shape [64,32], expected [96,32] from config.json',
    );
  });
});

function sizes() {
  return {
    nLayer: 2,
    hiddenSize: 32,
    nHead: 4,
    nKvHead: 2,
    intermediateSize: 64,
    vocabSize: 300,
    maxPositions: 64,
  };
}

describe('position tables', () => {
  it("ALiBi's slopes are the paper's: 1/2 ... 1/256 for 8 heads; 16 heads interleave halfway steps", () => {
    expect(alibiSlopes(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => 2 ** -i));
    const sixteen = alibiSlopes(16);
    sixteen.forEach((s, i) => expect(s).toBeCloseTo(2 ** (-(i + 1) / 2), 15));
    // 12 heads: the 8-head sequence, then the 16-head sequence's odd steps
    const twelve = [...alibiSlopes(8), ...[1, 3, 5, 7].map((i) => 2 ** (-i / 2))];
    alibiSlopes(12).forEach((s, i) => expect(s).toBeCloseTo(twelve[i]!, 15));
  });

  it('Llama 3 rope_scaling: high frequencies kept, low ones divided by the factor, the band between blended', () => {
    const scaling = {
      factor: 32,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
    };
    const config = {
      ...LLAMA,
      head_dim: 64,
      rope_theta: 500000,
      rope_scaling: { ...scaling, rope_type: 'llama3' },
    };
    const { spec } = parseArchSpec(config);
    const invFreq = spec.rotary!.invFreq;
    const base = Array.from({ length: 32 }, (_, i) => 500000 ** (-(2 * i) / 64));
    expect(invFreq[0]).toBe(base[0]);
    expect(invFreq[31]).toBeCloseTo(base[31]! / 32, 20);
    const blended = invFreq.filter((f, i) => f !== base[i] && Math.abs(f - base[i]! / 32) > 1e-18);
    expect(blended.length).toBeGreaterThan(0);
    llama3InvFreq(64, 500000, scaling).forEach((f, i) =>
      expect(Math.abs(invFreq[i]! / f - 1)).toBeLessThan(1e-12),
    );
  });
});
