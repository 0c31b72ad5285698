/** Random BLOOM checkpoints in the Hub's layout (bigscience/bloom-560m's names and config fields). */
import type { SafetensorsDtype } from '../../safetensors.ts';
import { type FamilyFixture, randomCheckpoint, specList } from '../randomCheckpoint.ts';

export interface BloomFixtureOptions {
  nLayer: number;
  hiddenSize: number;
  nHead: number;
  vocabSize: number;
  seed?: number;
  dtype?: SafetensorsDtype;
}

export function makeBloomFixture(o: BloomFixtureOptions): FamilyFixture {
  const d = o.hiddenSize;
  const { specs, gauss } = specList();
  const norm = (name: string): void => {
    gauss(`${name}.weight`, [d], 0.1, 1);
    gauss(`${name}.bias`, [d], 0.05);
  };
  gauss('word_embeddings.weight', [o.vocabSize, d], 0.5);
  norm('word_embeddings_layernorm');
  for (let i = 0; i < o.nLayer; i++) {
    const p = `h.${i}.`;
    norm(`${p}input_layernorm`);
    gauss(`${p}self_attention.query_key_value.weight`, [3 * d, d], 1.2 / Math.sqrt(d));
    gauss(`${p}self_attention.query_key_value.bias`, [3 * d], 0.05);
    gauss(`${p}self_attention.dense.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}self_attention.dense.bias`, [d], 0.05);
    norm(`${p}post_attention_layernorm`);
    gauss(`${p}mlp.dense_h_to_4h.weight`, [4 * d, d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.dense_h_to_4h.bias`, [4 * d], 0.1);
    gauss(`${p}mlp.dense_4h_to_h.weight`, [d, 4 * d], 0.5 / Math.sqrt(4 * d));
    gauss(`${p}mlp.dense_4h_to_h.bias`, [d], 0.05);
  }
  norm('ln_f');
  const config = {
    architectures: ['BloomForCausalLM'],
    model_type: 'bloom',
    apply_residual_connection_post_layernorm: false,
    attention_softmax_in_fp32: true,
    hidden_size: d,
    n_head: o.nHead,
    n_layer: o.nLayer,
    layer_norm_epsilon: 1e-5,
    pretraining_tp: 1,
    slow_but_exact: false,
    vocab_size: o.vocabSize,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float16',
    lenslab_fixture: { seed: o.seed ?? 1, note: 'random weights, not a trained model' },
  };
  return { config, safetensors: randomCheckpoint(specs, o.seed ?? 1, o.dtype ?? 'F32') };
}
