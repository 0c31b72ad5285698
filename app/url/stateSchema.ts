/**
 * The shareable state: what a link carries (versioned schema), and its validator. A link is data
 * from anyone: every field is checked for type, range and length, and a bad field falls back to its
 * default with a human-readable problem instead of failing the whole link. Strings are kept as text
 * and never interpreted (no HTML). Checks that need the model (block range, vector length) are in
 * `validateAgainstModel`, run once the model is loaded. Pure: no DOM, no React.
 *
 * Vectors travel as float16, little-endian, base64url ("data"); the helpers are here because the
 * format is part of the schema. A 1024-d vector is 2,048 bytes -> 2,731 characters.
 */

import { floatToHalf, halfToFloat } from '../../models/safetensors.ts';
import type { InterventionMode } from '../../workers/engine/types.ts';
import type { ModelSource, SublayerKind, VectorRecipe } from '../store/domain.ts';

export const SCHEMA_VERSION = 1;

export const LIMITS = {
  prompt: 20_000,
  name: 100,
  vectorId: 64,
  vectors: 64,
  slots: 200,
  tracked: 1_000,
  repo: 96,
  revision: 100,
  /** Largest vector a link may carry (values); GPT-2 XL is 1,600. */
  vectorDim: 16_384,
} as const;

/** Hugging Face repo ids: "gpt2" or "owner/name". */
export const REPO_PATTERN = /^[\w.-]+(\/[\w.-]+)?$/;
/** Branch, tag or commit; branch names may contain "/". */
export const REVISION_PATTERN = /^[\w.-]+(\/[\w.-]+)*$/;
/** Both end up in a Hub URL path: no "." or ".." segments, nothing starting with "." or "-". */
const safePath = (s: string): boolean => !s.includes('..') && s.split('/').every((seg) => /^\w/.test(seg));
export const VECTOR_ID_PATTERN = /^[\w.-]+$/;
/** A shipped vector file: relative, plain segments, .npy. */
export const VECTOR_ASSET_PATTERN = /^[\w-]+(\/[\w.-]+)*\.npy$/;
export const isVectorAsset = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 200 && VECTOR_ASSET_PATTERN.test(v) && safePath(v);

// the link carries the app's own domain types: one definition for both
export type { SublayerKind, VectorRecipe } from '../store/domain.ts';
export type ModelRef = ModelSource;

export interface SharedVector {
  id: string;
  name: string;
  /** Where the vector came from; recomputed on open when there is no data. */
  recipe?: VectorRecipe;
  /** An imported (or frozen) vector: float16 little-endian, base64url (`encodeVector`). */
  data?: string;
  /**
   * A .npy file the app itself ships, relative to its `vectors/` folder (the paper's released
   * o-vectors: "paper/city_capital_o19_gpt2-medium.npy"). Never a URL: a link cannot make the app fetch
   * from elsewhere.
   */
  asset?: string;
}

export interface InterventionSlot {
  block: number;
  kind: SublayerKind;
  mode: InterventionMode;
  /** Required for 'replace' and 'add'; dropped for 'zero'. */
  vectorId?: string;
  /** For 'add' only (default 1). */
  scale?: number;
}

export interface SharedView {
  rows: 'blocks' | 'all';
  rank: 'reciprocal' | 'log';
  front: 'heatmap' | 'rank' | 'compare';
}

export interface SharedStateV1 {
  v: 1;
  model: ModelRef;
  prompt: string;
  /** Token ids, may be empty. */
  tracked: number[];
  view: SharedView;
  vectors: SharedVector[];
  interventions: { scope: 'all' | 'last'; slots: InterventionSlot[] };
}

export type SharedState = SharedStateV1;

export interface Validated {
  state: SharedStateV1;
  /** Human-readable, one sentence each; empty when the input was fully valid. */
  problems: string[];
}

/** The same prompt as the store's default, kept here so the schema stays free of app imports. */
export const DEFAULT_PROMPT =
  'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';

export function defaultState(): SharedStateV1 {
  return {
    v: 1,
    model: { source: 'builtin' },
    prompt: DEFAULT_PROMPT,
    tracked: [],
    view: { rows: 'blocks', rank: 'reciprocal', front: 'heatmap' },
    vectors: [],
    interventions: { scope: 'all', slots: [] },
  };
}

// ---------------------------------------------------------------------------------------------
// Validation

type Problems = string[];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, safe rendering of a bad value for a problem message. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a non-finite number';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isRecord(v)) return 'an object';
  if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') return `a ${typeof v}`;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const isBlock = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Cut to `max` UTF-16 units without leaving half a surrogate pair. */
