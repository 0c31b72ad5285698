/**
 * Model input: the safetensors reader and writer, GPT-2 config parsing, the tensor-name mapping and
 * the placement of weights as ONNX external data. Every bad input must fail with its own message.
 */
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { ModelConfigError, parseGpt2Config } from '../models/gpt2/config.ts';
import { ExternalWeights } from '../models/gpt2/externalWeights.ts';
import { type Gpt2Weights, ModelWeightsError, resolveGpt2Weights } from '../models/gpt2/weights.ts';
import {
  halfToFloat,
  parseSafetensors,
  type SafetensorsDtype,
  SafetensorsError,
  type TensorInfo,
  type TensorToWrite,
  tensorAsFloat32,
  tensorBytes,
  writeSafetensors,
} from '../models/safetensors.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import type { LensResult } from '../workers/engine/types.ts';
import { Gpt2Reference, softmax } from './reference/gpt2Reference.ts';
import { gpt2TokenizerJson } from './support/checkpoints.ts';
import { expectStateMatches, newStats, PROB_TOL } from './support/compareWithReference.ts';

const SMALL = { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 16 };

function fromBits(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0]!;
}

function bitsOf(value: number): number {
  return new Uint32Array(Float32Array.of(value).buffer)[0]!;
}

/** Bit-for-bit equality of two float arrays (vitest's deep equality is slow on millions of values). */
function expectSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  expect(actual.length, label).toBe(expected.length);
  expect(bytes(actual).equals(bytes(expected)), label).toBe(true);
}

/** One tensor written with `dtype` and read back as float32. */
function roundTrip(dtype: SafetensorsDtype, data: Float32Array): Float32Array {
  const bytes = writeSafetensors(new Map([['t', { dtype, shape: [data.length], data }]]));
  const file = parseSafetensors(bytes);
  const info = file.tensors.get('t')!;
  expect(info).toMatchObject({
    dtype,
    shape: [data.length],
    byteLength: data.length * (dtype === 'F32' ? 4 : 2),
  });
  return tensorAsFloat32(file, info);
}

/** Exact equality that tells -0 from 0 and accepts NaN for NaN. */
function expectSameValues(actual: Float32Array, expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  expected.forEach((want, i) => {
    const got = actual[i]!;
    if (Number.isNaN(want)) expect(Number.isNaN(got), `${label}[${i}] NaN`).toBe(true);
    else
      expect(
        Object.is(got, want),
        `${label}[${i}]: got ${Object.is(got, -0) ? '-0' : got}, want ${want}`,
      ).toBe(true);
  });
}

