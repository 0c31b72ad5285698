/** Vectors as link data: float16 and base64url. */
import { describe, expect, it } from 'vitest';
import {
  base64UrlDecode,
  base64UrlEncode,
  decodeVector,
  encodeVector,
  fromFloat16Bits,
  toFloat16Bits,
} from '../app/url/vectorData.ts';
import { seededRandom } from '../models/fixtures.ts';
import { vector } from './support/stateFixtures.ts';

describe('float16 vectors', () => {
  it('a 1024-d vector: 2,731 characters, relative error < 1e-3', () => {
    const v = vector(1024);
    const data = encodeVector(v);
    expect(data).toHaveLength(2731);
    const back = decodeVector(data);
    expect(back).toHaveLength(1024);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      const y = back[i]!;
      err += (x - y) ** 2;
      norm += x ** 2;
      // per value: half a unit in the last place of an 11-bit significand, for normal halves
      if (Math.abs(x) >= 2 ** -14) expect(Math.abs(x - y) / Math.abs(x)).toBeLessThanOrEqual(2 ** -11);
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-3);
  });

  it('every finite half survives a round trip through float32', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
    }
  });

  it('rounds to nearest even, handles zeros, subnormals, overflow and NaN', () => {
    expect(toFloat16Bits(0)).toBe(0);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(toFloat16Bits(2 ** -24)).toBe(1);
    expect(toFloat16Bits(2 ** -26)).toBe(0);
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(2); // 1.5 ulp -> even
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway -> even (down)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway -> even (up)
    expect(toFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
    expect(fromFloat16Bits(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('refuses what float16 cannot hold, and data that is not a vector', () => {
    expect(() => encodeVector([1, Number.NaN])).toThrow(RangeError);
    expect(() => encodeVector([Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => encodeVector([1e5])).toThrow(/does not fit in float16/);
    expect(encodeVector([])).toBe('');
    expect(() => decodeVector('')).toThrow(/empty/);
    expect(() => decodeVector('AAA-w')).toThrow(/bad base64/);
    expect(() => decodeVector('AAAA')).toThrow(/whole number/);
    expect(Array.from(decodeVector(encodeVector([0.5, -3, 0])))).toEqual([0.5, -3, 0]);
  });
});

describe('base64url', () => {
  it('matches Node for every length, and decodes back', () => {
    const r = seededRandom(3);
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const text = base64UrlEncode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(Array.from(base64UrlDecode(text))).toEqual(Array.from(bytes));
    }
  });

  it('is strict about its alphabet and length', () => {
    expect(() => base64UrlDecode('A')).toThrow(/impossible length/);
    expect(() => base64UrlDecode('AB==')).toThrow(/bad base64/);
    expect(() => base64UrlDecode('AB CD')).toThrow(/bad base64/);
  });
});
