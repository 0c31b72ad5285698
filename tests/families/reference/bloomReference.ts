/**
 * Float64 BLOOM (transformers' BloomForCausalLM): word_embeddings_layernorm on the embeddings (the
 * first state), ALiBi (score + slope_h * key position, slopes from build_alibi_tensor), the fused
 * query_key_value viewed as [heads, 3, head_dim], bloom_gelu (the tanh form), tied unembedding.
 */
import type { InterventionSpec } from '../../../workers/engine/types.ts';
import { geluNew } from '../../reference/gpt2Reference.ts';
import { type FamilyReference, type ReferenceBlock, runDecoder } from './decoder.ts';
import { heads, layerNormF64, linear, Tensors, unembed, type Vec } from './math.ts';

/** build_alibi_tensor's slopes, written out from its definition. */
export function bloomSlopes(n: number): number[] {
  const p = 2 ** Math.floor(Math.log2(n));
  const slopes: number[] = [];
  for (let i = 1; i <= p; i++) slopes.push((2 ** (-8 / p)) ** i);
  for (let i = 0; i < n - p; i++) slopes.push((2 ** (-8 / (2 * p))) ** (2 * i + 1));
  return slopes;
}

export function bloomReference(
  config: Record<string, unknown>,
  bytes: Uint8Array,
  vocab: number,
): FamilyReference {
  const c = config as Record<string, number>;
  const d = c.hidden_size!;
  const H = c.n_head!;
  const dh = d / H;
  const eps = c.layer_norm_epsilon ?? 1e-5;
  const rows = c.vocab_size!;
  const slopes = bloomSlopes(H);
  const w = new Tensors(bytes);
  const norm = (name: string) => [w.get(`${name}.weight`, [d]), w.get(`${name}.bias`, [d])] as const;
  const blocks: ReferenceBlock[] = [];
  for (let i = 0; i < c.n_layer!; i++) {
    const p = `h.${i}.`;
    const ln1 = norm(`${p}input_layernorm`);
    const ln2 = norm(`${p}post_attention_layernorm`);
    const wqkv = w.get(`${p}self_attention.query_key_value.weight`, [3 * d, d]);
    const bqkv = w.get(`${p}self_attention.query_key_value.bias`, [3 * d]);
    const wo = w.get(`${p}self_attention.dense.weight`, [d, d]);
    const bo = w.get(`${p}self_attention.dense.bias`, [d]);
    const w1 = w.get(`${p}mlp.dense_h_to_4h.weight`, [4 * d, d]);
    const b1 = w.get(`${p}mlp.dense_h_to_4h.bias`, [4 * d]);
    const w2 = w.get(`${p}mlp.dense_4h_to_h.weight`, [d, 4 * d]);
    const b2 = w.get(`${p}mlp.dense_4h_to_h.bias`, [d]);
    blocks.push({
      attn: (x) => {
        const fused = x.map((xt) =>
          heads(linear(layerNormF64(xt, ln1[0], ln1[1], eps), wqkv, bqkv, 3 * d), H, 3 * dh),
        );
        return fused.map((_, t) => {
          const merged = new Float64Array(d);
          for (let h = 0; h < H; h++) {
            const q = fused[t]![h]!.subarray(0, dh);
            const scores = Array.from({ length: t + 1 }, (_, s) => {
              const k = fused[s]![h]!.subarray(dh, 2 * dh);
              let dot = 0;
              for (let j = 0; j < dh; j++) dot += q[j]! * k[j]!;
              return dot / Math.sqrt(dh) + slopes[h]! * s;
            });
            const max = Math.max(...scores);
            const e = scores.map((v) => Math.exp(v - max));
            const sum = e.reduce((a, b) => a + b, 0);
            e.forEach((ws, s) => {
              const v = fused[s]![h]!.subarray(2 * dh, 3 * dh);
              for (let j = 0; j < dh; j++) merged[h * dh + j]! += (ws / sum) * v[j]!;
            });
          }
          return linear(merged, wo, bo, d);
        });
      },
      mlp: (x: Vec) =>
        linear(linear(layerNormF64(x, ln2[0], ln2[1], eps), w1, b1, 4 * d).map(geluNew), w2, b2, d),
    });
  }
  const embed = w.get('word_embeddings.weight', [rows, d]);
  const embedNorm = norm('word_embeddings_layernorm');
  const lnf = norm('ln_f');
  w.checkAllUsed(() => false);
  return {
    nLayer: c.n_layer!,
    dModel: d,
    vocab,
    forward: (ids: number[], intervention?: InterventionSpec) =>
      runDecoder(
        ids.map((id) => layerNormF64(embed.slice(id * d, (id + 1) * d), embedNorm[0], embedNorm[1], eps)),
        blocks,
        false,
        (x) => unembed(layerNormF64(x, lnf[0], lnf[1], eps), embed, rows),
        intervention,
      ),
  };
}