export function cut(text: string, max: number): string {
  let out = text.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}

function oneOf<T extends string>(
  obj: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T,
  path: string,
  problems: Problems,
): T {
  const v = obj[key];
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  problems.push(`${path}.${key}: ${show(v)} is not one of ${allowed.join(', ')}; using ${fallback}`);
  return fallback;
}

/** Text up to `max` characters (longer is cut), or null with a problem; `fallback` says what replaces it. */
function text(v: unknown, max: number, path: string, problems: Problems, fallback = ''): string | null {
  if (typeof v !== 'string') {
    problems.push(`${path} ${v === undefined ? 'is missing' : 'is not text'}${fallback}`);
    return null;
  }
  if (v.length > max) {
    const n = (x: number) => x.toLocaleString('en');
    problems.push(`${path} has ${n(v.length)} characters, more than ${n(max)}; cut to ${n(max)}`);
    return cut(v, max);
  }
  return v;
}

/** A model reference, or null (with a problem ending in `fallback`) when unusable. */
function modelRef(v: unknown, path: string, problems: Problems, fallback = ''): ModelRef | null {
  if (!isRecord(v)) {
    problems.push(`${path} ${v === undefined ? 'is missing' : 'is not a model reference'}${fallback}`);
    return null;
  }
  if (v.source === 'builtin') return { source: 'builtin' };
  if (v.source !== 'hub') {
    problems.push(`${path}.source: ${show(v.source)} is not builtin or hub${fallback}`);
    return null;
  }
  const repo = v.repo;
  if (typeof repo !== 'string' || repo.length > LIMITS.repo || !REPO_PATTERN.test(repo) || !safePath(repo)) {
    problems.push(`${path}.repo: ${show(repo)} is not a Hugging Face repository id${fallback}`);
    return null;
  }
  let revision = 'main';
  if (v.revision === undefined) problems.push(`${path}.revision is missing; using main`);
  else if (
    typeof v.revision !== 'string' ||
    v.revision.length > LIMITS.revision ||
    !REVISION_PATTERN.test(v.revision) ||
    !safePath(v.revision)
  )
    problems.push(`${path}.revision: ${show(v.revision)} is not a revision; using main`);
  else revision = v.revision;
  return { source: 'hub', repo, revision };
}

/** A recipe, or undefined: anything wrong drops it (a cut prompt would be a different recipe). */
function recipe(v: unknown, path: string, problems: Problems): VectorRecipe | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    problems.push(`${path} is not an object; dropped`);
    return undefined;
  }
  const model = modelRef(v.model, `${path}.model`, problems);
  const prompt = text(v.prompt, LIMITS.prompt, `${path}.prompt`, problems);
  const { block, kind } = v;
  if (!isBlock(block)) problems.push(`${path}.block: ${show(block)} is not a block number`);
  if (kind !== 'ffn' && kind !== 'attn') problems.push(`${path}.kind: ${show(kind)} is not ffn or attn`);
  const whole = prompt !== null && prompt.length === (v.prompt as string).length;
  if (model && prompt !== null && whole && isBlock(block) && (kind === 'ffn' || kind === 'attn'))
    return { model, prompt, block, kind };
  problems.push(`${path}: dropped`);
  return undefined;
}

function vectors(v: unknown, problems: Problems): SharedVector[] {
  if (v === undefined) {
    problems.push('vectors is missing; using none');
    return [];
  }
  if (!Array.isArray(v)) {
    problems.push('vectors is not a list; using none');
    return [];
  }
  if (v.length > LIMITS.vectors)
    problems.push(
      `vectors: ${v.length} vectors, more than ${LIMITS.vectors}; kept the first ${LIMITS.vectors}`,
    );
  const out: SharedVector[] = [];
  const ids = new Set<string>();
  v.slice(0, LIMITS.vectors).forEach((item, i) => {
    const path = `vectors[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${path} is not an object; dropped`);
      return;
    }
    const id = item.id;
    if (typeof id !== 'string' || id.length > LIMITS.vectorId || !VECTOR_ID_PATTERN.test(id)) {
      problems.push(`${path}.id: ${show(id)} is not a vector id; dropped`);
      return;
    }
    if (ids.has(id)) {
      problems.push(`${path}.id: ${show(id)} is used twice; dropped the second`);
      return;
    }
    const name = text(item.name, LIMITS.name, `${path}.name`, problems, '; using the id') ?? id;
    const vector: SharedVector = { id, name };
    const r = recipe(item.recipe, `${path}.recipe`, problems);
    if (r) vector.recipe = r;
    if (item.data !== undefined) {
      const why = checkVectorData(item.data);
      if (why) problems.push(`${path}.data: ${why}; dropped`);
      else vector.data = item.data as string;
    }
    if (item.asset !== undefined) {
      if (isVectorAsset(item.asset)) vector.asset = item.asset;
      else
        problems.push(
          `${path}.asset: ${show(item.asset)} is not a file of the app's vectors folder; dropped`,
        );
    }
    if (!vector.recipe && vector.data === undefined && vector.asset === undefined) {
      problems.push(`${path} (${show(name)}) has neither a recipe, data nor a file; dropped`);
      return;
    }
    ids.add(id);
    out.push(vector);
  });
  return out;
}