/** A safetensors file from a raw header text and data bytes, with an optional bogus header length. */
function rawSafetensors(header: string, data = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  pattern: RegExp | string,
): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${type.name} matching ${pattern}`).toBeInstanceOf(type);
  const message = (caught as Error).message;
  if (typeof pattern === 'string') expect(message).toContain(pattern);
  else expect(message).toMatch(pattern);
}

/** Rewrites a checkpoint: all its tensors as float32 data, edited, then written again. */
function rebuild(bytes: Uint8Array, edit: (tensors: Map<string, TensorToWrite>) => void): Uint8Array {
  const file = parseSafetensors(bytes);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, info] of file.tensors) {
    tensors.set(name, {
      dtype: info.dtype,
      shape: [...info.shape],
      data: tensorAsFloat32(file, info).slice(),
    });
  }
  edit(tensors);
  return writeSafetensors(tensors);
}

function blockTensors(weights: Gpt2Weights): Array<[string, TensorInfo]> {
  const out: Array<[string, TensorInfo]> = [
    ['wte', weights.wte],
    ['wpe', weights.wpe],
    ['lnFWeight', weights.lnFWeight],
    ['lnFBias', weights.lnFBias],
    ['lmHead', weights.lmHead],
  ];
  weights.blocks.forEach((block, i) => {
    for (const [key, info] of Object.entries(block)) out.push([`${i}.${key}`, info]);
  });
  return out;
}

describe('safetensors round trips', () => {
  it('F32: bit-exact, and read as a view into the file bytes (no copy)', () => {
    const values = [0, -0, 1, -1.5, 1 / 3, 3.4028234663852886e38, 1.401298464324817e-45, Infinity, -Infinity];
    const data = Float32Array.from(values);
    const bytes = writeSafetensors(new Map([['t', { dtype: 'F32' as const, shape: [3, 3], data }]]));
    const file = parseSafetensors(bytes);
    const info = file.tensors.get('t')!;
    expect(info.fileOffset % 8).toBe(0); // the header is padded to 8 bytes, as the reference writer does
    const read = tensorAsFloat32(file, info);
    expect(read.buffer).toBe(bytes.buffer);
    expect(read.byteOffset).toBe(info.fileOffset);
    expectSameValues(read, Array.from(data), 'F32');
    expect(tensorBytes(file, info).buffer).toBe(bytes.buffer);
    // NaN payloads survive: F32 bytes are copied as they are
    const nan = new Float32Array(Uint32Array.of(0x7f800001, 0xffc12345).buffer);
    expect(Array.from(new Uint32Array(roundTrip('F32', nan).slice().buffer))).toEqual([
      0x7f800001, 0xffc12345,
    ]);
  });

  it('F16: round to nearest even, overflow to infinity, subnormals, signed zero, NaN', () => {
    const cases: Array<[number, number]> = [
      [1 / 3, 0.333251953125],
      [0.1, 0.0999755859375],
      [65504, 65504], // the largest half
      [65519, 65504],
      [65520, Infinity], // halfway to 2^16: rounds to even, which overflows
      [1e6, Infinity],
      [-1e6, -Infinity],
      [2 ** -14, 2 ** -14], // smallest normal
      [2 ** -14 - 2 ** -26, 2 ** -14], // subnormal that rounds up into the normals
      [1e-5, 168 * 2 ** -24], // subnormal: a multiple of 2^-24
      [2 ** -24, 2 ** -24], // smallest subnormal
      [3e-8, 2 ** -24], // just over half of it: rounds up
      [2 ** -25, 0], // exactly half: ties to even (zero)
      [1e-8, 0],
      [-1e-8, -0], // underflow keeps the sign
      [1 + 2 ** -11, 1], // tie: to even
      [1 + 3 * 2 ** -11, 1 + 2 ** -9], // tie: to even (up)
      [2049, 2048],
      [2051, 2052],
      [0, 0],
      [-0, -0],
      [Infinity, Infinity],
      [-Infinity, -Infinity],
      [Number.NaN, Number.NaN],
    ];
    const read = roundTrip('F16', Float32Array.from(cases.map(([x]) => x)));
    expectSameValues(
      read,
      cases.map(([, want]) => want),
      'F16',
    );
    // read back and written again: nothing moves
    expectSameValues(roundTrip('F16', read), Array.from(read), 'F16 twice');
  });

  it('BF16: round to nearest even, subnormals, signed zero, NaN stays NaN', () => {
    const cases: Array<[number, number]> = [
      [1 / 3, 0.333984375], // 0x3eaaaaab -> 0x3eab
      [65504, 65536],
      [1 + 2 ** -8, 1], // tie: to even
      [1 + 3 * 2 ** -8, 1 + 2 ** -6], // tie: to even (up)
      [3.4028234663852886e38, Infinity], // the largest float32 rounds past the largest bfloat16
      [fromBits(0x00018000), fromBits(0x00020000)], // subnormal tie, odd: rounds up
      [fromBits(0x00008000), 0], // subnormal tie, even: rounds down to zero
      [1.401298464324817e-45, 0],
      [-1.401298464324817e-45, -0],
      [0, 0],
      [-0, -0],
      [Infinity, Infinity],
      [-Infinity, -Infinity],
      [Number.NaN, Number.NaN],
    ];
    const read = roundTrip('BF16', Float32Array.from(cases.map(([x]) => x)));
    expectSameValues(
      read,
      cases.map(([, want]) => want),
      'BF16',
    );
    // NaNs whose payload sits in the dropped bits must not round into infinity or zero
    const nans = [0x7f800001, 0x7fffffff, 0xffffffff, 0xff800001];
    const nanRead = roundTrip('BF16', new Float32Array(Uint32Array.from(nans).buffer));
    nanRead.forEach((v, i) => expect(Number.isNaN(v), `NaN 0x${nans[i]!.toString(16)}`).toBe(true));
    // the sign of a NaN is kept
    expect(bitsOf(nanRead[2]!) >>> 31).toBe(1);
  });

  it('mixed dtypes in one file: an F32 tensor after an odd-sized F16 one is unaligned and read by copy', () => {
    const bytes = writeSafetensors(
      new Map<string, TensorToWrite>([
        ['half', { dtype: 'F16', shape: [3], data: Float32Array.of(1, 2, 3) }],
        ['single', { dtype: 'F32', shape: [2], data: Float32Array.of(0.25, -7) }],
        ['brain', { dtype: 'BF16', shape: [1, 2], data: Float32Array.of(-2, 0.5) }],
      ]),
    );
    const file = parseSafetensors(bytes);
    const single = file.tensors.get('single')!;
    expect(single.fileOffset % 4).toBe(2);
    expectSameValues(tensorAsFloat32(file, single), [0.25, -7], 'unaligned F32');
    expectSameValues(tensorAsFloat32(file, file.tensors.get('half')!), [1, 2, 3], 'F16');
    expectSameValues(tensorAsFloat32(file, file.tensors.get('brain')!), [-2, 0.5], 'BF16');
    expect(file.metadata).toEqual({ format: 'pt' });
  });
});

describe('safetensors: bad files, each with its own message', () => {
  const two = writeSafetensors(
    new Map<string, TensorToWrite>([
      ['first', { dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }],
      ['second', { dtype: 'F32', shape: [4], data: Float32Array.of(5, 6, 7, 8) }],
    ]),
  );
  const headerLength = Number(new DataView(two.buffer).getBigUint64(0, true));

  it('a file cut inside the header', () => {
    expectError(
      () => parseSafetensors(two.slice(0, 8 + Math.floor(headerLength / 2))),
      SafetensorsError,
      `model.safetensors: truncated: header says ${headerLength} header bytes but the file has ${Math.floor(headerLength / 2)}`,
    );
  });

  it('a file cut inside the data names the first tensor that is cut', () => {
    expectError(
      () => parseSafetensors(two.slice(0, two.length - 1)),
      SafetensorsError,
      /^model\.safetensors: truncated: tensor "second" ends at byte 32 of the data section, which has only 31$/,
    );
    expectError(
      () => parseSafetensors(two.slice(0, 8 + headerLength + 10), 'gpt2/model.safetensors'),
      SafetensorsError,
      /^gpt2\/model\.safetensors: truncated: tensor "first" ends at byte 16 .* only 10$/,
    );
  });

  it('a file shorter than 8 bytes', () => {
    expectError(
      () => parseSafetensors(new Uint8Array(5)),
      SafetensorsError,
      'model.safetensors: file is 5 bytes, too short to hold a safetensors header',
    );
    expectError(() => parseSafetensors(new Uint8Array(0)), SafetensorsError, 'file is 0 bytes');
  });

  it('an absurd header length (a zip / pytorch_model.bin renamed, or noise)', () => {
    const zip = new Uint8Array(64);
    zip.set([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]);
    const length = new DataView(zip.buffer).getBigUint64(0, true);
    expectError(
      () => parseSafetensors(zip),
      SafetensorsError,
      `model.safetensors: header length ${length} is implausible (corrupt file?)`,
    );
    expectError(
      () => parseSafetensors(rawSafetensors('{}', new Uint8Array(0), 0xffffffffffffffffn)),
      SafetensorsError,
      /header length \d+ is implausible/,
    );
  });

  it('a header that is not JSON, or not a JSON object', () => {
    expectError(
      () => parseSafetensors(rawSafetensors('{"a": {"dtype": "F32",')),
      SafetensorsError,
      /^model\.safetensors: header is not valid JSON \(/,
    );
    const badUtf8 = rawSafetensors('{}');
    badUtf8[8] = 0xff;
    expectError(() => parseSafetensors(badUtf8), SafetensorsError, 'header is not valid JSON');
    for (const header of ['[1, 2]', 'null', '42', '"F32"']) {
      expectError(
        () => parseSafetensors(rawSafetensors(header)),
        SafetensorsError,
        'model.safetensors: header is not a JSON object',
      );
    }
    expectError(
      () => parseSafetensors(rawSafetensors('{"w": 3}')),
      SafetensorsError,
      'tensor "w": entry is not an object',
    );
  });

  it('an unsupported dtype is named, with the supported ones', () => {
    for (const dtype of ['I64', 'F64', 'U8']) {
      const size = dtype === 'U8' ? 2 : 16;
      expectError(
        () =>
          parseSafetensors(
            rawSafetensors(
              JSON.stringify({ ids: { dtype, shape: [2], data_offsets: [0, size] } }),
              new Uint8Array(size),
            ),
          ),
        SafetensorsError,
        `model.safetensors: tensor "ids": dtype "${dtype}" is not supported (F32, F16 and BF16 are)`,
      );
    }
  });

  it('a bad shape', () => {
    for (const shape of [[2, -1], [1.5], '2x2', null, [2, '2']]) {
      expectError(
        () =>
          parseSafetensors(
            rawSafetensors(
              JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: [0, 16] } }),
              new Uint8Array(16),
            ),
          ),
        SafetensorsError,
        `tensor "w": shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
      );
    }
  });

  it('data_offsets that do not match shape x dtype size, or are not [begin, end]', () => {
    expectError(
      () =>
        parseSafetensors(
          rawSafetensors(
            JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }),
            new Uint8Array(16),
          ),
        ),
      SafetensorsError,
      'model.safetensors: tensor "w": 12 bytes for shape [2,2] of F32 (expected 16)',
    );
    expectError(
      () =>
        parseSafetensors(
          rawSafetensors(
            JSON.stringify({ w: { dtype: 'BF16', shape: [3], data_offsets: [0, 12] } }),
            new Uint8Array(16),
          ),
        ),
      SafetensorsError,
      'tensor "w": 12 bytes for shape [3] of BF16 (expected 6)',
    );
    for (const offsets of [[16, 0], [0], [0, 16, 32], [-4, 12], 'all', [0, 16.5]]) {
      expectError(
        () =>
          parseSafetensors(
            rawSafetensors(
              JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: offsets } }),
              new Uint8Array(32),
            ),
          ),
        SafetensorsError,
        `tensor "w": data_offsets ${JSON.stringify(offsets)} are not [begin, end]`,
      );
    }
  });

  it('overlapping tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
    };
    expectError(
      () => parseSafetensors(rawSafetensors(JSON.stringify(header), new Uint8Array(24))),
      SafetensorsError,
      'model.safetensors: tensors "a" and "b" overlap',
    );
    // touching is fine, and so are empty tensors and scalars
    const ok = {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      e: { dtype: 'F16', shape: [0, 3], data_offsets: [16, 16] },
      s: { dtype: 'F32', shape: [], data_offsets: [16, 20] },
    };
    const file = parseSafetensors(rawSafetensors(JSON.stringify(ok), new Uint8Array(20)));
    expect([...file.tensors.keys()]).toEqual(['a', 'e', 's']);
    expect(file.tensors.get('s')).toMatchObject({ shape: [], byteLength: 4 });
  });
});

