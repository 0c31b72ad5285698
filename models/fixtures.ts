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

export function makeGpt2Fixture(options: FixtureOptions): Fixture {
  const { nLayer, nEmbd: d, nHead, nPositions } = options;
  const vocabSize = options.vocabSize ?? 50257;
  const dtype = options.dtype ?? 'F32';
  const random = seededRandom(options.seed ?? 1);
  // Box-Muller normal samples
  const normal = (): number => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const tensors = new Map<string, TensorToWrite>();
  const prefix = options.transformerPrefix ? 'transformer.' : '';
  const add = (name: string, shape: number[], fill: (i: number) => number): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    tensors.set(name, { dtype, shape, data });
  };
  const gauss = (std: number) => () => std * normal();
  const around = (center: number, std: number) => () => center + std * normal();
  add(`${prefix}wte.weight`, [vocabSize, d], gauss(0.5));
  add(`${prefix}wpe.weight`, [nPositions, d], gauss(0.2));
  for (let i = 0; i < nLayer; i++) {
    const p = `${prefix}h.${i}.`;
    add(`${p}ln_1.weight`, [d], around(1, 0.1));
    add(`${p}ln_1.bias`, [d], gauss(0.05));
    if (options.legacyBuffers) {
      // real checkpoints store the causal mask as a float buffer of the full context
      const ctx = Math.min(nPositions, 64);
      add(`${p}attn.bias`, [1, 1, ctx, ctx], (k) => (k % ctx <= Math.floor(k / ctx) ? 1 : 0));
      add(`${p}attn.masked_bias`, [], () => -1e4);
    }
    add(`${p}attn.c_attn.weight`, [d, 3 * d], gauss(1.2 / Math.sqrt(d)));
    add(`${p}attn.c_attn.bias`, [3 * d], gauss(0.05));
    add(`${p}attn.c_proj.weight`, [d, d], gauss(0.6 / Math.sqrt(d)));
    add(`${p}attn.c_proj.bias`, [d], gauss(0.05));
    add(`${p}ln_2.weight`, [d], around(1, 0.1));
    add(`${p}ln_2.bias`, [d], gauss(0.05));
    add(`${p}mlp.c_fc.weight`, [d, 4 * d], gauss(1 / Math.sqrt(d)));
    add(`${p}mlp.c_fc.bias`, [4 * d], gauss(0.1));
    add(`${p}mlp.c_proj.weight`, [4 * d, d], gauss(0.5 / Math.sqrt(4 * d)));
    add(`${p}mlp.c_proj.bias`, [d], gauss(0.05));
  }
  add(`${prefix}ln_f.weight`, [d], around(1, 0.1));
  add(`${prefix}ln_f.bias`, [d], gauss(0.05));
  if (options.untiedLmHead) add('lm_head.weight', [vocabSize, d], gauss(0.5));
  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_layer: nLayer,
    n_head: nHead,
    n_embd: d,
    n_positions: nPositions,
    n_ctx: nPositions,
    vocab_size: vocabSize,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 50256,
    eos_token_id: 50256,
    lenslab_fixture: { seed: options.seed ?? 1, note: 'random weights, not a trained model' },
  };
  return { config, safetensors: writeSafetensors(tensors) };
}
