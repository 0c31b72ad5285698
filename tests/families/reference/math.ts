/**
 * Float64 building blocks of the family references, written from the papers and transformers'
 * modelling code, sharing nothing with the engine: norms, Linear as PyTorch stores it, activations
 * (erf by series / continued fraction), rotary frequencies and rotation, causal attention over
 * grouped key/value heads, interventions.
 */
import { parseSafetensors, type SafetensorsFile, tensorAsFloat32 } from '../../../models/safetensors.ts';
import type { Intervention } from '../../../workers/engine/types.ts';

export type Vec = Float64Array;

export function rmsNorm(x: Vec, w: Vec, eps: number): Vec {
  let ms = 0;
  for (const v of x) ms += v * v;
  const inv = 1 / Math.sqrt(ms / x.length + eps);
  return x.map((v, i) => v * inv * w[i]!);
}

export function layerNormF64(x: Vec, w: Vec, b: Vec, eps: number): Vec {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  const inv = 1 / Math.sqrt(variance / x.length + eps);
  return x.map((v, i) => (v - mean) * inv * w[i]! + b[i]!);
}

/** y = W x + b with W stored [out, in] row-major (torch.nn.Linear). */
export function linear(x: Vec, w: Vec, b: Vec | undefined, out: number): Vec {
  const n = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[o]! : 0;
    const row = o * n;
    for (let i = 0; i < n; i++) s += w[row + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

export const silu = (x: number): number => x / (1 + Math.exp(-x));

/** erf to ~1e-15: Maclaurin series below 3, Lentz's continued fraction for erfc above. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = a + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = a + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const geluExact = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** HF rotate_half convention on the first `rot` dims of one head: (x1, x2) -> (x1 c - x2 s, x2 c + x1 s). */
export function rotateHalf(head: Vec, rot: number, t: number, invFreq: readonly number[]): Vec {
  const out = head.slice();
  const half = rot / 2;
  for (let i = 0; i < half; i++) {
    const angle = t * invFreq[i]!;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const x1 = head[i]!;
    const x2 = head[i + half]!;
    out[i] = x1 * c - x2 * s;
    out[i + half] = x2 * c + x1 * s;
  }
  return out;
}

/**
 * Causal softmax attention for all positions. q[t][h], k[t][g], v[t][g] are heads (Float64Array of
 * dh); query head h reads key/value group floor(h * G / H). Returns [t] -> concatenated heads.
 */
export function causalAttention(q: Vec[][], k: Vec[][], v: Vec[][]): Vec[] {
  const T = q.length;
  const H = q[0]!.length;
  const G = k[0]!.length;
  const dh = q[0]![0]!.length;
  const scale = 1 / Math.sqrt(dh);
  const out: Vec[] = [];
  for (let t = 0; t < T; t++) {
    const merged = new Float64Array(H * dh);
    for (let h = 0; h < H; h++) {
      const g = Math.floor((h * G) / H);
      const scores = new Float64Array(t + 1);
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let j = 0; j < dh; j++) dot += q[t]![h]![j]! * k[s]![g]![j]!;
        scores[s] = dot * scale;
        max = Math.max(max, scores[s]!);
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        scores[s] = Math.exp(scores[s]! - max);
        sum += scores[s]!;
      }
      for (let s = 0; s <= t; s++) {
        const w = scores[s]! / sum;
        for (let j = 0; j < dh; j++) merged[h * dh + j]! += w * v[s]![g]![j]!;
      }
    }
    out.push(merged);
  }
  return out;
}

/** Splits a vector into `n` heads of `dh`, starting at `offset`. */
export function heads(x: Vec, n: number, dh: number, offset = 0): Vec[] {
  return Array.from({ length: n }, (_, h) => x.slice(offset + h * dh, offset + (h + 1) * dh));
}

export function addVec(a: Vec, b: Vec): Vec {
  return a.map((v, i) => v + b[i]!);
}

export function intervene(out: Vec, iv: Intervention | undefined): Vec {
  if (iv === undefined) return out;
  if (iv.mode === 'zero') return new Float64Array(out.length);
  const v = iv.vector!;
  if (iv.mode === 'replace') return Float64Array.from(v);
  const scale = iv.scale ?? 1;
  return out.map((x, i) => x + scale * v[i]!);
}

/** Tensors of a checkpoint by name, as float64, each used at most once per check. */
export class Tensors {
  readonly file: SafetensorsFile;
  readonly used = new Set<string>();

  constructor(bytes: Uint8Array) {
    this.file = parseSafetensors(bytes);
  }

  has(name: string): boolean {
    return this.file.tensors.has(name);
  }

  get(name: string, shape: number[]): Vec {
    const info = this.file.tensors.get(name);
    if (!info) throw new Error(`reference: missing tensor ${name}`);
    if (info.shape.join() !== shape.join())
      throw new Error(`reference: ${name} is [${info.shape}], not [${shape}]`);
    this.used.add(name);
    return Float64Array.from(tensorAsFloat32(this.file, info));
  }

  /** Every tensor not read must be one of the buffers `ignorable` accepts. */
  checkAllUsed(ignorable: (name: string) => boolean): void {
    for (const name of this.file.tensors.keys()) {
      if (!this.used.has(name) && !ignorable(name)) throw new Error(`reference: unexpected tensor ${name}`);
    }
  }
}

/** logits[v] = sum_j y[j] * W[v, j] over the first `vocab` rows. */
export function unembed(y: Vec, w: Vec, vocab: number): Vec {
  const d = y.length;
  const logits = new Float64Array(vocab);
  for (let v = 0; v < vocab; v++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += y[j]! * w[v * d + j]!;
    logits[v] = dot;
  }
  return logits;
}
