/**
 * The shareable state: what a link carries (versioned schema), and its validator. A link is data
 * from anyone: every field is checked for type, range and length, and a bad field falls back to its
 * default with a human-readable problem instead of failing the whole link. Strings are kept as text
 * and never interpreted (no HTML). Checks that need the model (block range, vector length) are in
 * `validateAgainstModel` (app/url/fitToModel.ts), run once the model is loaded. Vectors travel as
 * float16 ("data", app/url/vectorData.ts). Pure: no DOM, no React.
 */

import { cut, isRecord, keysOf, reportUnknownKeys, show } from './schemaValues.ts';
import type {
  InterventionSlot,
  ModelRef,
  SharedStateV1,
  SharedVector,
  SharedView,
  Validated,
  VectorRecipe,
} from './stateTypes.ts';
import { checkVectorData, MAX_VECTOR_DIM } from './vectorData.ts';

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
  vectorDim: MAX_VECTOR_DIM,
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

// importers keep one path for the schema and its types
export type {
  InterventionSlot,
  ModelRef,
  SharedState,
  SharedStateV1,
  SharedVector,
  SharedView,
  SublayerKind,
  Validated,
  VectorRecipe,
} from './stateTypes.ts';

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

/** The keys each object of a link may have: any other is reported (and ignored). */
const KEYS = {
  state: keysOf<SharedStateV1>({
    v: true,
    model: true,
    prompt: true,
    tracked: true,
    view: true,
    vectors: true,
    interventions: true,
  }),
  model: keysOf<ModelRef>({ source: true, repo: true, revision: true }),
  view: keysOf<SharedView>({ rows: true, rank: true, front: true }),
  vector: keysOf<SharedVector>({ id: true, name: true, recipe: true, data: true, asset: true }),
  recipe: keysOf<VectorRecipe>({ model: true, prompt: true, block: true, kind: true }),
  interventions: keysOf<SharedStateV1['interventions']>({ scope: true, slots: true }),
  slot: keysOf<InterventionSlot>({ block: true, kind: true, mode: true, vectorId: true, scale: true }),
};

const isBlock = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

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
  reportUnknownKeys(v, KEYS.model, path, problems);
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
  reportUnknownKeys(v, KEYS.recipe, path, problems);
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
    reportUnknownKeys(item, KEYS.vector, path, problems);
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
    reportUnknownKeys(item, KEYS.slot, path, problems);
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
 * ignored, so older or newer links stay readable, but named among the problems (a misspelled key
 * would otherwise be lost without a word); missing or wrong fields take their default. `root` names
 * the state itself in problems about its own keys ("state" in a deck's slide; nothing in a link).
 */
export function validateState(raw: unknown, root = ''): Validated {
  const problems: Problems = [];
  const state = defaultState();
  if (!isRecord(raw)) {
    problems.push('the link does not hold a state; using the defaults');
    return { state, problems };
  }
  version(raw.v, problems);
  reportUnknownKeys(raw, KEYS.state, root, problems);

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
    reportUnknownKeys(raw.view, KEYS.view, 'view', problems);
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
    reportUnknownKeys(iv, KEYS.interventions, 'interventions', problems);
    state.interventions = {
      scope: oneOf(iv, 'scope', ['all', 'last'] as const, 'all', 'interventions', problems),
      slots: slots(iv.slots, new Set(state.vectors.map((x) => x.id)), problems),
    };
  }
  return { state, problems };
}
