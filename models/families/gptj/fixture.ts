/** Random GPT-J checkpoints in the Hub's layout (GPT-J-6B's names and config fields, small shapes). */
import type { SafetensorsDtype } from '../../safetensors.ts';
import { type FamilyFixture, randomCheckpoint, specList } from '../randomCheckpoint.ts';

export interface GptjFixtureOptions {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  rotaryDim: number;
  vocabSize: number;
  nPositions: number;
  legacyBuffers?: boolean;
  seed?: number;
  dtype?: SafetensorsDtype;
}

export function gptjFixtureConfig(o: GptjFixtureOptions): Record<string, unknown> {
  return {
    architectures: ['GPTJForCausalLM'],
    model_type: 'gptj',
    activation_function: 'gelu_new',
    n_embd: o.nEmbd,
    n_head: o.nHead,
    n_layer: o.nLayer,
    n_inner: null,
    n_positions: o.nPositions,
    rotary: true,
    rotary_dim: o.rotaryDim,
    layer_norm_epsilon: 1e-5,
    tie_word_embeddings: false,
    vocab_size: o.vocabSize,
    bos_token_id: 50256,
    eos_token_id: 50256,
    torch_dtype: 'float32',
    lenslab_fixture: { seed: o.seed ?? 1, note: 'random weights, not a trained model' },
  };
}

export function makeGptjFixture(o: GptjFixtureOptions): FamilyFixture {
  const d = o.nEmbd;
  const { specs, gauss } = specList();
  gauss('transformer.wte.weight', [o.vocabSize, d], 0.5);
  for (let i = 0; i < o.nLayer; i++) {
    const p = `transformer.h.${i}.`;
    gauss(`${p}ln_1.weight`, [d], 0.1, 1);
    gauss(`${p}ln_1.bias`, [d], 0.05);
    if (o.legacyBuffers) {
      const ctx = Math.min(o.nPositions, 32);
      specs.push({
        name: `${p}attn.bias`,
        shape: [1, 1, ctx, ctx],
        fill: (k) => (k % ctx <= Math.floor(k / ctx) ? 1 : 0),
      });
      specs.push({ name: `${p}attn.masked_bias`, shape: [], fill: () => -1e9 });
    }
    for (const name of ['q_proj', 'k_proj', 'v_proj'])
      gauss(`${p}attn.${name}.weight`, [d, d], 1.2 / Math.sqrt(d));
    gauss(`${p}attn.out_proj.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}mlp.fc_in.weight`, [4 * d, d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.fc_in.bias`, [4 * d], 0.1);
    gauss(`${p}mlp.fc_out.weight`, [d, 4 * d], 0.5 / Math.sqrt(4 * d));
    gauss(`${p}mlp.fc_out.bias`, [d], 0.05);
  }
  gauss('transformer.ln_f.weight', [d], 0.1, 1);
  gauss('transformer.ln_f.bias', [d], 0.05);
  gauss('lm_head.weight', [o.vocabSize, d], 0.5);
  gauss('lm_head.bias', [o.vocabSize], 0.3);
  return {
    config: gptjFixtureConfig(o),
    safetensors: randomCheckpoint(specs, o.seed ?? 1, o.dtype ?? 'F32'),
  };
}
