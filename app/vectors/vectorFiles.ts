/**
 * O-vector files: import from .npy (what the paper's authors released) or .json, export to .npy
 * (float32 (d,), as numpy.save writes it) or to a LensLab JSON list that keeps names and recipes.
 * Pure: no DOM, no Node APIs.
 */
import { CodedError } from '../../models/errors.ts';
import { NpyError, vectorFromNpy, writeNpy } from '../../models/npy.ts';
import type { ModelSource, VectorEntry, VectorRecipe } from '../domain.ts';

/** Every refused import is one of these; the message names the file and the reason. */
export class VectorFileError extends CodedError<'bad-vector-file'> {
  override name = 'VectorFileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-vector-file', options);
  }
}

export interface ImportedVector {
  name: string;
  data: Float32Array;
  /** Kept when the file is a LensLab export of a captured vector. */
  recipe?: VectorRecipe;
}

export const VECTORS_JSON_FORMAT = 'lenslab-vectors';
export const VECTORS_JSON_VERSION = 1;

/** The export format of `exportVectorsJson`. */
export interface VectorsJson {
  format: typeof VECTORS_JSON_FORMAT;
  version: number;
  vectors: Array<{
    name: string;
    recipe?: VectorRecipe;
    importedFrom?: string;
    norm: number;
    data: number[];
  }>;
}

/** Euclidean norm, accumulated in double precision. */
export function vectorNorm(data: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]! * data[i]!;
  return Math.sqrt(sum);
}

/** The file name without folders and without its extension: "o_city" for "dl/o_city.npy". */
export function baseName(fileName: string): string {
  const leaf = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = leaf.lastIndexOf('.');
  return dot > 0 ? leaf.slice(0, dot) : leaf;
}

/**
 * Read every vector in a file. `.npy` holds one; `.json` may hold several (a LensLab export,
 * or {vectors: [...]}). Refused, with the reason, when a size does not match `dModel`.
 */
export function importVectors(fileName: string, bytes: Uint8Array, dModel: number): ImportedVector[] {
  if (!Number.isSafeInteger(dModel) || dModel <= 0) {
    throw new VectorFileError(`${fileName}: no model is loaded to check the vector size against`);
  }
  if (bytes.byteLength === 0) throw new VectorFileError(`${fileName}: the file is empty`);
  const kind = fileKind(fileName, bytes);
  if (kind === 'npy') {
    try {
      return [{ name: baseName(fileName), data: vectorFromNpy(bytes, dModel, fileName) }];
    } catch (error) {
      if (error instanceof NpyError) throw new VectorFileError(error.message, { cause: error });
      throw error;
    }
  }
  if (kind === 'json') return importJson(fileName, bytes, dModel);
  throw new VectorFileError(`${fileName}: not a vector file (.npy or .json expected)`);
}

/** Read a file that holds exactly one vector; one with several is refused (use importVectors). */
export function importVectorFile(
  name: string,
  bytes: Uint8Array,
  dModel: number,
): { name: string; data: Float32Array; recipe?: VectorRecipe } {
  const all = importVectors(name, bytes, dModel);
  if (all.length !== 1) {
    throw new VectorFileError(`${name}: holds ${all.length} vectors, expected one`);
  }
  return all[0]!;
}

function fileKind(fileName: string, bytes: Uint8Array): 'npy' | 'json' | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.json')) return 'json';
  // no usable extension (a drag from another app): sniff the content
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return 'npy';
  const first = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart()[0];
  return first === '[' || first === '{' ? 'json' : undefined;
}

