/** Sanity checks of the float64 reference forward pass itself (no engine involved). */
import { describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { parseSafetensors, tensorAsFloat32 } from '../models/safetensors.ts';
import {
  entropy,
  Gpt2Reference,
  geluNew,
  logitRank,
  softmax,
  tiesWithin,
  topK,
} from './reference/gpt2Reference.ts';

const TINY = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 32, seed: 7 } as const;
const fixture = makeGpt2Fixture(TINY);
const ref = Gpt2Reference.fromCheckpoint(fixture.config, fixture.safetensors);
const PROMPT = [464, 3139, 286, 4881, 318, 6342, 13, 383, 3139, 286, 4486, 318, 50256, 0, 1];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x - b[i]!);
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}

describe('gelu_new', () => {
  it('matches known values', () => {
    expect(geluNew(0)).toBe(0);
    expect(geluNew(1)).toBeCloseTo(0.8411919906082768, 14);
    expect(geluNew(-1)).toBeCloseTo(-0.15880800939172324, 14);
    expect(geluNew(2)).toBeCloseTo(1.9545976940877752, 12);
    expect(geluNew(10)).toBeCloseTo(10, 12);
    expect(geluNew(-10)).toBeCloseTo(0, 12);
  });
});

describe('shape of a run', () => {
  it('has 2L+1 states, L sublayer outputs, finite values and sizes as promised', () => {
    const run = ref.forward(PROMPT);
    expect(ref.nLayer).toBe(2);
    expect(ref.dModel).toBe(32);
    expect(ref.vocabSize).toBe(50257);
    expect(run.residual.length).toBe(5);
    expect(run.attnOut.length).toBe(2);
    expect(run.ffnOut.length).toBe(2);
    for (const state of run.residual) {
      expect(state.length).toBe(PROMPT.length);
      for (const x of state) {
        expect(x.length).toBe(32);
        expect(x.every(Number.isFinite)).toBe(true);
      }
    }
    // the stream is the sum of its parts
    for (let i = 0; i < 2; i++) {
      for (let t = 0; t < PROMPT.length; t++) {
        const r = run.residual;
        expect(maxAbsDiff(sub(r[2 * i + 1]![t]!, r[2 * i]![t]!), run.attnOut[i]![t]!)).toBeLessThan(1e-12);
        expect(maxAbsDiff(sub(r[2 * i + 2]![t]!, r[2 * i + 1]![t]!), run.ffnOut[i]![t]!)).toBeLessThan(1e-12);
      }
    }
    expect(run.logits(4, PROMPT.length - 1).length).toBe(50257);
    expect(() => run.logits(5, 0)).toThrow();
  });

  it('rejects bad prompts and vectors', () => {
    expect(() => ref.forward([])).toThrow(/empty/);
    expect(() => ref.forward([50257])).toThrow(/bad token/);
    expect(() => ref.forward(new Array(33).fill(1))).toThrow(/n_positions/);
    expect(() =>
      ref.forward([1, 2], {
        positions: 'all',
        ffn: { 0: { mode: 'replace', vector: new Float32Array(31) } },
      }),
    ).toThrow(/31 values/);
  });
});

describe('decoding, computed a second way', () => {
  // Reads weights straight from the file, in float32, and decodes the last state with another loop order.
  const file = parseSafetensors(fixture.safetensors);
  const f32 = (name: string) => tensorAsFloat32(file, file.tensors.get(name)!);
  const wte = f32('wte.weight');
  const lnfW = f32('ln_f.weight');
  const lnfB = f32('ln_f.bias');

  it('ln_f + tied unembedding matches the reference logits', () => {
    const run = ref.forward(PROMPT);
    const t = PROMPT.length - 1;
    const x = run.residual[4]![t]!;
    const mean = x.reduce((a, b) => a + b, 0) / 32;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / 32;
    const y = Array.from(x, (v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * lnfW[j]! + lnfB[j]!);
    const logits = new Float64Array(50257);
    // column-major accumulation (j outer) instead of the reference's row dot products
    for (let j = 0; j < 32; j++) for (let v = 0; v < 50257; v++) logits[v]! += y[j]! * wte[v * 32 + j]!;
    const refLogits = run.logits(4, t);
    expect(maxAbsDiff(logits, refLogits)).toBeLessThan(1e-9);
    // logits spread over several units, as the fixture intends
    const sorted = Float64Array.from(refLogits).sort();
    expect(sorted[50256]! - sorted[0]!).toBeGreaterThan(5);
  });

  it('a one-token prompt: attention is exactly v projected (softmax over one key)', () => {
    const id = 4881;
    const run = ref.forward([id]);
    const d = 32;
    const h0 = Array.from({ length: d }, (_, j) => wte[id * d + j]! + f32('wpe.weight')[j]!);
    expect(maxAbsDiff(h0, run.residual[0]![0]!)).toBeLessThan(1e-12);
    const w1 = f32('h.0.ln_1.weight');
    const b1 = f32('h.0.ln_1.bias');
    const mean = h0.reduce((a, b) => a + b, 0) / d;
    const variance = h0.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    const a = h0.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w1[j]! + b1[j]!);
    const cAttnW = f32('h.0.attn.c_attn.weight');
    const cAttnB = f32('h.0.attn.c_attn.bias');
    const v = Array.from({ length: d }, (_, o) => {
      let s = cAttnB[2 * d + o]!;
      for (let i = 0; i < d; i++) s += a[i]! * cAttnW[i * 3 * d + 2 * d + o]!;
      return s;
    });
    const projW = f32('h.0.attn.c_proj.weight');
    const projB = f32('h.0.attn.c_proj.bias');
    const out = Array.from({ length: d }, (_, o) => {
      let s = projB[o]!;
      for (let i = 0; i < d; i++) s += v[i]! * projW[i * d + o]!;
      return s;
    });
    expect(maxAbsDiff(out, run.attnOut[0]![0]!)).toBeLessThan(1e-9);
  });
});

