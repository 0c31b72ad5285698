/**
 * NumPy .npy reader and writer (format versions 1.0, 2.0 and 3.0; see numpy/lib/format.py).
 * Layout: magic "\x93NUMPY", major and minor version bytes, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0/3.0), a Python dict literal header, then the raw C-order data.
 * Only little-endian float arrays are supported: that is what o-vectors are released as.
 * Pure TypeScript (no Node APIs): the browser uses it too.
 */
import { CodedError } from './errors.ts';
import { floatToHalf, halfToFloat } from './safetensors.ts';

export type NpyDtype = 'float32' | 'float16' | 'float64';

export interface NpyArray {
  /** Values converted to float32 (float64 input is rounded). */
  data: Float32Array;
  shape: number[];
  /** The dtype as stored in the file. */
  dtype: NpyDtype;
}

/** Every problem with a .npy file is one of these, with a message that names the file and the problem. */
export class NpyError extends CodedError<'bad-npy'> {
  override name = 'NpyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-npy', options);
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float16: 2, float64: 8 };
const KIND_TO_DTYPE: Record<string, NpyDtype> = { f4: 'float32', f2: 'float16', f8: 'float64' };
/** numpy leaves room for the first axis to grow to this many digits (format.GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_AXIS_MAX_DIGITS = 21;
const ARRAY_ALIGN = 64;

export function parseNpy(bytes: Uint8Array, fileName = 'array.npy'): NpyArray {
  const fail = (why: string): never => {
    throw new NpyError(`${fileName}: ${why}`);
  };
  if (bytes.byteLength < 6 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a .npy file (bad magic: the file does not start with "\\x93NUMPY")');
  }
  if (bytes.byteLength < 8) fail(`truncated header: the file is only ${bytes.byteLength} bytes`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3)
    fail(`unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lengthBytes) {
    fail(`truncated header: the file is only ${bytes.byteLength} bytes`);
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.byteLength) {
    fail(
      `truncated header: it should be ${headerLength} bytes but the file has ${bytes.byteLength - headerStart} after the preamble`,
    );
  }
  // 1.0 and 2.0 headers are latin1; 3.0 allows utf8
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart),
  );
  let header: PyValue;
  try {
    header = parsePyLiteral(headerText);
  } catch (error) {
    return fail(`header is not a Python dict literal (${(error as Error).message}): ${headerText.trim()}`);
  }
  if (!(header instanceof Map)) return fail(`header is not a dict: ${headerText.trim()}`);
  const descr = header.get('descr');
  const fortranOrder = header.get('fortran_order');
  const shape = header.get('shape');
  if (descr === undefined || fortranOrder === undefined || shape === undefined) {
    fail(`header lacks one of 'descr', 'fortran_order', 'shape': ${headerText.trim()}`);
  }
  if (typeof descr !== 'string')
    return fail(`unsupported dtype ${pyRepr(descr!)} (structured arrays are not supported)`);
  const dtype = parseDescr(descr, fail);
  if (typeof fortranOrder !== 'boolean')
    fail(`fortran_order must be True or False, got ${pyRepr(fortranOrder!)}`);
  if (fortranOrder === true) {
    fail('fortran_order is True: only C-order arrays are supported (save with np.ascontiguousarray)');
  }
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    return fail(`shape ${pyRepr(shape!)} is not a tuple of non-negative integers`);
  }
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  const itemSize = ITEM_SIZE[dtype];
  const expected = count * itemSize;
  const actual = bytes.byteLength - dataStart;
  if (actual < expected) {
    fail(
      `truncated data: shape ${shapeRepr(dims)} of ${descr} needs ${expected} bytes but the file has ${actual} after the header`,
    );
  }
  // numpy's reader ignores trailing bytes too
  const data = new Float32Array(count);
  if (dtype === 'float32') {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  } else if (dtype === 'float16') {
    for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(dataStart + 2 * i, true));
  } else {
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataStart + 8 * i, true);
  }
  return { data, shape: dims, dtype };
}

function parseDescr(descr: string, fail: (why: string) => never): NpyDtype {
  // '|' (not applicable) and '=' (native) are accepted as little-endian: numpy itself maps '|f4' to native,
  // and every platform that runs this code is little-endian.
  const order = descr[0];
  const hasOrder = order === '<' || order === '>' || order === '=' || order === '|';
  const kind = hasOrder ? descr.slice(1) : descr;
  const dtype = KIND_TO_DTYPE[kind];
  if (dtype === undefined) {
    return fail(
      `unsupported dtype '${descr}' (float32 '<f4', float16 '<f2' and float64 '<f8' are supported)`,
    );
  }
  if (order === '>') {
    return fail(
      `dtype '${descr}' is big-endian; only little-endian is supported (save with arr.astype('<${kind}'))`,
    );
  }
  return dtype;
}

/** Write a C-order array the way numpy.save does (format 1.0, or 2.0 when the header is too long). */
export function writeNpy(
  data: Float32Array,
  shape: number[],
  dtype: 'float32' | 'float16' = 'float32',
): Uint8Array {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new NpyError(`writeNpy: shape ${shapeRepr(shape)} is not a list of non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new NpyError(
      `writeNpy: shape ${shapeRepr(shape)} holds ${count} values but ${data.length} were given`,
    );
  }
  const descr = dtype === 'float32' ? '<f4' : '<f2';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  // numpy's spare room so the first axis can grow in place; kept so files are byte-identical to numpy's
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  // as numpy's _wrap_header: always at least one space of padding, so an aligned header gains a full 64
  const padding = (preamble: number): number => ARRAY_ALIGN - ((preamble + header.length + 1) % ARRAY_ALIGN);
  const preamble = header.length + 1 + padding(10) <= 0xffff ? 10 : 12;
  const padded = preamble + header.length + 1 + padding(preamble);
  header = `${header}${' '.repeat(padding(preamble))}\n`;
  const itemSize = ITEM_SIZE[dtype];
  const out = new Uint8Array(padded + count * itemSize);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = preamble === 10 ? 1 : 2;
  out[7] = 0;
  if (preamble === 10) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  if (dtype === 'float32') {
    for (let i = 0; i < count; i++) view.setFloat32(padded + 4 * i, data[i]!, true);
  } else {
    for (let i = 0; i < count; i++) view.setUint16(padded + 2 * i, floatToHalf(data[i]!), true);
  }
  return out;
}

/**
 * A vector of exactly `expectedLength` values: shapes (n,), (1, n), (n, 1) and the like are accepted,
 * anything with two dimensions larger than 1, another size or non-finite values is rejected.
 */
export function vectorFromNpy(
  bytes: Uint8Array,
  expectedLength: number,
  fileName = 'vector.npy',
): Float32Array {
  const { data, shape } = parseNpy(bytes, fileName);
  const described = `shape ${shapeRepr(shape)} = ${data.length} value${data.length === 1 ? '' : 's'}`;
  if (shape.filter((d) => d !== 1).length > 1) {
    throw new NpyError(
      `${fileName}: array has ${described}, not a vector (at most one dimension may be larger than 1); the model needs ${expectedLength} values`,
    );
  }
  if (data.length !== expectedLength) {
    throw new NpyError(`${fileName}: vector has ${described}, the model needs ${expectedLength}`);
  }
  for (let i = 0; i < data.length; i++) {
    // a NaN or infinity would silently poison every later layer
    if (!Number.isFinite(data[i]!)) {
      throw new NpyError(`${fileName}: vector has a non-finite value (${data[i]}) at index ${i}`);
    }
  }
  return data;
}

/** Python's repr of a shape tuple: (), (5,), (1, 4096). */
export function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

// --- A tiny parser for the Python literals numpy writes in headers: dicts, tuples, lists, strings,
// ints, True/False/None. Enough for 'descr', 'fortran_order' and 'shape'; anything else is an error.

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string): void => {
    skip();
    if (text[i] !== c) throw new Error(`expected '${c}' at ${i}`);
    i++;
  };
  const value = (): PyValue => {
    skip();
    const c = text[i];
    if (c === undefined) throw new Error('unexpected end');
    if (c === '{') {
      i++;
      const map = new Map<string, PyValue>();
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const key = value();
        if (typeof key !== 'string') throw new Error('dict key is not a string');
        expect(':');
        map.set(key, value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new Error(`expected ',' or '}' at ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at ${i}`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const word = /^[A-Za-z_]+|^[-+]?\d+L?/.exec(text.slice(i))?.[0];
    if (word === undefined) throw new Error(`unexpected '${c}' at ${i}`);
    i += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    // Python 2 headers wrote longs as 1024L
    if (/^[-+]?\d+L?$/.test(word)) return Number.parseInt(word, 10);
    throw new Error(`unknown name ${word}`);
  };
  const result = value();
  skip();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return result;
}

function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')}${v.length === 1 ? ',' : ''})`;
  return `{${[...v].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
}
