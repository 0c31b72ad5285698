/**
 * A fast variant of models/fixtures.ts's makeGpt2Fixture for the benchmark: the same tensor names,
 * shapes, scales and config (so the engine sees the same kind of checkpoint), but the values are drawn
 * from a table of 65,536 normal samples indexed by a xorshift stream, written straight into the
 * safetensors bytes (no second copy). gpt2-medium's 1.4 GB take about a second instead of ~16 s.
 * The values differ from makeGpt2Fixture's for the same seed; only timings and memory are measured.
 */
import { seededRandom } from '../models/fixtures.ts';

export interface ModelShape {
  name: string;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nPositions: number;
  vocabSize: number;
}

export const MODEL_SHAPES: Record<string, ModelShape> = {
  gpt2: { name: 'gpt2', nLayer: 12, nEmbd: 768, nHead: 12, nPositions: 1024, vocabSize: 50257 },
  'gpt2-medium': {
    name: 'gpt2-medium',
    nLayer: 24,
    nEmbd: 1024,
    nHead: 16,
    nPositions: 1024,
    vocabSize: 50257,
  },
};

interface Spec {
  name: string;
  shape: number[];
  center: number;
  std: number;
}

const TABLE_BITS = 16;

export function fastGpt2Fixture(
  shape: ModelShape,
  seed = 1,
): { config: Record<string, unknown>; safetensors: Uint8Array } {
  const { nLayer, nEmbd: d, nHead, nPositions, vocabSize } = shape;
  const specs: Spec[] = [];
  const gauss = (name: string, dims: number[], std: number): void => {
    specs.push({ name, shape: dims, center: 0, std });
  };
  const around = (name: string, dims: number[], center: number, std: number): void => {
    specs.push({ name, shape: dims, center, std });
  };
  gauss('wte.weight', [vocabSize, d], 0.5);
  gauss('wpe.weight', [nPositions, d], 0.2);
  for (let i = 0; i < nLayer; i++) {
    const p = `h.${i}.`;
    around(`${p}ln_1.weight`, [d], 1, 0.1);
    gauss(`${p}ln_1.bias`, [d], 0.05);
    gauss(`${p}attn.c_attn.weight`, [d, 3 * d], 1.2 / Math.sqrt(d));
    gauss(`${p}attn.c_attn.bias`, [3 * d], 0.05);
    gauss(`${p}attn.c_proj.weight`, [d, d], 0.6 / Math.sqrt(d));
    gauss(`${p}attn.c_proj.bias`, [d], 0.05);
    around(`${p}ln_2.weight`, [d], 1, 0.1);
    gauss(`${p}ln_2.bias`, [d], 0.05);
    gauss(`${p}mlp.c_fc.weight`, [d, 4 * d], 1 / Math.sqrt(d));
    gauss(`${p}mlp.c_fc.bias`, [4 * d], 0.1);
    gauss(`${p}mlp.c_proj.weight`, [4 * d, d], 0.5 / Math.sqrt(4 * d));
    gauss(`${p}mlp.c_proj.bias`, [d], 0.05);
  }
  around('ln_f.weight', [d], 1, 0.1);
  gauss('ln_f.bias', [d], 0.05);

  // header exactly as writeSafetensors lays it out: 8 + header length is a multiple of 8
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const s of specs) {
    const size = s.shape.reduce((a, b) => a * b, 1) * 4;
    header[s.name] = { dtype: 'F32', shape: s.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const values = new Float32Array(out.buffer, 8 + headerBytes.length, offset / 4);

  // a table of normal samples (Box-Muller on mulberry32), then two 16-bit indices per xorshift32 step
  const random = seededRandom(seed);
  const table = new Float32Array(1 << TABLE_BITS);
  for (let i = 0; i < table.length; i++) {
    const u = 1 - random();
    const v = random();
    table[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  let x = (seed * 0x9e3779b9) >>> 0 || 1;
  let at = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const { center, std } = s;
    const end = at + n;
    let i = at;
    for (; i + 1 < end; i += 2) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      values[i] = center + std * table[x & 0xffff]!;
      values[i + 1] = center + std * table[(x >>> 16) & 0xffff]!;
    }
    if (i < end) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      values[i] = center + std * table[x & 0xffff]!;
    }
    at = end;
  }

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
    lenslab_fixture: { seed, note: 'random weights, not a trained model (bench fast generator)' },
  };
  return { config, safetensors: out };
}