describe('logit helpers', () => {
  const logits = ref.forward(PROMPT).logits(4, PROMPT.length - 1);

  it('softmax sums to 1 and entropy matches -sum p log p', () => {
    const p = softmax(logits);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    let h = 0;
    for (const x of p) if (x > 0) h -= x * Math.log(x);
    expect(entropy(logits)).toBeCloseTo(h, 10);
    expect(entropy(new Float64Array(8))).toBeCloseTo(Math.log(8), 14);
    // stable for large logits
    expect(softmax(Float64Array.from([1000, 1000]))[0]).toBe(0.5);
  });

  it('topK is sorted, agrees with logitRank', () => {
    const top = topK(logits, 10);
    expect(top.length).toBe(10);
    top.forEach((e, i) => {
      expect(logitRank(logits, e.id)).toBe(i);
      if (i > 0) expect(e.prob).toBeLessThanOrEqual(top[i - 1]!.prob);
    });
    const p = softmax(logits);
    expect(top[0]!.prob).toBe(Math.max(...p));
  });

  it('logitRank and tiesWithin on a small vector', () => {
    const l = Float64Array.from([1, 3, 3, 2, 2.0005]);
    expect(logitRank(l, 1)).toBe(0);
    expect(logitRank(l, 2)).toBe(0);
    expect(logitRank(l, 3)).toBe(3);
    expect(logitRank(l, 0)).toBe(4);
    expect(tiesWithin(l, 3, 1e-3)).toBe(1);
    expect(tiesWithin(l, 3, 1e-4)).toBe(0);
    expect(tiesWithin(l, 1, 0)).toBe(1);
    expect(topK(l, 2).map((e) => e.id)).toEqual([1, 2]);
  });
});

describe('causality', () => {
  it('appending tokens does not change earlier positions', () => {
    const short = ref.forward(PROMPT.slice(0, 6));
    const long = ref.forward(PROMPT);
    for (let s = 0; s < 5; s++) {
      for (let t = 0; t < 6; t++) {
        expect(maxAbsDiff(short.residual[s]![t]!, long.residual[s]![t]!)).toBeLessThan(1e-12);
      }
    }
    // and later positions do depend on earlier ones
    const other = ref.forward([99, ...PROMPT.slice(1)]);
    expect(maxAbsDiff(other.residual[2]![5]!, long.residual[2]![5]!)).toBeGreaterThan(1e-3);
  });
});

