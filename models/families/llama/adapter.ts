/**
 * Llama (LlamaForCausalLM: Llama 2/3, TinyLlama, SmolLM2): RMSNorm, rotary (rope_theta, rope_scaling),
 * grouped-query attention, gated SiLU MLP, tied or untied lm_head. Qwen2 and Mistral reuse it.
 */
import type { ConfigFields } from '../../arch/configFields.ts';
import type { FamilyAdapter } from '../../arch/family.ts';
import { ropeInvFreq } from '../../arch/rope.ts';
import type { ArchBlockWeights, ArchSpec, ArchWeights } from '../../arch/spec.ts';
import { TensorNames } from '../../arch/tensorNames.ts';
import type { SafetensorsFile } from '../../safetensors.ts';

export interface LlamaLikeOptions {
  modelType: string;
  /** Biases on q/k/v (Qwen2 always; Llama when attention_bias). */
  qkvBias: (config: ConfigFields) => boolean;
  oBias: (config: ConfigFields) => boolean;
  mlpBias: (config: ConfigFields) => boolean;
  tiedDefault: boolean;
  /** Longest prompt: max_position_embeddings, or less (a sliding window the graph does not model). */
  nPositions?: (config: ConfigFields) => number;
}

export interface LlamaLikeSpec extends ArchSpec {
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  tied: boolean;
}

export function llamaLikeSpec(config: ConfigFields, options: LlamaLikeOptions): LlamaLikeSpec {
  const dModel = config.int('hidden_size');
  const nHead = config.int('num_attention_heads');
  const nKvHead = config.int('num_key_value_heads', nHead);
  config.divide(nHead, nKvHead, 'num_attention_heads / num_key_value_heads');
  const headDim = config.has('head_dim')
    ? config.int('head_dim')
    : config.divide(dModel, nHead, 'hidden_size / num_attention_heads');
  config.oneOf('hidden_act', ['silu'], 'silu');
  const theta = config.positive('rope_theta', 10000);
  return {
    modelType: options.modelType,
    nLayer: config.int('num_hidden_layers'),
    nHead,
    nKvHead,
    headDim,
    dModel,
    dFfn: config.int('intermediate_size'),
    embeddingRows: config.int('vocab_size'),
    nPositions: options.nPositions?.(config) ?? config.int('max_position_embeddings', 2048),
    norm: { kind: 'rmsnorm', eps: config.positive('rms_norm_eps', 1e-6) },
    rotary: { rotaryDim: headDim, style: 'half', invFreq: ropeInvFreq(config, headDim, theta) },
    attention: { qkv: 'separate' },
    mlp: { gated: true, activation: 'silu' },
    parallel: false,
    qkvBias: options.qkvBias(config),
    oBias: options.oBias(config),
    mlpBias: options.mlpBias(config),
    tied: config.bool('tie_word_embeddings', options.tiedDefault),
  };
}

export function llamaLikeWeights(file: SafetensorsFile, spec: LlamaLikeSpec): ArchWeights {
  const { dModel: d, headDim, nHead, nKvHead, dFfn } = spec;
  const t = new TensorNames(file, `a ${spec.nLayer}-layer ${spec.modelType}`);
  const blocks: ArchBlockWeights[] = [];
  for (let i = 0; i < spec.nLayer; i++) {
    const p = `model.layers.${i}.`;
    blocks.push({
      attnNorm: t.norm(`${p}input_layernorm`, d, false),
      mlpNorm: t.norm(`${p}post_attention_layernorm`, d, false),
      q: t.linear(`${p}self_attn.q_proj`, nHead * headDim, d, spec.qkvBias),
      k: t.linear(`${p}self_attn.k_proj`, nKvHead * headDim, d, spec.qkvBias),
      v: t.linear(`${p}self_attn.v_proj`, nKvHead * headDim, d, spec.qkvBias),
      o: t.linear(`${p}self_attn.o_proj`, d, nHead * headDim, spec.oBias),
      gate: t.linear(`${p}mlp.gate_proj`, dFfn, d, spec.mlpBias),
      up: t.linear(`${p}mlp.up_proj`, dFfn, d, spec.mlpBias),
      down: t.linear(`${p}mlp.down_proj`, d, dFfn, spec.mlpBias),
    });
  }
  const embed = t.get('model.embed_tokens.weight', [spec.embeddingRows, d]);
  // a tied checkpoint may still carry lm_head.weight (a copy); an untied one must
  const lmHead = spec.tied
    ? (t.maybe('lm_head.weight', [spec.embeddingRows, d]) ?? embed)
    : t.get('lm_head.weight', [spec.embeddingRows, d]);
  return {
    embed,
    blocks,
    finalNorm: t.norm('model.norm', d, false),
    lmHead,
    lmHeadTied: lmHead === embed,
  };
}

export const llamaAdapter: FamilyAdapter = {
  modelType: 'llama',
  spec: (config) =>
    llamaLikeSpec(config, {
      modelType: 'llama',
      qkvBias: (c) => c.bool('attention_bias', false),
      oBias: (c) => c.bool('attention_bias', false),
      mlpBias: (c) => c.bool('mlp_bias', false),
      tiedDefault: false,
    }),
  weights: (file, spec) => llamaLikeWeights(file, spec as LlamaLikeSpec),
};
