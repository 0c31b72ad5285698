/**
 * Float64 Llama / Qwen2 / Mistral (transformers' LlamaForCausalLM, Qwen2ForCausalLM,
 * MistralForCausalLM): RMSNorm, rotary with rope_theta and Llama 3's rope_scaling, grouped-query
 * attention, SiLU-gated MLP, tied or untied lm_head, q/k/v biases for Qwen2. Read straight from
 * config.json and the Hub's tensor names.
 */
import type { InterventionSpec } from '../../../workers/engine/types.ts';
import { type FamilyReference, type ReferenceBlock, runDecoder } from './decoder.ts';
import {
  causalAttention,
  heads,
  linear,
  rmsNorm,
  rotateHalf,
  silu,
  Tensors,
  unembed,
  type Vec,
} from './math.ts';

/** transformers' _compute_llama3_parameters, in float64. */
export function llama3InvFreq(dim: number, theta: number, s: Record<string, number>): number[] {
  const factor = s.factor!;
  const low = s.low_freq_factor!;
  const high = s.high_freq_factor!;
  const old = s.original_max_position_embeddings!;
  const out: number[] = [];
  for (let i = 0; i < dim; i += 2) {
    const f = 1 / theta ** (i / dim);
    const wavelen = (2 * Math.PI) / f;
    let scaled = wavelen > old / low ? f / factor : f;
    if (!(wavelen < old / high) && !(wavelen > old / low)) {
      const smooth = (old / wavelen - low) / (high - low);
      scaled = ((1 - smooth) * scaled) / factor + smooth * scaled;
    }
    out.push(scaled);
  }
  return out;
}

export function llamaReference(
  config: Record<string, unknown>,
  bytes: Uint8Array,
  vocab: number,
): FamilyReference {
  const num = (key: string, fallback?: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'number') throw new Error(`reference: config ${key} is not a number`);
    return v;
  };
  const type = config.model_type;
  const d = num('hidden_size');
  const H = num('num_attention_heads');
  const G = num('num_key_value_heads', H);
  const dh = num('head_dim', d / H);
  const ffnDim = num('intermediate_size');
  const eps = num('rms_norm_eps', 1e-6);
  const theta = num('rope_theta', 10000);
  const rows = num('vocab_size');
  const nLayer = num('num_hidden_layers');
  const scaling = config.rope_scaling as Record<string, number> | null | undefined;
  const invFreq =
    scaling && (scaling as unknown as { rope_type: string }).rope_type === 'llama3'
      ? llama3InvFreq(dh, theta, scaling)
      : Array.from({ length: dh / 2 }, (_, i) => 1 / theta ** ((2 * i) / dh));
  const qkvBias = type === 'qwen2' || (type === 'llama' && config.attention_bias === true);
  const w = new Tensors(bytes);
  const bias = (name: string, n: number): Vec | undefined => (qkvBias ? w.get(name, [n]) : undefined);
  const blocks: ReferenceBlock[] = [];
  for (let i = 0; i < nLayer; i++) {
    const p = `model.layers.${i}.`;
    const n1 = w.get(`${p}input_layernorm.weight`, [d]);
    const n2 = w.get(`${p}post_attention_layernorm.weight`, [d]);
    const wq = w.get(`${p}self_attn.q_proj.weight`, [H * dh, d]);
    const wk = w.get(`${p}self_attn.k_proj.weight`, [G * dh, d]);
    const wv = w.get(`${p}self_attn.v_proj.weight`, [G * dh, d]);
    const bq = bias(`${p}self_attn.q_proj.bias`, H * dh);
    const bk = bias(`${p}self_attn.k_proj.bias`, G * dh);
    const bv = bias(`${p}self_attn.v_proj.bias`, G * dh);
    const wo = w.get(`${p}self_attn.o_proj.weight`, [d, H * dh]);
    const wg = w.get(`${p}mlp.gate_proj.weight`, [ffnDim, d]);
    const wu = w.get(`${p}mlp.up_proj.weight`, [ffnDim, d]);
    const wd = w.get(`${p}mlp.down_proj.weight`, [d, ffnDim]);
    blocks.push({
      attn: (x) => {
        const a = x.map((xt) => rmsNorm(xt, n1, eps));
        const rot = (v: Vec, t: number): Vec => rotateHalf(v, dh, t, invFreq);
        const q = a.map((at, t) => heads(linear(at, wq, bq, H * dh), H, dh).map((h) => rot(h, t)));
        const k = a.map((at, t) => heads(linear(at, wk, bk, G * dh), G, dh).map((h) => rot(h, t)));
        const v = a.map((at) => heads(linear(at, wv, bv, G * dh), G, dh));
        return causalAttention(q, k, v).map((m) => linear(m, wo, undefined, d));
      },
      mlp: (x) => {
        const a = rmsNorm(x, n2, eps);
        const g = linear(a, wg, undefined, ffnDim);
        const u = linear(a, wu, undefined, ffnDim);
        return linear(
          g.map((gj, j) => silu(gj) * u[j]!),
          wd,
          undefined,
          d,
        );
      },
    });
  }
  const embed = w.get('model.embed_tokens.weight', [rows, d]);
  const normF = w.get('model.norm.weight', [d]);
  const lmHead = w.has('lm_head.weight') ? w.get('lm_head.weight', [rows, d]) : embed;
  if (!w.has('lm_head.weight') && config.tie_word_embeddings !== true)
    throw new Error('reference: no lm_head.weight');
  w.checkAllUsed(() => false);
  return {
    nLayer,
    dModel: d,
    vocab,
    forward: (ids: number[], intervention?: InterventionSpec) =>
      runDecoder(
        ids.map((id) => embed.slice(id * d, (id + 1) * d)),
        blocks,
        false,
        (x) => unembed(rmsNorm(x, normF, eps), lmHead, rows),
        intervention,
      ),
  };
}