describe('interventions', () => {
  const T = PROMPT.length;
  const v = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i + 1));

  it("'zero' on every FFN makes state 2i+2 equal state 2i+1", () => {
    const run = ref.forward(PROMPT, {
      positions: 'all',
      ffn: { 0: { mode: 'zero' }, 1: { mode: 'zero' } },
    });
    for (let i = 0; i < 2; i++) {
      for (let t = 0; t < T; t++) {
        expect(maxAbsDiff(run.residual[2 * i + 2]![t]!, run.residual[2 * i + 1]![t]!)).toBe(0);
      }
    }
  });

  it("'replace' makes state(2i+2) - state(2i+1) equal the vector, and changes later states", () => {
    const base = ref.forward(PROMPT);
    const run = ref.forward(PROMPT, { positions: 'all', ffn: { 0: { mode: 'replace', vector: v } } });
    for (let t = 0; t < T; t++) {
      expect(maxAbsDiff(sub(run.residual[2]![t]!, run.residual[1]![t]!), v)).toBeLessThan(1e-12);
      // block 0's attention is upstream and untouched
      expect(maxAbsDiff(run.residual[1]![t]!, base.residual[1]![t]!)).toBe(0);
      expect(maxAbsDiff(run.residual[4]![t]!, base.residual[4]![t]!)).toBeGreaterThan(1e-3);
    }
  });

  it("'add' adds scale * vector to the sublayer output; attention works the same way", () => {
    const base = ref.forward(PROMPT);
    const run = ref.forward(PROMPT, {
      positions: 'all',
      attn: { 1: { mode: 'add', vector: Array.from(v), scale: 2.5 } },
    });
    for (let t = 0; t < T; t++) {
      const expected = base.attnOut[1]![t]!.map((x, j) => x + 2.5 * v[j]!);
      expect(maxAbsDiff(run.attnOut[1]![t]!, expected)).toBeLessThan(1e-12);
      expect(maxAbsDiff(sub(run.residual[3]![t]!, run.residual[2]![t]!), expected)).toBeLessThan(1e-12);
      expect(maxAbsDiff(run.residual[2]![t]!, base.residual[2]![t]!)).toBe(0);
    }
    const unit = ref.forward(PROMPT, { positions: 'all', attn: { 1: { mode: 'add', vector: v } } });
    const last = T - 1;
    expect(maxAbsDiff(sub(unit.attnOut[1]![last]!, base.attnOut[1]![last]!), v)).toBeLessThan(1e-12);
  });

  it("'last' scope changes only the last position", () => {
    const base = ref.forward(PROMPT);
    const run = ref.forward(PROMPT, { positions: 'last', ffn: { 0: { mode: 'replace', vector: v } } });
    for (let s = 0; s < 5; s++) {
      for (let t = 0; t < T - 1; t++) {
        expect(maxAbsDiff(run.residual[s]![t]!, base.residual[s]![t]!)).toBe(0);
      }
    }
    expect(maxAbsDiff(sub(run.residual[2]![T - 1]!, run.residual[1]![T - 1]!), v)).toBeLessThan(1e-12);
    expect(maxAbsDiff(run.residual[4]![T - 1]!, base.residual[4]![T - 1]!)).toBeGreaterThan(1e-3);
  });

  it('an empty spec changes nothing', () => {
    const base = ref.forward(PROMPT);
    const run = ref.forward(PROMPT, { positions: 'all' });
    expect(maxAbsDiff(run.residual[4]![T - 1]!, base.residual[4]![T - 1]!)).toBe(0);
  });
});

describe('checkpoint variants', () => {
  const lastLogits = (r: Gpt2Reference) => r.forward(PROMPT).logits(4, PROMPT.length - 1);

  it('transformer.-prefixed and unprefixed checkpoints (with legacy buffers) agree exactly', () => {
    const a = makeGpt2Fixture({ ...TINY, transformerPrefix: true, legacyBuffers: true });
    const b = makeGpt2Fixture({ ...TINY, transformerPrefix: false, legacyBuffers: true });
    expect([...parseSafetensors(a.safetensors).tensors.keys()]).toContain('transformer.h.0.attn.bias');
    const ra = Gpt2Reference.fromCheckpoint(a.config, a.safetensors);
    const rb = Gpt2Reference.fromCheckpoint(b.config, b.safetensors);
    expect(maxAbsDiff(lastLogits(ra), lastLogits(rb))).toBe(0);
    // legacy buffers are ignored: same weights as the plain fixture
    expect(maxAbsDiff(lastLogits(ra), lastLogits(ref))).toBe(0);
  });

  it('an untied lm_head changes the logits but not the residual stream', () => {
    const u = makeGpt2Fixture({ ...TINY, untiedLmHead: true });
    const ru = Gpt2Reference.fromCheckpoint(u.config, u.safetensors);
    const a = ru.forward(PROMPT);
    const b = ref.forward(PROMPT);
    expect(maxAbsDiff(a.residual[4]![3]!, b.residual[4]![3]!)).toBe(0);
    expect(maxAbsDiff(a.logits(4, 3), b.logits(4, 3))).toBeGreaterThan(0.1);
  });

  it('F16 and BF16 checkpoints run and stay close to F32', () => {
    const base = lastLogits(ref);
    const spread = norm(base) / Math.sqrt(base.length);
    for (const [dtype, tol] of [
      ['F16', 0.01],
      ['BF16', 0.05],
    ] as const) {
      const f = makeGpt2Fixture({ ...TINY, dtype });
      const r = Gpt2Reference.fromCheckpoint(f.config, f.safetensors);
      const logits = lastLogits(r);
      expect(logits.every(Number.isFinite)).toBe(true);
      const rmsDiff = norm(sub(logits, base)) / Math.sqrt(base.length);
      expect(rmsDiff / spread, dtype).toBeLessThan(tol);
      expect(rmsDiff, dtype).toBeGreaterThan(0);
    }
  });

  it('rejects checkpoints it does not understand', () => {
    const bigger = makeGpt2Fixture({ ...TINY, nEmbd: 64, nHead: 4 });
    expect(() => Gpt2Reference.fromCheckpoint(fixture.config, bigger.safetensors)).toThrow(/shape/);
    expect(() =>
      Gpt2Reference.fromCheckpoint({ ...fixture.config, n_layer: 3 }, fixture.safetensors),
    ).toThrow(/h\.2\..*missing/);
  });
});
