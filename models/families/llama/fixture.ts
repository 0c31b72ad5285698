/**
 * Random Llama-layout checkpoints (also Qwen2 and Mistral, which share the tensor names) with the
 * config fields the Hub's config.json carries: grouped-query heads, rope_theta, Llama 3 rope_scaling,
 * tied or untied lm_head, q/k/v biases for Qwen2.
 */
import type { SafetensorsDtype } from '../../safetensors.ts';
import { type FamilyFixture, randomCheckpoint, specList } from '../randomCheckpoint.ts';

export interface LlamaFixtureOptions {
  modelType?: 'llama' | 'qwen2' | 'mistral';
  nLayer: number;
  hiddenSize: number;
  nHead: number;
  nKvHead: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  tied?: boolean;
  ropeTheta?: number;
  /** Llama 3.1/3.2's rope_scaling block. */
  llama3Scaling?: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMax: number };
  /** Written as config head_dim (Llama 3 configs carry it). */
  explicitHeadDim?: boolean;
  bosTokenId?: number;
  seed?: number;
  dtype?: SafetensorsDtype;
}

const ARCHITECTURES = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM' };

export function llamaFixtureConfig(o: LlamaFixtureOptions): Record<string, unknown> {
  const modelType = o.modelType ?? 'llama';
  const config: Record<string, unknown> = {
    architectures: [ARCHITECTURES[modelType]],
    model_type: modelType,
    hidden_size: o.hiddenSize,
    intermediate_size: o.intermediateSize,
    num_hidden_layers: o.nLayer,
    num_attention_heads: o.nHead,
    num_key_value_heads: o.nKvHead,
    hidden_act: 'silu',
    max_position_embeddings: o.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: o.ropeTheta ?? 10000,
    rope_scaling: null,
    tie_word_embeddings: o.tied ?? false,
    vocab_size: o.vocabSize,
    torch_dtype: 'float32',
    lenslab_fixture: { seed: o.seed ?? 1, note: 'random weights, not a trained model' },
  };
  if (o.bosTokenId !== undefined) config.bos_token_id = o.bosTokenId;
  if (o.explicitHeadDim) config.head_dim = o.hiddenSize / o.nHead;
  if (modelType === 'llama') Object.assign(config, { attention_bias: false, mlp_bias: false });
  if (modelType === 'qwen2') Object.assign(config, { use_sliding_window: false, sliding_window: 4096 });
  if (o.llama3Scaling) {
    const s = o.llama3Scaling;
    config.rope_scaling = {
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMax,
      rope_type: 'llama3',
    };
  }
  return config;
}

export function makeLlamaFixture(o: LlamaFixtureOptions): FamilyFixture {
  const d = o.hiddenSize;
  const headDim = d / o.nHead;
  const kv = o.nKvHead * headDim;
  const ffn = o.intermediateSize;
  const qkvBias = o.modelType === 'qwen2';
  const { specs, gauss } = specList();
  gauss('model.embed_tokens.weight', [o.vocabSize, d], 0.5);
  for (let i = 0; i < o.nLayer; i++) {
    const p = `model.layers.${i}.`;
    gauss(`${p}input_layernorm.weight`, [d], 0.1, 1);
    gauss(`${p}self_attn.q_proj.weight`, [d, d], 1.2 / Math.sqrt(d));
    gauss(`${p}self_attn.k_proj.weight`, [kv, d], 1.2 / Math.sqrt(d));
    gauss(`${p}self_attn.v_proj.weight`, [kv, d], 1 / Math.sqrt(d));
    if (qkvBias) {
      gauss(`${p}self_attn.q_proj.bias`, [d], 0.1);
      gauss(`${p}self_attn.k_proj.bias`, [kv], 0.1);
      gauss(`${p}self_attn.v_proj.bias`, [kv], 0.1);
    }
    gauss(`${p}self_attn.o_proj.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}post_attention_layernorm.weight`, [d], 0.1, 1);
    gauss(`${p}mlp.gate_proj.weight`, [ffn, d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.up_proj.weight`, [ffn, d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.down_proj.weight`, [d, ffn], 0.8 / Math.sqrt(ffn));
  }
  gauss('model.norm.weight', [d], 0.1, 1);
  if (!o.tied) gauss('lm_head.weight', [o.vocabSize, d], 0.5);
  return {
    config: llamaFixtureConfig(o),
    safetensors: randomCheckpoint(specs, o.seed ?? 1, o.dtype ?? 'F32'),
  };
}

/**
 * GPT-2's tokenizer.json with a BOS added as Llama 3's is: an added special token and a
 * TemplateProcessing post-processor that puts it first.
 */
export function withBosToken(tokenizerJson: unknown, bos: string, bosId: number): unknown {
  const json = structuredClone(tokenizerJson) as Record<string, unknown>;
  const added = (json.added_tokens as unknown[] | undefined) ?? [];
  json.added_tokens = [
    ...added,
    {
      id: bosId,
      content: bos,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    },
  ];
  const template = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
  };
  json.post_processor = {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      template,
    ],
  };
  return json;
}
