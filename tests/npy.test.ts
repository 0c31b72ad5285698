import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NpyError, parseNpy, shapeRepr, vectorFromNpy, writeNpy } from '../models/npy.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ovectorDir = path.resolve(repoRoot, '../shared/reference/ovectors');

/** Build a .npy file by hand, independently of writeNpy, so the reader is not only checked against the writer. */
function handMade(
  header: string,
  data: Uint8Array,
  options: { major?: number; minor?: number; lengthOverride?: number } = {},
): Uint8Array {
  const major = options.major ?? 1;
  const pre = major === 1 ? 10 : 12;
  const headerBytes =
    major === 3 ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0) & 0xff);
  const out = new Uint8Array(pre + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, options.minor ?? 0]);
  const view = new DataView(out.buffer);
  const len = options.lengthOverride ?? headerBytes.length;
  if (major === 1) view.setUint16(8, len, true);
  else view.setUint32(8, len, true);
  out.set(headerBytes, pre);
  out.set(data, pre + headerBytes.length);
  return out;
}

function f32Bytes(values: number[], littleEndian = true): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setFloat32(4 * i, v, littleEndian);
  return out;
}

function expectNpyError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NpyError);
  expect((caught as Error).message).toMatch(pattern);
}

/** Independent IEEE half decode via bit manipulation into a float32 (no halfToFloat). */
function halfViaBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  const f = new DataView(new ArrayBuffer(4));
  if (exp === 0x1f) {
    f.setUint32(0, sign | 0x7f800000 | (mant << 13));
  } else if (exp === 0) {
    if (mant === 0) {
      f.setUint32(0, sign);
    } else {
      // subnormal half: normalise into a float32
      let e = -1;
      do {
        e++;
        mant <<= 1;
      } while ((mant & 0x400) === 0);
      f.setUint32(0, sign | ((127 - 15 - e) << 23) | ((mant & 0x3ff) << 13));
    }
  } else {
    f.setUint32(0, sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
  return f.getFloat32(0);
}

describe('writeNpy / parseNpy round trips', () => {
  it('float32 1-D, byte layout as numpy writes it', () => {
    const data = Float32Array.from([1, -2.5, 3.25, 1e-30, 65504, Number.MAX_VALUE / 1e300]);
    const bytes = writeNpy(data, [6]);
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, bytes.length - 24));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(6,\), \} +\n$/);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect((bytes.length - 24) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.dtype).toBe('float32');
    expect(back.shape).toEqual([6]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('float16 2-D, values exactly representable survive', () => {
    const data = Float32Array.from([0, -0, 1, -1, 0.5, 65504, 2 ** -24, -(2 ** -14), 1.5, 1024]);
    const bytes = writeNpy(data, [2, 5], 'float16');
    expect((bytes.length - 20) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.dtype).toBe('float16');
    expect(back.shape).toEqual([2, 5]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(Object.is(back.data[1], -0)).toBe(true);
  });

  it('float16 rounds to nearest', () => {
    const back = parseNpy(writeNpy(Float32Array.from([0.1, 1 / 3, 1e5]), [3], 'float16'));
    expect(back.data[0]).toBeCloseTo(0.0999755859375, 12);
    expect(back.data[1]).toBeCloseTo(0.333251953125, 12);
    expect(back.data[2]).toBe(Number.POSITIVE_INFINITY);
  });

  it('scalars, empty arrays and 3-D shapes', () => {
    const scalar = parseNpy(writeNpy(Float32Array.from([7]), []));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([7]);
    const empty = parseNpy(writeNpy(new Float32Array(0), [0, 3]));
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.data.length).toBe(0);
    const cube = Float32Array.from({ length: 24 }, (_, i) => i * 0.5);
    const back = parseNpy(writeNpy(cube, [2, 3, 4]));
    expect(back.shape).toEqual([2, 3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(cube));
  });

  it('headers that land exactly on 64 still get padding, as numpy pads', () => {
    // every header ends in '\n' and the data always starts on a multiple of 64
    for (let n = 1; n < 2000; n += 37) {
      const bytes = writeNpy(new Float32Array(n), [n]);
      const hlen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + hlen) % 64).toBe(0);
      expect(bytes[10 + hlen - 1]).toBe(0x0a);
      expect(parseNpy(bytes).shape).toEqual([n]);
    }
  });

  it('reads data at an unaligned offset inside a larger buffer', () => {
    const bytes = writeNpy(Float32Array.from([1, 2, 3]), [3]);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(Array.from(parseNpy(big.subarray(3)).data)).toEqual([1, 2, 3]);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => writeNpy(new Float32Array(3), [2, 2])).toThrow(NpyError);
    expect(() => writeNpy(new Float32Array(3), [-3])).toThrow(NpyError);
  });
});

