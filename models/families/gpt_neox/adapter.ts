/**
 * GPT-NeoX (Pythia 70M-12B): LayerNorm with biases, partial rotary (rotary_pct of each head,
 * rotate_half convention), fused query_key_value in NeoX's per-head layout, parallel residual
 * (use_parallel_residual), untied embed_out. The embedding has more rows (50,304) than the tokenizer
 * has tokens (50,277); the engine decodes only the tokenizer's.
 */
import type { FamilyAdapter } from '../../arch/family.ts';
import { ropeInvFreq } from '../../arch/rope.ts';
import type { ArchBlockWeights, ArchSpec } from '../../arch/spec.ts';
import { TensorNames } from '../../arch/tensorNames.ts';

export const gptNeoxAdapter: FamilyAdapter = {
  modelType: 'gpt_neox',
  spec: (config): ArchSpec => {
    const dModel = config.int('hidden_size');
    const nHead = config.int('num_attention_heads');
    const headDim = config.divide(dModel, nHead, 'hidden_size / num_attention_heads');
    // newer transformers name these partial_rotary_factor and rope_theta
    const pct = config.has('partial_rotary_factor')
      ? config.positive('partial_rotary_factor')
      : config.positive('rotary_pct', 0.25);
    const theta = config.has('rope_theta')
      ? config.positive('rope_theta')
      : config.positive('rotary_emb_base', 10000);
    const rotaryDim = Math.floor(headDim * pct);
    if (config.bool('tie_word_embeddings', false))
      config.fail('tie_word_embeddings is not supported for gpt_neox');
    return {
      modelType: 'gpt_neox',
      nLayer: config.int('num_hidden_layers'),
      nHead,
      nKvHead: nHead,
      headDim,
      dModel,
      dFfn: config.int('intermediate_size', 4 * dModel),
      embeddingRows: config.int('vocab_size'),
      nPositions: config.int('max_position_embeddings', 2048),
      norm: { kind: 'layernorm', eps: config.positive('layer_norm_eps', 1e-5) },
      rotary: { rotaryDim, style: 'half', invFreq: ropeInvFreq(config, rotaryDim, theta) },
      attention: { qkv: 'neox' },
      mlp: { gated: false, activation: config.oneOf('hidden_act', ['gelu', 'gelu_new'], 'gelu') },
      parallel: config.bool('use_parallel_residual', true),
    };
  },
  weights: (file, spec) => {
    const { dModel: d, dFfn } = spec;
    const t = new TensorNames(file, `a ${spec.nLayer}-layer gpt_neox`);
    const blocks: ArchBlockWeights[] = [];
    for (let i = 0; i < spec.nLayer; i++) {
      const p = `gpt_neox.layers.${i}.`;
      const bias = file.tensors.has(`${p}attention.query_key_value.bias`);
      blocks.push({
        attnNorm: t.norm(`${p}input_layernorm`, d, true),
        mlpNorm: t.norm(`${p}post_attention_layernorm`, d, true),
        qkv: t.linear(`${p}attention.query_key_value`, 3 * d, d, bias),
        o: t.linear(`${p}attention.dense`, d, d, bias),
        up: t.linear(`${p}mlp.dense_h_to_4h`, dFfn, d, true),
        down: t.linear(`${p}mlp.dense_4h_to_h`, d, dFfn, true),
      });
    }
    return {
      embed: t.get('gpt_neox.embed_in.weight', [spec.embeddingRows, d]),
      blocks,
      finalNorm: t.norm('gpt_neox.final_layer_norm', d, true),
      lmHead: t.get('embed_out.weight', [spec.embeddingRows, d]),
      lmHeadTied: false,
    };
  },
};
