/**
 * Deterministic random GPT-2 checkpoints in the Hub's layout, for tests, benchmarks and the app's
 * offline built-in model. Weights are random (seeded); the vocabulary size is GPT-2's real 50,257.
 * Scales are chosen so that logits spread over several units: near-uniform distributions would
 * make ranks meaningless.
 */
import { type SafetensorsDtype, type TensorToWrite, writeSafetensors } from './safetensors.ts';

export interface FixtureOptions {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nPositions: number;
  vocabSize?: number;
  seed?: number;
  dtype?: SafetensorsDtype;
  /** Prefix every name with `transformer.` as GPT2LMHeadModel.save_pretrained once did. */
  transformerPrefix?: boolean;
  /** Include the legacy `attn.bias` / `attn.masked_bias` buffers. */
  legacyBuffers?: boolean;
  /** Write a separate (untied) lm_head.weight. */
  untiedLmHead?: boolean;
}

export interface Fixture {
  config: Record<string, unknown>;
  safetensors: Uint8Array;
}

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor of a fixture: normal(center, std) values, or a fixed fill (the legacy mask buffers). */
export type WeightSpec = { name: string; shape: number[] } & (
  | { center: number; std: number }
  | { fill: (index: number) => number }
);

/** Every tensor of a fixture checkpoint, in file order, with the scales its values are drawn at. */
export function gpt2WeightSpecs(options: FixtureOptions): WeightSpec[] {
  const { nLayer, nEmbd: d, nPositions } = options;
  const vocabSize = options.vocabSize ?? 50257;
  const prefix = options.transformerPrefix ? 'transformer.' : '';
  const specs: WeightSpec[] = [];
  const gauss = (name: string, shape: number[], std: number, center = 0): void => {
    specs.push({ name, shape, center, std });
  };
  gauss(`${prefix}wte.weight`, [vocabSize, d], 0.5);
  gauss(`${prefix}wpe.weight`, [nPositions, d], 0.2);
  for (let i = 0; i < nLayer; i++) {
    const p = `${prefix}h.${i}.`;
    gauss(`${p}ln_1.weight`, [d], 0.1, 1);
    gauss(`${p}ln_1.bias`, [d], 0.05);
    if (options.legacyBuffers) {
      // real checkpoints store the causal mask as a float buffer of the full context
      const ctx = Math.min(nPositions, 64);
      specs.push({
        name: `${p}attn.bias`,
        shape: [1, 1, ctx, ctx],
        fill: (k) => (k % ctx <= Math.floor(k / ctx) ? 1 : 0),
      });
      specs.push({ name: `${p}attn.masked_bias`, shape: [], fill: () => -1e4 });
    }
    gauss(`${p}attn.c_attn.weight`, [d, 3 * d], 1.2 / Math.sqrt(d));
    gauss(`${p}attn.c_attn.bias`, [3 * d], 0.05);
    gauss(`${p}attn.c_proj.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}attn.c_proj.bias`, [d], 0.05);
    gauss(`${p}ln_2.weight`, [d], 0.1, 1);
    gauss(`${p}ln_2.bias`, [d], 0.05);
    gauss(`${p}mlp.c_fc.weight`, [d, 4 * d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.c_fc.bias`, [4 * d], 0.1);
    gauss(`${p}mlp.c_proj.weight`, [4 * d, d], 0.5 / Math.sqrt(4 * d));
    gauss(`${p}mlp.c_proj.bias`, [d], 0.05);
  }
  gauss(`${prefix}ln_f.weight`, [d], 0.1, 1);
  gauss(`${prefix}ln_f.bias`, [d], 0.05);
  if (options.untiedLmHead) gauss('lm_head.weight', [vocabSize, d], 0.5);
  return specs;
}

/** config.json of a fixture checkpoint; `lenslab_fixture` marks it as random weights. */
export function gpt2FixtureConfig(options: FixtureOptions, note: string): Record<string, unknown> {
  const { nLayer, nEmbd, nHead, nPositions } = options;
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_layer: nLayer,
    n_head: nHead,
    n_embd: nEmbd,
    n_positions: nPositions,
    n_ctx: nPositions,
    vocab_size: options.vocabSize ?? 50257,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 50256,
    eos_token_id: 50256,
    lenslab_fixture: { seed: options.seed ?? 1, note },
  };
}

export function makeGpt2Fixture(options: FixtureOptions): Fixture {
  const dtype = options.dtype ?? 'F32';
  const random = seededRandom(options.seed ?? 1);
  // Box-Muller normal samples
  const normal = (): number => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const tensors = new Map<string, TensorToWrite>();
  for (const spec of gpt2WeightSpecs(options)) {
    const n = spec.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    if ('fill' in spec) for (let i = 0; i < n; i++) data[i] = spec.fill(i);
    else for (let i = 0; i < n; i++) data[i] = spec.center + spec.std * normal();
    tensors.set(spec.name, { dtype, shape: spec.shape, data });
  }
  const config = gpt2FixtureConfig(options, 'random weights, not a trained model');
  return { config, safetensors: writeSafetensors(tensors) };
}
