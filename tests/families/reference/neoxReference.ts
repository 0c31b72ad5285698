/**
 * Float64 GPT-NeoX (transformers' GPTNeoXForCausalLM, Pythia): LayerNorm, the fused
 * query_key_value viewed as [heads, 3 * head_size], partial rotary (rotary_pct), exact GELU,
 * parallel residual x + attn(ln1 x) + mlp(ln2 x), embed_out over the tokenizer's rows.
 */
import type { InterventionSpec } from '../../../workers/engine/types.ts';
import { type FamilyReference, type ReferenceBlock, runDecoder } from './decoder.ts';
import {
  causalAttention,
  geluExact,
  heads,
  layerNormF64,
  linear,
  rotateHalf,
  Tensors,
  unembed,
  type Vec,
} from './math.ts';

const BUFFERS = /\.attention\.(bias|masked_bias|rotary_emb\.inv_freq)$/;

export function neoxReference(
  config: Record<string, unknown>,
  bytes: Uint8Array,
  vocab: number,
): FamilyReference {
  const c = config as Record<string, number>;
  const d = c.hidden_size!;
  const H = c.num_attention_heads!;
  const dh = d / H;
  const ffnDim = c.intermediate_size!;
  const eps = c.layer_norm_eps ?? 1e-5;
  const rot = Math.floor(dh * (c.rotary_pct ?? 0.25));
  const base = c.rotary_emb_base ?? 10000;
  const invFreq = Array.from({ length: rot / 2 }, (_, i) => 1 / base ** ((2 * i) / rot));
  const parallel = (config.use_parallel_residual ?? true) === true;
  const rows = c.vocab_size!;
  const w = new Tensors(bytes);
  const blocks: ReferenceBlock[] = [];
  for (let i = 0; i < c.num_hidden_layers!; i++) {
    const p = `gpt_neox.layers.${i}.`;
    const ln1 = [w.get(`${p}input_layernorm.weight`, [d]), w.get(`${p}input_layernorm.bias`, [d])] as const;
    const ln2 = [
      w.get(`${p}post_attention_layernorm.weight`, [d]),
      w.get(`${p}post_attention_layernorm.bias`, [d]),
    ] as const;
    const wqkv = w.get(`${p}attention.query_key_value.weight`, [3 * d, d]);
    const bqkv = w.get(`${p}attention.query_key_value.bias`, [3 * d]);
    const wo = w.get(`${p}attention.dense.weight`, [d, d]);
    const bo = w.get(`${p}attention.dense.bias`, [d]);
    const w1 = w.get(`${p}mlp.dense_h_to_4h.weight`, [ffnDim, d]);
    const b1 = w.get(`${p}mlp.dense_h_to_4h.bias`, [ffnDim]);
    const w2 = w.get(`${p}mlp.dense_4h_to_h.weight`, [d, ffnDim]);
    const b2 = w.get(`${p}mlp.dense_4h_to_h.bias`, [d]);
    blocks.push({
      attn: (x) => {
        // head h's rows of the fused output: [q_h (dh), k_h (dh), v_h (dh)]
        const fused = x.map((xt) =>
          heads(linear(layerNormF64(xt, ln1[0], ln1[1], eps), wqkv, bqkv, 3 * d), H, 3 * dh),
        );
        const part = (k: number) => (hd: Vec) => hd.slice(k * dh, (k + 1) * dh);
        const q = fused.map((hs, t) => hs.map(part(0)).map((h) => rotateHalf(h, rot, t, invFreq)));
        const k = fused.map((hs, t) => hs.map(part(1)).map((h) => rotateHalf(h, rot, t, invFreq)));
        const v = fused.map((hs) => hs.map(part(2)));
        return causalAttention(q, k, v).map((m) => linear(m, wo, bo, d));
      },
      mlp: (x) => {
        const hidden = linear(layerNormF64(x, ln2[0], ln2[1], eps), w1, b1, ffnDim).map(geluExact);
        return linear(hidden, w2, b2, d);
      },
    });
  }
  const embed = w.get('gpt_neox.embed_in.weight', [rows, d]);
  const lnf = [
    w.get('gpt_neox.final_layer_norm.weight', [d]),
    w.get('gpt_neox.final_layer_norm.bias', [d]),
  ] as const;
  const out = w.get('embed_out.weight', [rows, d]);
  w.checkAllUsed((name) => BUFFERS.test(name));
  return {
    nLayer: c.num_hidden_layers!,
    dModel: d,
    vocab,
    forward: (ids: number[], intervention?: InterventionSpec) =>
      runDecoder(
        ids.map((id) => embed.slice(id * d, (id + 1) * d)),
        blocks,
        parallel,
        (x) => unembed(layerNormF64(x, lnf[0], lnf[1], eps), out, rows),
        intervention,
      ),
  };
}
