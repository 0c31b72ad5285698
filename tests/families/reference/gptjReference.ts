/**
 * Float64 GPT-J (transformers' GPTJForCausalLM): h = ln_1(x); x + attn(h) + mlp(h); rotary on the
 * first rotary_dim dims of each head with rotate_every_two (pairs 2i, 2i+1) and sin/cos repeated
 * per pair; q/k/v/out without biases; gelu_new; lm_head with a bias, over the tokenizer's rows.
 */
import type { InterventionSpec } from '../../../workers/engine/types.ts';
import { geluNew } from '../../reference/gpt2Reference.ts';
import { type FamilyReference, type ReferenceBlock, runDecoder } from './decoder.ts';
import { causalAttention, heads, layerNormF64, linear, Tensors, type Vec } from './math.ts';

/** rotate_every_two: out[2i] = x[2i] c - x[2i+1] s, out[2i+1] = x[2i+1] c + x[2i] s, for 2i < rot. */
function rotateEveryTwo(head: Vec, rot: number, t: number): Vec {
  const out = head.slice();
  for (let i = 0; i < rot / 2; i++) {
    const angle = t / 10000 ** ((2 * i) / rot);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    out[2 * i] = head[2 * i]! * c - head[2 * i + 1]! * s;
    out[2 * i + 1] = head[2 * i + 1]! * c + head[2 * i]! * s;
  }
  return out;
}

export function gptjReference(
  config: Record<string, unknown>,
  bytes: Uint8Array,
  vocab: number,
): FamilyReference {
  const c = config as Record<string, number>;
  const d = c.n_embd!;
  const H = c.n_head!;
  const dh = d / H;
  const rot = c.rotary_dim ?? dh;
  const inner = c.n_inner ?? 4 * d;
  const eps = c.layer_norm_epsilon ?? 1e-5;
  const rows = c.vocab_size!;
  const w = new Tensors(bytes);
  const blocks: ReferenceBlock[] = [];
  const normed = new WeakMap<Vec, Vec>();
  for (let i = 0; i < c.n_layer!; i++) {
    const p = `transformer.h.${i}.`;
    const ln = [w.get(`${p}ln_1.weight`, [d]), w.get(`${p}ln_1.bias`, [d])] as const;
    const [wq, wk, wv, wo] = ['q_proj', 'k_proj', 'v_proj', 'out_proj'].map((n) =>
      w.get(`${p}attn.${n}.weight`, [d, d]),
    );
    const w1 = w.get(`${p}mlp.fc_in.weight`, [inner, d]);
    const b1 = w.get(`${p}mlp.fc_in.bias`, [inner]);
    const w2 = w.get(`${p}mlp.fc_out.weight`, [d, inner]);
    const b2 = w.get(`${p}mlp.fc_out.bias`, [d]);
    const norm = (x: Vec): Vec => {
      const known = normed.get(x);
      if (known) return known;
      const y = layerNormF64(x, ln[0], ln[1], eps);
      normed.set(x, y);
      return y;
    };
    blocks.push({
      attn: (x) => {
        const a = x.map(norm);
        const q = a.map((at, t) =>
          heads(linear(at, wq!, undefined, d), H, dh).map((h) => rotateEveryTwo(h, rot, t)),
        );
        const k = a.map((at, t) =>
          heads(linear(at, wk!, undefined, d), H, dh).map((h) => rotateEveryTwo(h, rot, t)),
        );
        const v = a.map((at) => heads(linear(at, wv!, undefined, d), H, dh));
        return causalAttention(q, k, v).map((m) => linear(m, wo!, undefined, d));
      },
      // the same ln_1 output as the attention's: one norm per block
      mlp: (x) => linear(linear(norm(x), w1, b1, inner).map(geluNew), w2, b2, d),
    });
  }
  const embed = w.get('transformer.wte.weight', [rows, d]);
  const lnf = [w.get('transformer.ln_f.weight', [d]), w.get('transformer.ln_f.bias', [d])] as const;
  const head = w.get('lm_head.weight', [rows, d]);
  const headBias = w.get('lm_head.bias', [rows]);
  w.checkAllUsed((name) => /\.attn\.(bias|masked_bias)$/.test(name));
  return {
    nLayer: c.n_layer!,
    dModel: d,
    vocab,
    forward: (ids: number[], intervention?: InterventionSpec) =>
      runDecoder(
        ids.map((id) => embed.slice(id * d, (id + 1) * d)),
        blocks,
        true,
        (x) => linear(layerNormF64(x, lnf[0], lnf[1], eps), head, headBias, rows),
        intervention,
      ),
  };
}
