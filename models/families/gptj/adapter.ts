/**
 * GPT-J (GPTJForCausalLM, GPT-J-6B): one LayerNorm per block read by both the attention and the MLP
 * (a parallel block), interleaved rotary on the first rotary_dim dims of each head, q/k/v/out without
 * biases, gelu_new MLP, untied lm_head with a bias, an embedding padded past the tokenizer (50,400
 * rows for 50,257 tokens).
 */
import type { FamilyAdapter } from '../../arch/family.ts';
import { ropeInvFreq } from '../../arch/rope.ts';
import type { ArchBlockWeights, ArchSpec } from '../../arch/spec.ts';
import { TensorNames } from '../../arch/tensorNames.ts';

export const gptjAdapter: FamilyAdapter = {
  modelType: 'gptj',
  spec: (config): ArchSpec => {
    const dModel = config.int('n_embd');
    const nHead = config.int('n_head');
    const headDim = config.divide(dModel, nHead, 'n_embd / n_head');
    const rotaryDim = config.has('rotary_dim') ? config.int('rotary_dim') : headDim;
    if (rotaryDim > headDim) config.fail(`rotary_dim ${rotaryDim} exceeds the head size ${headDim}`);
    if (config.bool('tie_word_embeddings', false))
      config.fail('tie_word_embeddings is not supported for gptj');
    const activation = config.oneOf('activation_function', ['gelu_new', 'gelu'], 'gelu_new');
    return {
      modelType: 'gptj',
      nLayer: config.int('n_layer'),
      nHead,
      nKvHead: nHead,
      headDim,
      dModel,
      dFfn: config.has('n_inner') ? config.int('n_inner') : 4 * dModel,
      embeddingRows: config.int('vocab_size'),
      nPositions: config.int('n_positions', 2048),
      norm: { kind: 'layernorm', eps: config.positive('layer_norm_epsilon', 1e-5) },
      rotary: { rotaryDim, style: 'interleaved', invFreq: ropeInvFreq(config, rotaryDim, 10000) },
      attention: { qkv: 'separate' },
      mlp: { gated: false, activation },
      parallel: true,
    };
  },
  weights: (file, spec) => {
    const { dModel: d, dFfn } = spec;
    const t = new TensorNames(file, `a ${spec.nLayer}-layer gptj`);
    const blocks: ArchBlockWeights[] = [];
    for (let i = 0; i < spec.nLayer; i++) {
      const p = `transformer.h.${i}.`;
      blocks.push({
        attnNorm: t.norm(`${p}ln_1`, d, true),
        q: t.linear(`${p}attn.q_proj`, d, d, false),
        k: t.linear(`${p}attn.k_proj`, d, d, false),
        v: t.linear(`${p}attn.v_proj`, d, d, false),
        o: t.linear(`${p}attn.out_proj`, d, d, false),
        up: t.linear(`${p}mlp.fc_in`, dFfn, d, true),
        down: t.linear(`${p}mlp.fc_out`, d, dFfn, true),
      });
    }
    const rows = spec.embeddingRows;
    return {
      embed: t.get('transformer.wte.weight', [rows, d]),
      blocks,
      finalNorm: t.norm('transformer.ln_f', d, true),
      lmHead: t.get('lm_head.weight', [rows, d]),
      lmHeadBias: t.get('lm_head.bias', [rows]),
      lmHeadTied: false,
    };
  },
};