describe('GPT-2 config.json', () => {
  const base = makeGpt2Fixture({ ...SMALL, seed: 3 }).config;

  it('reads the fields the engine needs, with GPT-2 defaults', () => {
    expect(parseGpt2Config(base)).toEqual({
      modelType: 'gpt2',
      nLayer: 2,
      nHead: 4,
      nEmbd: 32,
      nPositions: 16,
      vocabSize: 50257,
      layerNormEpsilon: 1e-5,
      activation: 'gelu_new',
    });
    expect(parseGpt2Config({ model_type: 'gpt2' })).toMatchObject({
      nLayer: 12,
      nHead: 12,
      nEmbd: 768,
      nPositions: 1024,
      layerNormEpsilon: 1e-5,
    });
    expect(parseGpt2Config({ ...base, layer_norm_epsilon: 1e-3 }).layerNormEpsilon).toBe(1e-3);
    expect(parseGpt2Config({ ...base, activation_function: 'gelu_pytorch_tanh' }).activation).toBe(
      'gelu_new',
    );
  });

  it('an unsupported model_type is named, with what is supported', () => {
    expectError(
      () => parseGpt2Config({ ...base, model_type: 'gpt_neox' }),
      ModelConfigError,
      'config.json: model_type "gpt_neox" is not supported; supported: gpt2',
    );
    expectError(
      () => parseGpt2Config({ ...base, model_type: undefined }),
      ModelConfigError,
      'supported: gpt2',
    );
    expectError(() => parseGpt2Config([base]), ModelConfigError, 'config.json: is not a JSON object');
  });

  it('a non-GPT-2 activation', () => {
    expectError(
      () => parseGpt2Config({ ...base, activation_function: 'relu' }),
      ModelConfigError,
      'config.json: activation_function "relu" is not supported; supported: gelu_new, gelu_pytorch_tanh',
    );
    // exact erf GELU is not the tanh approximation GPT-2 was trained with
    expectError(() => parseGpt2Config({ ...base, activation_function: 'gelu' }), ModelConfigError, '"gelu"');
  });

  it('n_embd not divisible by n_head, and other bad numbers', () => {
    expectError(
      () => parseGpt2Config({ ...base, n_embd: 50, n_head: 4 }),
      ModelConfigError,
      'config.json: n_embd 50 is not divisible by n_head 4',
    );
    expectError(
      () => parseGpt2Config({ ...base, n_layer: 0 }),
      ModelConfigError,
      'n_layer must be a positive integer (got 0)',
    );
    expectError(
      () => parseGpt2Config({ ...base, layer_norm_epsilon: -1 }),
      ModelConfigError,
      'layer_norm_epsilon must be a positive number',
    );
    expectError(
      () => parseGpt2Config({ ...base, n_inner: 100 }),
      ModelConfigError,
      'n_inner 100 is not supported (only 4 * n_embd)',
    );
  });
});