function slots(v: unknown, vectorIds: ReadonlySet<string>, problems: Problems): InterventionSlot[] {
  if (v === undefined) {
    problems.push('interventions.slots is missing; using none');
    return [];
  }
  if (!Array.isArray(v)) {
    problems.push('interventions.slots is not a list; using none');
    return [];
  }
  if (v.length > LIMITS.slots)
    problems.push(
      `interventions.slots: ${v.length} slots, more than ${LIMITS.slots}; kept the first ${LIMITS.slots}`,
    );
  const out: InterventionSlot[] = [];
  const taken = new Set<string>();
  v.slice(0, LIMITS.slots).forEach((item, i) => {
    const path = `interventions.slots[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${path} is not an object; dropped`);
      return;
    }
    const { block, kind, mode } = item;
    if (!isBlock(block)) {
      problems.push(`${path}.block: ${show(block)} is not a block number; dropped`);
      return;
    }
    if (kind !== 'ffn' && kind !== 'attn') {
      problems.push(`${path}.kind: ${show(kind)} is not ffn or attn; dropped`);
      return;
    }
    if (mode !== 'replace' && mode !== 'add' && mode !== 'zero') {
      problems.push(`${path}.mode: ${show(mode)} is not replace, add or zero; dropped`);
      return;
    }
    // the engine takes one intervention per (block, sublayer)
    const key = `${kind}:${block}`;
    if (taken.has(key)) {
      problems.push(`${path}: a second ${kind} slot for block ${block}; kept the first`);
      return;
    }
    const slot: InterventionSlot = { block, kind, mode };
    if (mode !== 'zero') {
      const vectorId = item.vectorId;
      if (typeof vectorId !== 'string' || !vectorIds.has(vectorId)) {
        problems.push(`${path}.vectorId: ${show(vectorId)} names no vector of the link; dropped`);
        return;
      }
      slot.vectorId = vectorId;
    }
    if (mode === 'add' && item.scale !== undefined) {
      if (typeof item.scale === 'number' && Number.isFinite(item.scale)) slot.scale = item.scale;
      else problems.push(`${path}.scale: ${show(item.scale)} is not a finite number; using 1`);
    }
    taken.add(key);
    out.push(slot);
  });
  return out;
}

function tracked(v: unknown, problems: Problems): number[] {
  if (v === undefined) {
    problems.push('tracked is missing; using none');
    return [];
  }
  if (!Array.isArray(v)) {
    problems.push('tracked is not a list; using none');
    return [];
  }
  if (v.length > LIMITS.tracked)
    problems.push(
      `tracked: ${v.length} tokens, more than ${LIMITS.tracked}; kept the first ${LIMITS.tracked}`,
    );
  const ok = v.slice(0, LIMITS.tracked).filter(isBlock);
  const bad = Math.min(v.length, LIMITS.tracked) - ok.length;
  if (bad > 0)
    problems.push(
      `tracked: dropped ${bad} ${bad === 1 ? 'entry that is' : 'entries that are'} not a token id`,
    );
  return [...new Set(ok)];
}

function version(v: unknown, problems: Problems): void {
  if (v === SCHEMA_VERSION) return;
  if (v === undefined) problems.push('the link has no version; read as version 1');
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v > SCHEMA_VERSION)
    problems.push(
      `the link is from a newer version of LensLab (v: ${v}); read as version 1, so some settings may be lost`,
    );
  else problems.push(`the link has an unknown version (v: ${show(v)}); read as version 1`);
}

/**
 * The nearest valid state to `raw` and what was wrong with it. Never throws. Unknown fields are
 * ignored (older or newer links stay readable); missing or wrong fields take their default.
 */
