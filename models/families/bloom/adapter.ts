/**
 * BLOOM (BloomForCausalLM, 560M-7B1): ALiBi instead of positions, a LayerNorm on the embeddings
 * (its output is the stream's first state), fused query_key_value laid out per head (q, k, v) as in
 * GPT-NeoX, gelu (tanh form) MLP, tied embeddings, a padded vocabulary. Names with or without
 * `transformer.`.
 */
import type { FamilyAdapter } from '../../arch/family.ts';
import type { ArchBlockWeights, ArchSpec } from '../../arch/spec.ts';
import { TensorNames } from '../../arch/tensorNames.ts';

export const bloomAdapter: FamilyAdapter = {
  modelType: 'bloom',
  spec: (config): ArchSpec => {
    const dModel = config.has('n_embed') ? config.int('n_embed') : config.int('hidden_size');
    const nHead = config.has('num_attention_heads')
      ? config.int('num_attention_heads')
      : config.int('n_head');
    const headDim = config.divide(dModel, nHead, 'hidden_size / n_head');
    if (config.bool('apply_residual_connection_post_layernorm', false)) {
      config.fail('apply_residual_connection_post_layernorm true is not supported');
    }
    if (!config.bool('tie_word_embeddings', true)) config.fail('an untied bloom is not supported');
    return {
      modelType: 'bloom',
      nLayer: config.has('num_hidden_layers') ? config.int('num_hidden_layers') : config.int('n_layer'),
      nHead,
      nKvHead: nHead,
      headDim,
      dModel,
      dFfn: 4 * dModel,
      embeddingRows: config.int('vocab_size'),
      // ALiBi has no learned limit; BLOOM was trained on 2,048 tokens
      nPositions: config.int('seq_length', 2048),
      norm: { kind: 'layernorm', eps: config.positive('layer_norm_epsilon', 1e-5) },
      alibi: true,
      attention: { qkv: 'neox' },
      mlp: { gated: false, activation: 'gelu_new' },
      parallel: false,
    };
  },
  weights: (file, spec) => {
    const { dModel: d, dFfn } = spec;
    const t = new TensorNames(file, `a ${spec.nLayer}-layer bloom`);
    const p0 = file.tensors.has('transformer.word_embeddings.weight') ? 'transformer.' : '';
    const blocks: ArchBlockWeights[] = [];
    for (let i = 0; i < spec.nLayer; i++) {
      const p = `${p0}h.${i}.`;
      blocks.push({
        attnNorm: t.norm(`${p}input_layernorm`, d, true),
        mlpNorm: t.norm(`${p}post_attention_layernorm`, d, true),
        qkv: t.linear(`${p}self_attention.query_key_value`, 3 * d, d, true),
        o: t.linear(`${p}self_attention.dense`, d, d, true),
        up: t.linear(`${p}mlp.dense_h_to_4h`, dFfn, d, true),
        down: t.linear(`${p}mlp.dense_4h_to_h`, d, dFfn, true),
      });
    }
    const embed = t.get(`${p0}word_embeddings.weight`, [spec.embeddingRows, d]);
    return {
      embed,
      embedNorm: t.norm(`${p0}word_embeddings_layernorm`, d, true),
      blocks,
      finalNorm: t.norm(`${p0}ln_f`, d, true),
      lmHead: embed,
      lmHeadTied: true,
    };
  },
};
