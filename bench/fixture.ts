/**
 * A fast variant of models/fixtures.ts's makeGpt2Fixture for the benchmark: the same tensor names,
 * shapes, scales and config (so the engine sees the same kind of checkpoint), but the values are drawn
 * from a table of 65,536 normal samples indexed by a xorshift stream, written straight into the
 * safetensors bytes (no second copy). gpt2-medium's 1.4 GB take about a second instead of ~16 s.
 * The values differ from makeGpt2Fixture's for the same seed; only timings and memory are measured.
 */
import { gpt2FixtureConfig, gpt2WeightSpecs, seededRandom, type WeightSpec } from '../models/fixtures.ts';

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
  'gpt2-large': {
    name: 'gpt2-large',
    nLayer: 36,
    nEmbd: 1280,
    nHead: 20,
    nPositions: 1024,
    vocabSize: 50257,
  },
};

const TABLE_BITS = 16;

export function fastGpt2Fixture(
  shape: ModelShape,
  seed = 1,
): { config: Record<string, unknown>; safetensors: Uint8Array } {
  // the same tensors and scales as makeGpt2Fixture; only the way values are drawn differs
  const options = { ...shape, seed };
  const specs = gpt2WeightSpecs(options).filter((spec) => !('fill' in spec)) as Array<
    Extract<WeightSpec, { std: number }>
  >;

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

  const config = gpt2FixtureConfig(options, 'random weights, not a trained model (bench fast generator)');
  return { config, safetensors: out };
}