describe('GPT-2 tensor names', () => {
  const plain = makeGpt2Fixture({ ...SMALL, seed: 5 });
  const config = parseGpt2Config(plain.config);
  const resolve = (bytes: Uint8Array, cfg = config) => resolveGpt2Weights(parseSafetensors(bytes), cfg);

  it('with and without the `transformer.` prefix (and legacy buffers): identical weights', () => {
    const prefixed = makeGpt2Fixture({ ...SMALL, seed: 5, transformerPrefix: true, legacyBuffers: true });
    const a = parseSafetensors(plain.safetensors);
    const b = parseSafetensors(prefixed.safetensors);
    expect(b.tensors.has('transformer.h.1.attn.bias')).toBe(true);
    expect(b.tensors.has('transformer.h.1.attn.masked_bias')).toBe(true);
    const wa = blockTensors(resolveGpt2Weights(a, config));
    const wb = blockTensors(resolveGpt2Weights(b, config));
    expect(wa).toHaveLength(5 + 12 * SMALL.nLayer);
    wa.forEach(([key, ia], i) => {
      const [, ib] = wb[i]!;
      expect(ib.name, key).toBe(key === 'lmHead' ? 'transformer.wte.weight' : `transformer.${ia.name}`);
      expect(ib.shape, key).toEqual(ia.shape);
      expect(ib.dtype, key).toBe(ia.dtype);
      expectSameBits(tensorAsFloat32(b, ib), tensorAsFloat32(a, ia), key);
    });
  });

  it('skips attn.bias and attn.masked_bias: causal-mask buffers, not weights', () => {
    const prefixed = makeGpt2Fixture({ ...SMALL, seed: 5, transformerPrefix: true, legacyBuffers: true });
    const used = new Set(blockTensors(resolve(prefixed.safetensors)).map(([, info]) => info.name));
    expect(used.has('transformer.h.0.attn.c_attn.bias')).toBe(true);
    expect([...used].some((name) => /(^|\.)attn\.(masked_)?bias$/.test(name))).toBe(false);
    // a buffer of any shape is ignored, even without the prefix
    const odd = rebuild(plain.safetensors, (t) => {
      t.set('h.0.attn.bias', { dtype: 'F32', shape: [7], data: new Float32Array(7) });
      t.set('h.1.attn.masked_bias', { dtype: 'F16', shape: [], data: Float32Array.of(-1e4) });
    });
    expect(() => resolve(odd)).not.toThrow();
  });

  it('lm_head is tied to wte unless the checkpoint has its own', () => {
    const tied = resolve(plain.safetensors);
    expect(tied.lmHeadTied).toBe(true);
    expect(tied.lmHead).toBe(tied.wte);
    const untied = resolve(makeGpt2Fixture({ ...SMALL, seed: 5, untiedLmHead: true }).safetensors);
    expect(untied.lmHeadTied).toBe(false);
    expect(untied.lmHead.name).toBe('lm_head.weight');
    expect(untied.lmHead).not.toBe(untied.wte);
    // with the prefix too
    const renamed = rebuild(makeGpt2Fixture({ ...SMALL, seed: 5, untiedLmHead: true }).safetensors, (t) => {
      t.set('transformer.lm_head.weight', t.get('lm_head.weight')!);
      t.delete('lm_head.weight');
    });
    const w = resolve(renamed);
    expect(w.lmHeadTied).toBe(false);
    expect(w.lmHead.name).toBe('transformer.lm_head.weight');
    // a present lm_head of the wrong shape is an error, not silently tied
    const wrong = rebuild(plain.safetensors, (t) => {
      t.set('lm_head.weight', { dtype: 'F32', shape: [10, 32], data: new Float32Array(320) });
    });
    expectError(
      () => resolve(wrong),
      ModelWeightsError,
      'tensor "lm_head.weight" has shape [10,32], expected [50257,32] from config.json',
    );
  });

  it('a missing tensor is named', () => {
    for (const prefix of ['', 'transformer.']) {
      const source = prefix
        ? makeGpt2Fixture({ ...SMALL, seed: 5, transformerPrefix: true }).safetensors
        : plain.safetensors;
      const missing = rebuild(source, (t) => t.delete(`${prefix}h.1.mlp.c_fc.weight`));
      expectError(
        () => resolve(missing),
        ModelWeightsError,
        'model.safetensors: missing tensor "h.1.mlp.c_fc.weight" (or "transformer.h.1.mlp.c_fc.weight") for a 2-layer GPT-2',
      );
    }
    // a config with more layers than the checkpoint
    expectError(
      () => resolve(plain.safetensors, parseGpt2Config({ ...plain.config, n_layer: 3 })),
      ModelWeightsError,
      'missing tensor "h.2.ln_1.weight"',
    );
  });

  it('a tensor whose shape disagrees with config.json', () => {
    // a Linear-layout ([out, in]) checkpoint instead of GPT-2's Conv1D ([in, out])
    const transposed = rebuild(plain.safetensors, (t) => {
      const w = t.get('h.0.attn.c_attn.weight')!;
      t.set('h.0.attn.c_attn.weight', { ...w, shape: [96, 32] });
    });
    expectError(
      () => resolve(transposed),
      ModelWeightsError,
      'model.safetensors: tensor "h.0.attn.c_attn.weight" has shape [96,32], expected [32,96] from config.json',
    );
    expectError(
      () => resolve(plain.safetensors, parseGpt2Config({ ...plain.config, n_positions: 32, n_ctx: 32 })),
      ModelWeightsError,
      'tensor "wpe.weight" has shape [16,32], expected [32,32] from config.json',
    );
    expectError(
      () => resolve(plain.safetensors, parseGpt2Config({ ...plain.config, vocab_size: 50000 })),
      ModelWeightsError,
      'tensor "wte.weight" has shape [50257,32], expected [50000,32] from config.json',
    );
  });
});

