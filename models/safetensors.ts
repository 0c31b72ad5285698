/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors format):
 * 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
 * The reader validates everything it relies on and never copies tensor bytes.
 */
import { CodedError } from './errors.ts';
import { type FileBytes, fileBytesOf, isFileBytes, type KeepPolicy, readRange } from './fileBytes.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte offset of the tensor's first byte from the start of the file. */
  readonly fileOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsFile {
  /** The file's bytes, possibly in pieces and without the tensors a reader chose not to keep. */
  readonly source: FileBytes;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Every problem with a checkpoint file is one of these, with a message that names the problem. */
export class SafetensorsError extends CodedError<'bad-safetensors'> {
  override name = 'SafetensorsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-safetensors', options);
  }
}

const MAX_HEADER_BYTES = 100_000_000;

export function parseSafetensors(
  bytes: Uint8Array | FileBytes,
  fileName = 'model.safetensors',
): SafetensorsFile {
  const source = isFileBytes(bytes) ? bytes : fileBytesOf(bytes);
  const fail = (why: string): never => {
    throw new SafetensorsError(`${fileName}: ${why}`);
  };
  const size = source.byteLength;
  if (size < 8) fail(`file is ${size} bytes, too short to hold a safetensors header`);
  const headerLength = headerLengthOf(readRange(source, 0, 8));
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} is implausible (corrupt file?)`);
  if (8 + headerLength > size) {
    fail(`truncated: header says ${headerLength} header bytes but the file has ${size - 8}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(readRange(source, 8, headerLength, 'the header')),
    );
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail(`tensor "${name}": entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
      fail(`tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported (F32, F16 and BF16 are)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`tensor "${name}": data_offsets ${JSON.stringify(offsets)} are not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const dt = dtype as SafetensorsDtype;
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== elements * BYTES_PER_ELEMENT[dt]) {
      fail(
        `tensor "${name}": ${end - begin} bytes for shape [${shape}] of ${dt} (expected ${elements * BYTES_PER_ELEMENT[dt]})`,
      );
    }
    if (end > dataLength) {
      fail(
        `truncated: tensor "${name}" ends at byte ${end} of the data section, which has only ${dataLength}`,
      );
    }
    ranges.push([begin, end, name]);
    tensors.set(name, {
      name,
      dtype: dt,
      shape: shape as number[],
      fileOffset: dataStart + begin,
      byteLength: end - begin,
    });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur[0] < prev[1]) fail(`tensors "${prev[2]}" and "${cur[2]}" overlap`);
  }
  return { source, tensors, metadata };
}

function headerLengthOf(first8: Uint8Array): number {
  return Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
}

/**
 * Keeps the header and the tensors a model uses, so that a checkpoint streaming past (download, cache,
 * disk) leaves only those in memory. An unreadable header keeps everything: the parser then says why.
 */
export function safetensorsKeepPolicy(skip: (tensorName: string) => boolean): KeepPolicy {
  return {
    headerBytes: (head) => {
      if (head.byteLength < 8) return 8;
      const n = headerLengthOf(head);
      return n > MAX_HEADER_BYTES ? 8 : 8 + n;
    },
    ranges: (head, length) => {
      const all: Array<[number, number]> = [[0, length]];
      if (head.byteLength < 8) return all;
      const n = headerLengthOf(head);
      if (head.byteLength < 8 + n) return all;
      let header: Record<string, { data_offsets?: unknown }>;
      try {
        header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + n)));
      } catch {
        return all;
      }
      const ranges: Array<[number, number]> = [[0, 8 + n]];
      const tensors = Object.entries(header)
        .filter(([name]) => name !== '__metadata__' && !skip(name))
        .map(([, entry]) => entry?.data_offsets)
        .filter((o): o is [number, number] => Array.isArray(o) && o.length === 2)
        .map(([b, e]) => [8 + n + b, Math.min(length, 8 + n + e)] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      for (const [b, e] of tensors) {
        const last = ranges[ranges.length - 1]!;
        if (b <= last[1]) last[1] = Math.max(last[1], e);
        else if (e > b) ranges.push([b, e]);
      }
      return ranges;
    },
  };
}

/** The tensor's bytes: a view when one piece holds them (the usual case), else a copy. */
export function tensorBytes(file: SafetensorsFile, info: TensorInfo): Uint8Array {
  return readRange(file.source, info.fileOffset, info.byteLength, `tensor "${info.name}"`);
}

/** Decode one IEEE half-precision value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Encode to IEEE half precision, rounding to nearest even. */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | half;
}

/** The tensor as float32 values: a view when the bytes are aligned F32, else a converted copy. */
export function tensorAsFloat32(file: SafetensorsFile, info: TensorInfo): Float32Array {
  const raw = tensorBytes(file, info);
  const n = info.byteLength / BYTES_PER_ELEMENT[info.dtype];
  if (info.dtype === 'F32') {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, n);
    return new Float32Array(raw.slice().buffer);
  }
  const out = new Float32Array(n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (info.dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

export interface TensorToWrite {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** float32 values; converted to the dtype on write. */
  readonly data: Float32Array;
}

/** Serialise tensors in the safetensors layout (header padded to 8 bytes, as the reference writer does). */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.data.length * BYTES_PER_ELEMENT[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    if (t.dtype === 'F32') {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
      at += t.data.byteLength;
    } else {
      const u32 = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      for (let i = 0; i < t.data.length; i++) {
        const bits = t.dtype === 'F16' ? floatToHalf(t.data[i]!) : bf16Round(u32[i]!);
        view.setUint16(at, bits, true);
        at += 2;
      }
    }
  }
  return out;
}

function bf16Round(bits: number): number {
  // NaN stays a (quiet) NaN: rounding its payload could carry into infinity or wrap into the sign bit
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  // round to nearest even on the dropped 16 bits
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}
