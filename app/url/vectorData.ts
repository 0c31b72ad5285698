/**
 * Vectors in links and decks: float16, little-endian, base64url ("data"). A 1024-d vector is 2,048
 * bytes -> 2,731 characters. Part of the schema (app/url/stateSchema.ts), kept apart as its codec.
 */
import { CodedError } from '../../models/errors.ts';
import { floatToHalf, halfToFloat } from '../../models/safetensors.ts';

/** Largest vector a link may carry (values); GPT-2 XL is 1,600. */
export const MAX_VECTOR_DIM = 16_384;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** base64url without padding. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]!;
    if (b !== undefined) out += B64[(n >> 6) & 63]!;
    if (c !== undefined) out += B64[n & 63]!;
  }
  return out;
}

export class Base64Error extends CodedError<'bad-base64'> {
  override name = 'Base64Error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-base64', options);
  }
}

/** Strict base64url (no padding, no whitespace); throws Base64Error. */
export function base64UrlDecode(textIn: string): Uint8Array {
  if (textIn.length % 4 === 1) throw new Base64Error('bad base64 (impossible length)');
  const out = new Uint8Array(Math.floor((textIn.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < textIn.length; i++) {
    const code = textIn.charCodeAt(i);
    const v = code < 128 ? B64_INDEX[code]! : -1;
    if (v < 0) throw new Base64Error(`bad base64 (character ${JSON.stringify(textIn[i])} at ${i})`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** IEEE half bits of `value`, rounded to nearest even (overflow gives infinity): the checkpoint reader's. */
export const toFloat16Bits = floatToHalf;
export const fromFloat16Bits = halfToFloat;

/** A vector as link data: float16 (relative error <= 2^-11 per normal value). Throws on non-finite or > 65504. */
export function encodeVector(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const h = toFloat16Bits(values[i]!);
    if ((h & 0x7c00) === 0x7c00)
      throw new RangeError(`value ${values[i]} at ${i} does not fit in float16 (finite, |x| <= 65504)`);
    view.setUint16(2 * i, h, true);
  }
  return base64UrlEncode(bytes);
}

/** Why `data` is not a usable vector, or null when it is. */
export function checkVectorData(data: unknown): string | null {
  if (typeof data !== 'string') return 'not text';
  if (data.length > Math.ceil((MAX_VECTOR_DIM * 2 * 4) / 3))
    return `more than ${MAX_VECTOR_DIM.toLocaleString('en')} values`;
  let bytes: Uint8Array;
  try {
    bytes = base64UrlDecode(data);
  } catch (e) {
    return (e as Error).message;
  }
  if (bytes.length === 0) return 'empty';
  if (bytes.length % 2 !== 0) return `${bytes.length} bytes is not a whole number of float16 values`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length; i += 2) {
    if ((view.getUint16(i, true) & 0x7c00) === 0x7c00) return `value ${i / 2} is not a finite number`;
  }
  return null;
}

/** Number of values in valid vector data (base64 length -> bytes -> halves). */
export function vectorDataLength(data: string): number {
  return Math.floor((data.length * 3) / 4 / 2);
}

/** The vector in `data`; throws (RangeError or Base64Error) when `data` is not valid vector data. */
export function decodeVector(data: string): Float32Array {
  const why = checkVectorData(data);
  if (why) throw new RangeError(`not vector data: ${why}`);
  const bytes = base64UrlDecode(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(view.getUint16(2 * i, true));
  return out;
}