describe('parseNpy: hand-made files', () => {
  const header = (descr: string, shape = '(3,)', fortran = 'False') =>
    `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

  it('reads format 2.0 and 3.0 headers', () => {
    const data = f32Bytes([1, 2, 3]);
    for (const major of [2, 3]) {
      const back = parseNpy(handMade(header('<f4'), data, { major }));
      expect(Array.from(back.data)).toEqual([1, 2, 3]);
    }
  });

  it("accepts '=' and '|' byte orders, a missing one, and reordered keys with double quotes", () => {
    const data = f32Bytes([1, 2, 3]);
    for (const descr of ['=f4', '|f4', 'f4']) {
      expect(Array.from(parseNpy(handMade(header(descr), data)).data)).toEqual([1, 2, 3]);
    }
    const odd = `{"shape": (3,), "fortran_order": False, "descr": "<f4"}\n`;
    expect(Array.from(parseNpy(handMade(odd, data)).data)).toEqual([1, 2, 3]);
  });

  it('reads float64 (rounded to float32) and reports the stored dtype', () => {
    const raw = new Uint8Array(16);
    const view = new DataView(raw.buffer);
    view.setFloat64(0, Math.PI, true);
    view.setFloat64(8, -1e-3, true);
    const back = parseNpy(handMade(header('<f8', '(2,)'), raw));
    expect(back.dtype).toBe('float64');
    expect(back.data[0]).toBe(Math.fround(Math.PI));
    expect(back.data[1]).toBe(Math.fround(-1e-3));
  });

  it('reads Python 2 long shapes (1024L)', () => {
    const back = parseNpy(handMade(header('<f4', '(3L,)'), f32Bytes([4, 5, 6])));
    expect(back.shape).toEqual([3]);
  });

  it('rejects bad magic', () => {
    expectNpyError(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all')), /bad magic/);
    expectNpyError(() => parseNpy(new Uint8Array(0), 'v.npy'), /^v\.npy: .*bad magic/);
  });

  it('rejects a truncated header', () => {
    const full = handMade(header('<f4'), f32Bytes([1, 2, 3]));
    expectNpyError(() => parseNpy(full.subarray(0, 7)), /truncated header/);
    expectNpyError(() => parseNpy(full.subarray(0, 9)), /truncated header/);
    expectNpyError(() => parseNpy(full.subarray(0, 30)), /truncated header/);
  });

  it('rejects truncated data, saying expected and actual bytes', () => {
    const full = handMade(header('<f4'), f32Bytes([1, 2, 3]));
    expectNpyError(
      () => parseNpy(full.subarray(0, full.length - 5), 'x.npy'),
      /^x\.npy: truncated data.*12 bytes.*has 7/,
    );
  });

  it('rejects fortran_order True', () => {
    expectNpyError(
      () => parseNpy(handMade(header('<f4', '(3,)', 'True'), f32Bytes([1, 2, 3]))),
      /fortran_order is True/,
    );
  });

  it('rejects unsupported dtypes by name', () => {
    expectNpyError(() => parseNpy(handMade(header('<i4'), f32Bytes([1, 2, 3]))), /unsupported dtype '<i4'/);
    expectNpyError(() => parseNpy(handMade(header('|u1'), new Uint8Array(3))), /unsupported dtype '\|u1'/);
    expectNpyError(() => parseNpy(handMade(header('<c8'), new Uint8Array(24))), /unsupported dtype '<c8'/);
    const structured = `{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }\n`;
    expectNpyError(() => parseNpy(handMade(structured, f32Bytes([1, 2, 3]))), /unsupported dtype/);
  });

  it('rejects big-endian', () => {
    expectNpyError(() => parseNpy(handMade(header('>f4'), f32Bytes([1, 2, 3], false))), /big-endian/);
    expectNpyError(() => parseNpy(handMade(header('>f2'), new Uint8Array(6))), /big-endian/);
  });

  it('rejects malformed headers and versions', () => {
    expectNpyError(() => parseNpy(handMade('not a dict\n', f32Bytes([1]))), /header is not a Python dict/);
    expectNpyError(() => parseNpy(handMade("{'descr': '<f4'}\n", f32Bytes([1]))), /lacks/);
    expectNpyError(() => parseNpy(handMade(header('<f4', '(-1,)'), f32Bytes([1]))), /shape/);
    expectNpyError(
      () => parseNpy(handMade(header('<f4'), f32Bytes([1, 2, 3]), { major: 9 })),
      /version 9\.0/,
    );
  });
});

describe('vectorFromNpy', () => {
  it('accepts (n,), (1, n), (n, 1) and (1, 1, n)', () => {
    const v = Float32Array.from([1, 2, 3, 4]);
    for (const shape of [[4], [1, 4], [4, 1], [1, 1, 4]]) {
      expect(Array.from(vectorFromNpy(writeNpy(v, shape), 4))).toEqual([1, 2, 3, 4]);
    }
  });

  it('rejects a wrong length, naming the shape and what the model needs', () => {
    expectNpyError(
      () =>
        vectorFromNpy(
          writeNpy(new Float32Array(4096), [1, 4096], 'float16'),
          1024,
          'city_capital_o13_gptj.npy',
        ),
      /^city_capital_o13_gptj\.npy: vector has shape \(1, 4096\) = 4096 values, the model needs 1024$/,
    );
    expectNpyError(
      () => vectorFromNpy(writeNpy(new Float32Array(3), [3]), 4),
      /shape \(3,\) = 3 values.*needs 4/,
    );
  });

  it('rejects a matrix even when the size matches', () => {
    expectNpyError(
      () => vectorFromNpy(writeNpy(new Float32Array(4), [2, 2]), 4),
      /shape \(2, 2\).*not a vector/,
    );
  });

  it('rejects non-finite values', () => {
    expectNpyError(
      () => vectorFromNpy(writeNpy(Float32Array.from([1, Number.NaN]), [2]), 2),
      /non-finite.*index 1/,
    );
  });

  it('shapeRepr follows Python', () => {
    expect(shapeRepr([])).toBe('()');
    expect(shapeRepr([5])).toBe('(5,)');
    expect(shapeRepr([1, 4096])).toBe('(1, 4096)');
  });
});

const haveOvectors = existsSync(ovectorDir);
if (!haveOvectors) {
  console.warn(`npy.test: ${ovectorDir} is absent; skipping checks against the paper's released o-vectors`);
}

describe.skipIf(!haveOvectors)("the paper's released o-vectors (../shared/reference/ovectors)", () => {
  const files = haveOvectors ? readdirSync(ovectorDir).filter((f) => f.endsWith('.npy')) : [];
  const read = (f: string) => new Uint8Array(readFileSync(path.join(ovectorDir, f)));

  it('holds the gpt2-medium and GPT-J files', () => {
    expect(files.filter((f) => f.endsWith('_gpt2-medium.npy')).length).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => f.endsWith('_gptj.npy')).length).toBeGreaterThanOrEqual(3);
  });

  it('gpt2-medium vectors: float32 (1024,), finite, plausible norm', () => {
    for (const f of files.filter((x) => x.endsWith('_gpt2-medium.npy'))) {
      const arr = parseNpy(read(f), f);
      expect(arr.dtype, f).toBe('float32');
      expect(arr.shape, f).toEqual([1024]);
      expect(arr.data.every(Number.isFinite), f).toBe(true);
      const norm = Math.hypot(...arr.data);
      expect(norm, f).toBeGreaterThan(0.1);
      expect(norm, f).toBeLessThan(1e4);
      expect(vectorFromNpy(read(f), 1024, f).length).toBe(1024);
      expectNpyError(
        () => vectorFromNpy(read(f), 4096, f),
        /vector has shape \(1024,\) = 1024 values, the model needs 4096/,
      );
    }
  });

  it('GPT-J vectors: float16 (1, 4096); the decode matches an independent bit-level decode', () => {
    for (const f of files.filter((x) => x.endsWith('_gptj.npy'))) {
      const bytes = read(f);
      const arr = parseNpy(bytes, f);
      expect(arr.dtype, f).toBe('float16');
      expect(arr.shape, f).toEqual([1, 4096]);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const dataStart = bytes.length - 4096 * 2;
      for (let i = 0; i < 4096; i++) {
        expect(arr.data[i]).toBe(halfViaBits(view.getUint16(dataStart + 2 * i, true)));
      }
      expect(arr.data.every(Number.isFinite), f).toBe(true);
      const norm = Math.hypot(...arr.data);
      expect(norm, f).toBeGreaterThan(0.1);
      expect(norm, f).toBeLessThan(1e4);
      expectNpyError(
        () => vectorFromNpy(bytes, 1024, f),
        /vector has shape \(1, 4096\) = 4096 values, the model needs 1024/,
      );
      expect(vectorFromNpy(bytes, 4096, f).length).toBe(4096);
    }
  });

  it('writeNpy reproduces every file byte for byte', () => {
    for (const f of files) {
      const bytes = read(f);
      const arr = parseNpy(bytes, f);
      const again = writeNpy(arr.data, arr.shape, arr.dtype === 'float16' ? 'float16' : 'float32');
      expect(Buffer.from(again).equals(Buffer.from(bytes)), f).toBe(true);
    }
  });
});

describe('halfViaBits (the test helper) agrees with known bit patterns', () => {
  it('decodes', () => {
    expect(halfViaBits(0x3c00)).toBe(1);
    expect(halfViaBits(0xc000)).toBe(-2);
    expect(halfViaBits(0x7bff)).toBe(65504);
    expect(halfViaBits(0x0001)).toBe(2 ** -24);
    expect(halfViaBits(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfViaBits(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfViaBits(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(halfViaBits(0x8000), -0)).toBe(true);
  });
});