function importJson(fileName: string, bytes: Uint8Array, dModel: number): ImportedVector[] {
  const fail = (why: string): never => {
    throw new VectorFileError(`${fileName}: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  const base = baseName(fileName);
  if (Array.isArray(parsed)) return [{ name: base, data: jsonVector(parsed, dModel, fail, '') }];
  if (!isRecord(parsed)) return fail('expected a list of numbers, {name, vector} or {vectors: [...]}');
  if (parsed.format !== undefined && parsed.format !== VECTORS_JSON_FORMAT) {
    fail(`unknown format ${JSON.stringify(parsed.format)} (expected "${VECTORS_JSON_FORMAT}")`);
  }
  if (typeof parsed.version === 'number' && parsed.version > VECTORS_JSON_VERSION) {
    fail(
      `written by a newer LensLab (format version ${parsed.version}; this one reads ${VECTORS_JSON_VERSION})`,
    );
  }
  if (parsed.vectors === undefined) return [jsonEntry(parsed, base, dModel, fail, '')];
  if (!Array.isArray(parsed.vectors)) return fail('"vectors" is not a list');
  if (parsed.vectors.length === 0) return fail('"vectors" is empty');
  const many = parsed.vectors.length > 1;
  return parsed.vectors.map((entry, i) => {
    const where = `vectors[${i}]`;
    if (!isRecord(entry)) return fail(`${where} is not an object with a vector`);
    return jsonEntry(entry, many ? `${base} ${i + 1}` : base, dModel, fail, `${where}: `);
  });
}

function jsonEntry(
  entry: Record<string, unknown>,
  fallbackName: string,
  dModel: number,
  fail: (why: string) => never,
  where: string,
): ImportedVector {
  // LensLab exports call it data; hand-written files tend to say vector
  const values = entry.data ?? entry.vector;
  if (!Array.isArray(values)) return fail(`${where}no "vector" (or "data") list of numbers`);
  const name = typeof entry.name === 'string' && entry.name.trim() !== '' ? entry.name.trim() : fallbackName;
  const recipe = parseRecipe(entry.recipe);
  return { name, data: jsonVector(values, dModel, fail, where), ...(recipe ? { recipe } : {}) };
}

function jsonVector(
  values: unknown[],
  dModel: number,
  fail: (why: string) => never,
  where: string,
): Float32Array {
  // [[...]] with one row, like numpy's (1, d)
  const flat = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  if (flat.length !== dModel) {
    fail(`${where}vector has ${flat.length} value${flat.length === 1 ? '' : 's'}, the model needs ${dModel}`);
  }
  const out = new Float32Array(flat.length);
  for (const [i, v] of flat.entries()) {
    // JSON has no NaN: a null here is what JSON.stringify makes of one
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      fail(`${where}value ${i} is ${JSON.stringify(v)}, not a finite number`);
    }
    out[i] = v as number;
  }
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A recipe from a file is kept only when it is complete; a partial one is dropped, not trusted. */
function parseRecipe(x: unknown): VectorRecipe | undefined {
  if (!isRecord(x)) return undefined;
  const { model, prompt, block, kind } = x;
  if (typeof prompt !== 'string' || !Number.isSafeInteger(block) || (block as number) < 0) return undefined;
  if (kind !== 'ffn' && kind !== 'attn') return undefined;
  let source: ModelSource;
  if (isRecord(model) && model.source === 'builtin') source = { source: 'builtin' };
  else if (
    isRecord(model) &&
    model.source === 'hub' &&
    typeof model.repo === 'string' &&
    typeof model.revision === 'string'
  ) {
    source = { source: 'hub', repo: model.repo, revision: model.revision };
  } else return undefined;
  return { model: source, prompt, block: block as number, kind };
}

/** float32 (d,), byte-identical to numpy.save of the same array. */
export function exportVectorNpy(entry: Pick<VectorEntry, 'data'>): Uint8Array {
  return writeNpy(entry.data, [entry.data.length], 'float32');
}

/** The LensLab JSON export; float32 values survive the round trip exactly. */
export function exportVectorsJson(
  entries: ReadonlyArray<Pick<VectorEntry, 'name' | 'data'> & Partial<VectorEntry>>,
): string {
  const doc: VectorsJson = {
    format: VECTORS_JSON_FORMAT,
    version: VECTORS_JSON_VERSION,
    vectors: entries.map((e) => ({
      name: e.name,
      ...(e.recipe ? { recipe: e.recipe } : {}),
      ...(e.importedFrom ? { importedFrom: e.importedFrom } : {}),
      norm: vectorNorm(e.data),
      data: Array.from(e.data),
    })),
  };
  return `${JSON.stringify(doc)}\n`;
}

/** A download name: the vector's name with characters file systems dislike replaced. */
export function exportFileName(name: string, format: 'npy' | 'json'): string {
  const safe = name
    .trim()
    .replace(/[\\/:*?"<>|\p{Cc}]+/gu, '_')
    .replace(/^\.+/, '');
  return `${safe === '' ? 'vector' : safe}.${format}`;
}