describe('ExternalWeights: where the ONNX graph finds each tensor', () => {
  it('F32 tensors are referenced in the checkpoint bytes, not copied', () => {
    const fixture = makeGpt2Fixture({ ...SMALL, seed: 7, transformerPrefix: true, untiedLmHead: true });
    const file = parseSafetensors(fixture.safetensors);
    const weights = resolveGpt2Weights(file, parseGpt2Config(fixture.config));
    const external = new ExternalWeights(file);
    for (const [key, info] of blockTensors(weights)) {
      const ref = external.ref(info);
      expect(ref, key).toEqual({
        location: 'checkpoint-0.bin',
        offset: info.fileOffset,
        length: info.byteLength,
        stored: 'float32',
      });
      expect(external.ref(info), key).toBe(ref);
    }
    const files = external.files();
    expect(files).toHaveLength(1);
    expect(files[0]!.path).toBe('checkpoint-0.bin');
    expect(files[0]!.data).toBe(fixture.safetensors);
  });

  it('a checkpoint in pieces: each piece is an external file; a tensor across two is copied once', () => {
    const fixture = makeGpt2Fixture({ ...SMALL, seed: 7 });
    const bytes = fixture.safetensors;
    const file = parseSafetensors(bytes);
    const weights = resolveGpt2Weights(file, parseGpt2Config(fixture.config));
    // cut inside the first block's c_fc weight
    const fc = weights.blocks[0]!.mlpFcWeight;
    const cut = fc.fileOffset + 100;
    const pieces = parseSafetensors({
      byteLength: bytes.byteLength,
      pieces: [
        { offset: 0, bytes: bytes.slice(0, cut) },
        { offset: cut, bytes: bytes.slice(cut) },
      ],
    });
    const external = new ExternalWeights(pieces);
    expect(external.ref(weights.wte)).toMatchObject({
      location: 'checkpoint-0.bin',
      offset: weights.wte.fileOffset,
    });
    const proj = weights.blocks[0]!.mlpProjWeight;
    expect(external.ref(proj)).toMatchObject({ location: 'checkpoint-1.bin', offset: proj.fileOffset - cut });
    const across = external.ref(fc);
    expect(across).toMatchObject({ location: 'converted-0.bin', offset: 0, length: fc.byteLength });
    const copy = external.files().find((f) => f.path === 'converted-0.bin')!.data;
    expectSameBits(new Float32Array(copy.slice().buffer), tensorAsFloat32(file, fc), 'c_fc');
  });

  it.each(['F16', 'BF16'] as const)('%s tensors are widened once, each into a file of its own', (dtype) => {
    const fixture = makeGpt2Fixture({ ...SMALL, seed: 8, dtype });
    const file = parseSafetensors(fixture.safetensors);
    const weights = resolveGpt2Weights(file, parseGpt2Config(fixture.config));
    const external = new ExternalWeights(file);
    const tensors = blockTensors(weights).filter(([key]) => key !== 'lmHead'); // tied: the same as wte
    const refs = tensors.map(([key, info], i) => {
      const ref = external.ref(info);
      expect(ref, key).toEqual({
        location: `converted-${i}.bin`,
        offset: 0,
        length: (info.byteLength / 2) * 4,
        stored: 'float32',
      });
      return ref;
    });
    expect(external.ref(weights.lmHead)).toBe(refs[0]);
    const files = new Map(external.files().map((f) => [f.path, f.data]));
    expect(files.size).toBe(tensors.length);
    tensors.forEach(([key, info], i) => {
      const data = files.get(refs[i]!.location)!;
      const values = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
      expectSameBits(values, tensorAsFloat32(file, info), key);
    });
  });

  it('float16 storage: F16 tensors stay in place, F32 ones are rounded once, out-of-range ones stay float32', () => {
    const bytes = writeSafetensors(
      new Map<string, TensorToWrite>([
        ['f16', { dtype: 'F16', shape: [2], data: Float32Array.of(0.5, -2) }],
        ['f32', { dtype: 'F32', shape: [3], data: Float32Array.of(1 / 3, 1e-3, 1000.5) }],
        ['huge', { dtype: 'F32', shape: [2], data: Float32Array.of(1, 70000) }],
      ]),
    );
    const file = parseSafetensors(bytes);
    const external = new ExternalWeights(file);
    const f16 = file.tensors.get('f16')!;
    expect(external.ref(f16, 'float16')).toEqual({
      location: 'checkpoint-0.bin',
      offset: f16.fileOffset,
      length: 4,
      stored: 'float16',
    });
    const rounded = external.ref(file.tensors.get('f32')!, 'float16');
    expect(rounded).toMatchObject({ location: 'converted-0.bin', length: 6, stored: 'float16' });
    const half = new Uint16Array(
      external
        .files()
        .find((f) => f.path === rounded.location)!
        .data.slice().buffer,
    );
    expect(Array.from(half, halfToFloat)).toEqual([0.333251953125, 0.0010004043579101562, 1000.5]);
    expect(external.ref(file.tensors.get('huge')!, 'float16')).toMatchObject({
      stored: 'float32',
      length: 8,
    });
  });

  it('an F32 tensor at an unaligned offset is copied to a file of its own', () => {
    const bytes = writeSafetensors(
      new Map<string, TensorToWrite>([
        ['half', { dtype: 'F16', shape: [1], data: Float32Array.of(1) }],
        ['single', { dtype: 'F32', shape: [2], data: Float32Array.of(3, 4) }],
      ]),
    );
    const file = parseSafetensors(bytes);
    const external = new ExternalWeights(file);
    expect(external.ref(file.tensors.get('single')!)).toEqual({
      location: 'converted-0.bin',
      offset: 0,
      length: 8,
      stored: 'float32',
    });
    expect(Array.from(new Float32Array(external.files()[0]!.data.slice().buffer))).toEqual([3, 4]);
  });
});

