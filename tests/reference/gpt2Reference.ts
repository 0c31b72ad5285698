/**
 * An independent float64 reference forward pass of GPT-2 (Hugging Face GPT2LMHeadModel semantics),
 * written from the math in plain loops so that tests can check the ONNX engine against it.
 * It shares nothing with the engine but the safetensors reader.
 */

import { parseSafetensors, type SafetensorsFile, tensorAsFloat32 } from '../../models/safetensors.ts';
import type { Intervention, InterventionSpec } from '../../workers/engine/types.ts';

export interface ReferenceRun {
  /** residual[s][t] = Float64Array(d): 2L+1 states: 0 embeddings, 2i+1 after block i's attention, 2i+2 after block i. */
  residual: Float64Array[][];
  /** ffnOut[i][t], attnOut[i][t]: the sublayer outputs as added to the stream (after any intervention). */
  ffnOut: Float64Array[][];
  attnOut: Float64Array[][];
  /** Decode residual state s at position t: ln_f then unembedding; Float64Array(vocab) logits. */
  logits(s: number, t: number): Float64Array;
}

interface Block {
  ln1w: Float64Array;
  ln1b: Float64Array;
  /** [d, 3d], Conv1D layout (in, out). */
  attnW: Float64Array;
  attnB: Float64Array;
  /** [d, d] */
  attnProjW: Float64Array;
  attnProjB: Float64Array;
  ln2w: Float64Array;
  ln2b: Float64Array;
  /** [d, 4d] */
  fcW: Float64Array;
  fcB: Float64Array;
  /** [4d, d] */
  mlpProjW: Float64Array;
  mlpProjB: Float64Array;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GPT-2's tanh approximation of GELU ("gelu_new"). */
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** LayerNorm over one vector: biased variance, eps inside the square root. */
export function layerNorm(x: Float64Array, w: Float64Array, b: Float64Array, eps: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i]! - mean) ** 2;
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i]! - mean) * inv * w[i]! + b[i]!;
  return out;
}

/** y = x @ W + b with W stored row-major as [in, out] (GPT-2's Conv1D layout). */
function affine(x: Float64Array, w: Float64Array, b: Float64Array, nOut: number): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) y[j]! += xi * w[row + j]!;
  }
  return y;
}

function positiveInt(c: Record<string, unknown>, key: string, fallback: number): number {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new Error(`reference: config ${key} must be a positive integer (got ${JSON.stringify(c[key])})`);
  }
  return v;
}

export class Gpt2Reference {
  readonly nLayer: number;
  readonly nHead: number;
  readonly dModel: number;
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly eps: number;

  private constructor(
    config: Record<string, unknown>,
    private readonly wte: Float64Array,
    private readonly wpe: Float64Array,
    private readonly blocks: Block[],
    private readonly lnfW: Float64Array,
    private readonly lnfB: Float64Array,
    /** [vocab, d]: lm_head.weight, or wte when tied. */
    private readonly lmHead: Float64Array,
  ) {
    this.nLayer = positiveInt(config, 'n_layer', 12);
    this.nHead = positiveInt(config, 'n_head', 12);
    this.dModel = positiveInt(config, 'n_embd', 768);
    this.vocabSize = positiveInt(config, 'vocab_size', 50257);
    this.nPositions = positiveInt(config, 'n_positions', positiveInt(config, 'n_ctx', 1024));
    const eps = config.layer_norm_epsilon ?? 1e-5;
    if (typeof eps !== 'number' || !(eps > 0)) throw new Error('reference: bad layer_norm_epsilon');
    this.eps = eps;
  }