export function validateState(raw: unknown): Validated {
  const problems: Problems = [];
  const state = defaultState();
  if (!isRecord(raw)) {
    problems.push('the link does not hold a state; using the defaults');
    return { state, problems };
  }
  version(raw.v, problems);

  state.model = modelRef(raw.model, 'model', problems, '; using the built-in model') ?? state.model;
  state.prompt = text(raw.prompt, LIMITS.prompt, 'prompt', problems, '; using the default') ?? state.prompt;

  state.tracked = tracked(raw.tracked, problems);

  if (!isRecord(raw.view))
    problems.push(
      raw.view === undefined
        ? 'view is missing; using the default'
        : 'view is not an object; using the default',
    );
  else {
    state.view = {
      rows: oneOf(raw.view, 'rows', ['blocks', 'all'] as const, 'blocks', 'view', problems),
      rank: oneOf(raw.view, 'rank', ['reciprocal', 'log'] as const, 'reciprocal', 'view', problems),
      front: oneOf(raw.view, 'front', ['heatmap', 'rank', 'compare'] as const, 'heatmap', 'view', problems),
    };
  }

  state.vectors = vectors(raw.vectors, problems);

  const iv = raw.interventions;
  if (!isRecord(iv))
    problems.push(
      iv === undefined
        ? 'interventions is missing; using none'
        : 'interventions is not an object; using none',
    );
  else {
    state.interventions = {
      scope: oneOf(iv, 'scope', ['all', 'last'] as const, 'all', 'interventions', problems),
      slots: slots(iv.slots, new Set(state.vectors.map((x) => x.id)), problems),
    };
  }
  return { state, problems };
}

export interface ModelShape {
  nLayer: number;
  nEmbd: number;
  /** When given, tracked ids outside the vocabulary are dropped. */
  vocabSize?: number;
}

const sameModel = (a: ModelRef, b: ModelRef): boolean =>
  a.source === b.source &&
  (a.source === 'builtin' || (b.source === 'hub' && a.repo === b.repo && a.revision === b.revision));

/**
 * The checks that need the loaded model: slot blocks in range, imported vectors of length nEmbd,
 * recipe blocks in range when the recipe is for this model, tracked ids in the vocabulary. Drops
 * what does not fit (and the slots that used a dropped vector). Does not mutate `state`.
 */
export function validateAgainstModel(state: SharedStateV1, model: ModelShape): Validated {
  const problems: Problems = [];
  const blocks = `blocks 0-${model.nLayer - 1}`;
  const vectors: SharedVector[] = [];
  state.vectors.forEach((v, i) => {
    const path = `vectors[${i}]`;
    const next: SharedVector = { ...v };
    if (next.data !== undefined) {
      const dim = vectorDataLength(next.data);
      if (dim !== model.nEmbd) {
        problems.push(`${path}.data: ${dim} values, but this model's vectors have ${model.nEmbd}; dropped`);
        delete next.data;
      }
    }
    if (next.recipe && sameModel(next.recipe.model, state.model) && next.recipe.block >= model.nLayer) {
      problems.push(
        `${path}.recipe.block: ${next.recipe.block} is not a block of this model (${blocks}); dropped`,
      );
      delete next.recipe;
    }
    if (!next.recipe && next.data === undefined && next.asset === undefined) {
      problems.push(`${path} (${show(v.name)}): nothing usable is left; dropped`);
      return;
    }
    vectors.push(next);
  });
  const ids = new Set(vectors.map((v) => v.id));
  const slots = state.interventions.slots.filter((s, i) => {
    const path = `interventions.slots[${i}]`;
    if (s.block >= model.nLayer) {
      problems.push(`${path}.block: ${s.block} is not a block of this model (${blocks}); dropped`);
      return false;
    }
    if (s.vectorId !== undefined && !ids.has(s.vectorId)) {
      problems.push(`${path}: its vector ${show(s.vectorId)} was dropped; dropped`);
      return false;
    }
    return true;
  });
  let tracked = state.tracked;
  const vocab = model.vocabSize;
  if (vocab !== undefined) {
    tracked = tracked.filter((id) => id < vocab);
    const bad = state.tracked.length - tracked.length;
    if (bad > 0)
      problems.push(
        `tracked: dropped ${bad} token ${bad === 1 ? 'id' : 'ids'} outside the vocabulary (${vocab})`,
      );
  }
  return {
    state: { ...state, tracked, vectors, interventions: { ...state.interventions, slots } },
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Vector data: float16, little-endian, base64url

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

export class Base64Error extends Error {
  override name = 'Base64Error';
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
function checkVectorData(data: unknown): string | null {
  if (typeof data !== 'string') return 'not text';
  if (data.length > Math.ceil((LIMITS.vectorDim * 2 * 4) / 3))
    return `more than ${LIMITS.vectorDim.toLocaleString('en')} values`;
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
function vectorDataLength(data: string): number {
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