describe('layer_norm_epsilon comes from config.json', () => {
  const ort = ortNode as unknown as OrtRuntime;
  const cpu = { executionProviders: ['cpu'], backend: 'cpu' as const };
  const prompt = [464, 3139, 286, 12873, 318];
  const track = [12873, 32955, 50256];
  // a small residual stream (variance ~1e-3) so that eps 1e-3 and 1e-5 normalise it very differently;
  // an untied lm_head keeps the logits spread
  const fixture = makeGpt2Fixture({ ...SMALL, seed: 31, untiedLmHead: true });
  const safetensors = rebuild(fixture.safetensors, (t) => {
    for (const name of ['wte.weight', 'wpe.weight']) {
      const w = t.get(name)!;
      t.set(name, { ...w, data: w.data.map((x) => x * 0.05) });
    }
  });
  const configs = {
    eps3: { ...fixture.config, layer_norm_epsilon: 1e-3 },
    eps5: { ...fixture.config, layer_norm_epsilon: 1e-5 },
  };
  const results: Partial<Record<keyof typeof configs, LensResult>> = {};
  const engines: LensEngine[] = [];

  beforeAll(async () => {
    for (const key of ['eps3', 'eps5'] as const) {
      const engine = await LensEngine.load(
        ort,
        { name: key, config: configs[key], safetensors, tokenizer: gpt2TokenizerJson() },
        cpu,
      );
      engines.push(engine);
      results[key] = await engine.run({ prompts: [prompt], track, topK: 5, positions: 'all' });
    }
  });
  afterAll(async () => {
    for (const engine of engines) await engine.dispose();
  });

  it('the engine matches the float64 reference for eps 1e-3 and for 1e-5, at every state and position', () => {
    const stats = newStats();
    for (const key of ['eps3', 'eps5'] as const) {
      const reference = Gpt2Reference.fromCheckpoint(configs[key], safetensors);
      expect(reference.eps).toBe(configs[key].layer_norm_epsilon);
      const run = reference.forward(prompt);
      const byPosition = results[key]!.prompts[0]!.byPosition!;
      expect(byPosition).toHaveLength(prompt.length);
      byPosition.forEach((states, t) => {
        for (const state of states) expectStateMatches(state, run.logits(state.index, t), stats);
      });
    }
    expect(stats.states).toBe(2 * prompt.length * 5);
    expect(stats.ranksExcusedByTies).toBeLessThanOrEqual(Math.ceil(stats.ranksCompared / 100));
  });

  it('and the two epsilons give clearly different results', () => {
    const last = prompt.length - 1;
    const wrongReference = Gpt2Reference.fromCheckpoint(configs.eps5, safetensors).forward(prompt);
    const a = results.eps3!.prompts[0]!.states;
    const b = results.eps5!.prompts[0]!.states;
    let engineDiff = 0;
    let wrongReferenceDiff = 0;
    a.forEach((state, s) => {
      const other = b[s]!;
      engineDiff = Math.max(engineDiff, Math.abs(state.entropy - other.entropy));
      // the eps 1e-3 engine is far from the eps 1e-5 reference: the agreement above means something
      const p5 = softmax(wrongReference.logits(s, last));
      for (const entry of state.top) {
        wrongReferenceDiff = Math.max(wrongReferenceDiff, Math.abs(entry.prob - p5[entry.id]!));
      }
    });
    console.info(
      `eps 1e-3 vs 1e-5: max entropy difference ${engineDiff}, max prob difference ${wrongReferenceDiff}`,
    );
    expect(engineDiff).toBeGreaterThan(0.01);
    expect(wrongReferenceDiff).toBeGreaterThan(100 * PROB_TOL);
  });
});