  static fromCheckpoint(config: unknown, safetensors: Uint8Array): Gpt2Reference {
    if (typeof config !== 'object' || config === null) throw new Error('reference: config is not an object');
    const c = config as Record<string, unknown>;
    const nLayer = positiveInt(c, 'n_layer', 12);
    const d = positiveInt(c, 'n_embd', 768);
    const vocab = positiveInt(c, 'vocab_size', 50257);
    const nPositions = positiveInt(c, 'n_positions', positiveInt(c, 'n_ctx', 1024));
    if (d % positiveInt(c, 'n_head', 12) !== 0) throw new Error('reference: n_embd not divisible by n_head');
    const file = parseSafetensors(safetensors);
    const used = new Set<string>();
    const lookup = (name: string): string | undefined => {
      for (const candidate of [name, `transformer.${name}`])
        if (file.tensors.has(candidate)) return candidate;
      return undefined;
    };
    const get = (name: string, shape: number[]): Float64Array => {
      const key = lookup(name);
      if (key === undefined) throw new Error(`reference: tensor ${name} is missing`);
      return load(file, key, shape, used);
    };
    const blocks: Block[] = [];
    for (let i = 0; i < nLayer; i++) {
      const p = `h.${i}.`;
      blocks.push({
        ln1w: get(`${p}ln_1.weight`, [d]),
        ln1b: get(`${p}ln_1.bias`, [d]),
        attnW: get(`${p}attn.c_attn.weight`, [d, 3 * d]),
        attnB: get(`${p}attn.c_attn.bias`, [3 * d]),
        attnProjW: get(`${p}attn.c_proj.weight`, [d, d]),
        attnProjB: get(`${p}attn.c_proj.bias`, [d]),
        ln2w: get(`${p}ln_2.weight`, [d]),
        ln2b: get(`${p}ln_2.bias`, [d]),
        fcW: get(`${p}mlp.c_fc.weight`, [d, 4 * d]),
        fcB: get(`${p}mlp.c_fc.bias`, [4 * d]),
        mlpProjW: get(`${p}mlp.c_proj.weight`, [4 * d, d]),
        mlpProjB: get(`${p}mlp.c_proj.bias`, [d]),
      });
    }
    const wte = get('wte.weight', [vocab, d]);
    const wpe = get('wpe.weight', [nPositions, d]);
    const lnfW = get('ln_f.weight', [d]);
    const lnfB = get('ln_f.bias', [d]);
    const lmKey = lookup('lm_head.weight');
    const lmHead = lmKey === undefined ? wte : load(file, lmKey, [vocab, d], used);
    // everything else must be a causal-mask buffer: an unknown tensor means a layout we do not understand
    for (const name of file.tensors.keys()) {
      if (used.has(name) || /(^|\.)attn\.(bias|masked_bias)$/.test(name)) continue;
      throw new Error(`reference: unexpected tensor ${name}`);
    }
    return new Gpt2Reference(c, wte, wpe, blocks, lnfW, lnfB, lmHead);
  }

  /** Runs one prompt (token ids), with an optional intervention on sublayer outputs. */
  forward(ids: number[], intervention?: InterventionSpec): ReferenceRun {
    const { dModel: d, nHead, nLayer } = this;
    const T = ids.length;
    if (T === 0) throw new Error('reference: empty prompt');
    if (T > this.nPositions) throw new Error(`reference: ${T} tokens exceed n_positions ${this.nPositions}`);
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 0 || id >= this.vocabSize)
        throw new Error(`reference: bad token ${id}`);
    }
    const dHead = d / nHead;
    const scale = 1 / Math.sqrt(dHead);
    const applies = (t: number): boolean => intervention?.positions === 'all' || t === T - 1;

    let h: Float64Array[] = ids.map((id, t) => {
      const x = new Float64Array(d);
      for (let j = 0; j < d; j++) x[j] = this.wte[id * d + j]! + this.wpe[t * d + j]!;
      return x;
    });
    const residual: Float64Array[][] = [h.map((x) => x.slice())];
    const attnOut: Float64Array[][] = [];
    const ffnOut: Float64Array[][] = [];

    for (let layer = 0; layer < nLayer; layer++) {
      const b = this.blocks[layer]!;
      // attention: q, k, v for every position, then causal softmax per head
      const qkv = h.map((x) => affine(layerNorm(x, b.ln1w, b.ln1b, this.eps), b.attnW, b.attnB, 3 * d));
      const attn: Float64Array[] = [];
      for (let t = 0; t < T; t++) {
        const merged = new Float64Array(d);
        const q = qkv[t]!;
        for (let head = 0; head < nHead; head++) {
          const off = head * dHead;
          const scores = new Float64Array(t + 1);
          let max = Number.NEGATIVE_INFINITY;
          for (let s = 0; s <= t; s++) {
            const k = qkv[s]!;
            let dot = 0;
            for (let j = 0; j < dHead; j++) dot += q[off + j]! * k[d + off + j]!;
            scores[s] = dot * scale;
            if (scores[s]! > max) max = scores[s]!;
          }
          let sum = 0;
          for (let s = 0; s <= t; s++) {
            scores[s] = Math.exp(scores[s]! - max);
            sum += scores[s]!;
          }
          for (let s = 0; s <= t; s++) {
            const w = scores[s]! / sum;
            const v = qkv[s]!;
            for (let j = 0; j < dHead; j++) merged[off + j]! += w * v[2 * d + off + j]!;
          }
        }
        const out = affine(merged, b.attnProjW, b.attnProjB, d);
        attn.push(applies(t) ? intervene(out, intervention?.attn?.[layer], d) : out);
      }
      h = h.map((x, t) => add(x, attn[t]!));
      residual.push(h.map((x) => x.slice()));
      attnOut.push(attn);

      // feed-forward
      const ffn = h.map((x, t) => {
        const hidden = affine(layerNorm(x, b.ln2w, b.ln2b, this.eps), b.fcW, b.fcB, 4 * d);
        for (let j = 0; j < hidden.length; j++) hidden[j] = geluNew(hidden[j]!);
        const out = affine(hidden, b.mlpProjW, b.mlpProjB, d);
        return applies(t) ? intervene(out, intervention?.ffn?.[layer], d) : out;
      });
      h = h.map((x, t) => add(x, ffn[t]!));
      residual.push(h.map((x) => x.slice()));
      ffnOut.push(ffn);
    }

    return {
      residual,
      attnOut,
      ffnOut,
      logits: (s: number, t: number): Float64Array => {
        const x = residual[s]?.[t];
        if (x === undefined) throw new Error(`reference: no residual state ${s} at position ${t}`);
        return this.decode(x);
      },
    };
  }

  /** ln_f then the unembedding: logits[v] = sum_j ln_f(x)[j] * lm_head[v, j]. */
  decode(x: Float64Array): Float64Array {
    const d = this.dModel;
    const y = layerNorm(x, this.lnfW, this.lnfB, this.eps);
    const logits = new Float64Array(this.vocabSize);
    for (let v = 0; v < this.vocabSize; v++) {
      const row = v * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += y[j]! * this.lmHead[row + j]!;
      logits[v] = dot;
    }
    return logits;
  }
}

