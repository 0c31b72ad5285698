/**
 * Random GPT-NeoX (Pythia) checkpoints in the Hub's layout: fused query_key_value, partial rotary
 * (rotary_pct), parallel residual, the padded vocabulary (vocab_size above the tokenizer's), and
 * optionally the buffers older checkpoints carry (attention.bias, masked_bias, rotary_emb.inv_freq).
 */
import type { SafetensorsDtype } from '../../safetensors.ts';
import { type FamilyFixture, randomCheckpoint, specList } from '../randomCheckpoint.ts';

export interface NeoxFixtureOptions {
  nLayer: number;
  hiddenSize: number;
  nHead: number;
  vocabSize: number;
  maxPositions: number;
  rotaryPct?: number;
  parallel?: boolean;
  legacyBuffers?: boolean;
  seed?: number;
  dtype?: SafetensorsDtype;
}

export function neoxFixtureConfig(o: NeoxFixtureOptions): Record<string, unknown> {
  return {
    architectures: ['GPTNeoXForCausalLM'],
    model_type: 'gpt_neox',
    hidden_size: o.hiddenSize,
    intermediate_size: 4 * o.hiddenSize,
    num_attention_heads: o.nHead,
    num_hidden_layers: o.nLayer,
    hidden_act: 'gelu',
    rotary_pct: o.rotaryPct ?? 0.25,
    rotary_emb_base: 10000,
    max_position_embeddings: o.maxPositions,
    initializer_range: 0.02,
    layer_norm_eps: 1e-5,
    use_cache: true,
    use_parallel_residual: o.parallel ?? true,
    tie_word_embeddings: false,
    vocab_size: o.vocabSize,
    bos_token_id: 0,
    eos_token_id: 0,
    torch_dtype: 'float16',
    lenslab_fixture: { seed: o.seed ?? 1, note: 'random weights, not a trained model' },
  };
}

export function makeNeoxFixture(o: NeoxFixtureOptions): FamilyFixture {
  const d = o.hiddenSize;
  const headDim = d / o.nHead;
  const rot = Math.floor(headDim * (o.rotaryPct ?? 0.25));
  const { specs, gauss } = specList();
  gauss('gpt_neox.embed_in.weight', [o.vocabSize, d], 0.5);
  for (let i = 0; i < o.nLayer; i++) {
    const p = `gpt_neox.layers.${i}.`;
    gauss(`${p}input_layernorm.weight`, [d], 0.1, 1);
    gauss(`${p}input_layernorm.bias`, [d], 0.05);
    gauss(`${p}post_attention_layernorm.weight`, [d], 0.1, 1);
    gauss(`${p}post_attention_layernorm.bias`, [d], 0.05);
    if (o.legacyBuffers) {
      const ctx = Math.min(o.maxPositions, 32);
      specs.push({
        name: `${p}attention.bias`,
        shape: [1, 1, ctx, ctx],
        fill: (k) => (k % ctx <= Math.floor(k / ctx) ? 1 : 0),
      });
      specs.push({ name: `${p}attention.masked_bias`, shape: [], fill: () => -1e9 });
      specs.push({
        name: `${p}attention.rotary_emb.inv_freq`,
        shape: [rot / 2],
        fill: (k) => 10000 ** (-(2 * k) / rot),
      });
    }
    gauss(`${p}attention.query_key_value.weight`, [3 * d, d], 1.2 / Math.sqrt(d));
    gauss(`${p}attention.query_key_value.bias`, [3 * d], 0.05);
    gauss(`${p}attention.dense.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}attention.dense.bias`, [d], 0.05);
    gauss(`${p}mlp.dense_h_to_4h.weight`, [4 * d, d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.dense_h_to_4h.bias`, [4 * d], 0.1);
    gauss(`${p}mlp.dense_4h_to_h.weight`, [d, 4 * d], 0.5 / Math.sqrt(4 * d));
    gauss(`${p}mlp.dense_4h_to_h.bias`, [d], 0.05);
  }
  gauss('gpt_neox.final_layer_norm.weight', [d], 0.1, 1);
  gauss('gpt_neox.final_layer_norm.bias', [d], 0.05);
  gauss('embed_out.weight', [o.vocabSize, d], 0.5);
  return {
    config: neoxFixtureConfig(o),
    safetensors: randomCheckpoint(specs, o.seed ?? 1, o.dtype ?? 'F32'),
  };
}