function load(file: SafetensorsFile, key: string, shape: number[], used: Set<string>): Float64Array {
  const info = file.tensors.get(key)!;
  if (info.shape.length !== shape.length || info.shape.some((n, i) => n !== shape[i])) {
    throw new Error(`reference: tensor ${key} has shape [${info.shape}], expected [${shape}]`);
  }
  used.add(key);
  return Float64Array.from(tensorAsFloat32(file, info));
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

function intervene(out: Float64Array, iv: Intervention | undefined, d: number): Float64Array {
  if (iv === undefined) return out;
  if (iv.mode === 'zero') return new Float64Array(d);
  const v = iv.vector;
  if (v === undefined || v.length !== d) {
    throw new Error(`reference: intervention vector has ${v?.length ?? 0} values, the model needs ${d}`);
  }
  if (iv.mode === 'replace') return Float64Array.from(v);
  const scale = iv.scale ?? 1;
  const res = out.slice();
  for (let i = 0; i < d; i++) res[i]! += scale * v[i]!;
  return res;
}

/** Numerically stable softmax. */
export function softmax(logits: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) if (x > max) max = x;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Number of strictly larger logits: 0 = top. */
export function logitRank(logits: Float64Array, id: number): number {
  const x = logits[id]!;
  let rank = 0;
  for (const y of logits) if (y > x) rank++;
  return rank;
}

/** Number of other ids whose logit is within tol of logit[id] (ranks among those are float32 noise). */
export function tiesWithin(logits: Float64Array, id: number, tol: number): number {
  const x = logits[id]!;
  let n = 0;
  for (let i = 0; i < logits.length; i++) if (i !== id && Math.abs(logits[i]! - x) <= tol) n++;
  return n;
}

/** Entropy of softmax(logits) in nats: log Z - E[x - max]. */
export function entropy(logits: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) if (x > max) max = x;
  let z = 0;
  let weighted = 0;
  for (const x of logits) {
    const e = Math.exp(x - max);
    z += e;
    weighted += e * (x - max);
  }
  return Math.log(z) - weighted / z;
}

/** The k most probable ids, most probable first (ties: lower id first). */
export function topK(logits: Float64Array, k: number): { id: number; prob: number }[] {
  const probs = softmax(logits);
  const ids = Array.from(probs.keys());
  ids.sort((a, b) => probs[b]! - probs[a]! || a - b);
  return ids.slice(0, k).map((id) => ({ id, prob: probs[id]! }));
}
