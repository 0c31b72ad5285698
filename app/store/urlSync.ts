/**
 * The URL hash as a projection of the store (app/url codec): written (debounced, replaceState) as the
 * state changes, read once on open. A link's vectors come as data (used at once) or as recipes
 * (recomputed by vectorSlice.materializeVectors once their model is loaded).
 */

import type { ModelSource, VectorEntry } from '../domain.ts';
import { decodeState, encodeState } from '../url/codec.ts';
import { validateAgainstModel } from '../url/fitToModel.ts';
import type { InterventionSlot, SharedStateV1, SharedVector } from '../url/stateSchema.ts';
import { decodeVector, encodeVector } from '../url/vectorData.ts';
import { vectorNorm } from '../vectors/vectorFiles.ts';
import type { LensStore } from './lensStore.ts';
import { sameSource, sourceName } from './modelSlice.ts';
import type { Pins } from './tracking.ts';
import type { LensState } from './types.ts';

/** The window as far as the hash is concerned (a fake in tests). */
export interface UrlTarget {
  /** With or without '#'. */
  getHash(): string;
  /** Replaces the current history entry's hash (no new entry, no hashchange). */
  replaceHash(hash: string): void;
  /** The page's URL without the hash. */
  baseUrl(): string;
}

export function windowUrlTarget(win: Window = window): UrlTarget {
  return {
    getHash: () => win.location.hash,
    replaceHash: (hash) => {
      const url = new URL(win.location.href);
      url.hash = hash;
      win.history.replaceState(win.history.state, '', url.href);
    },
    baseUrl: () => {
      const url = new URL(win.location.href);
      url.hash = '';
      return url.href.replace(/#$/, '');
    },
  };
}

/** Most a link carries; the ones slots use go first. */
const MAX_LINK_VECTORS = 64;

/** The shareable state of the store. */
export function toSharedState(s: LensState): SharedStateV1 {
  const used = new Set(s.interventions.slots.map((slot) => slot.vectorId).filter((id) => id !== undefined));
  const shared: SharedVector[] = [];
  const add = (v: VectorEntry): void => {
    if (v.asset)
      shared.push({ id: v.id, name: v.name, asset: v.asset, ...(v.recipe ? { recipe: v.recipe } : {}) });
    else if (v.recipe) shared.push({ id: v.id, name: v.name, recipe: v.recipe });
    // an imported vector has no recipe: it travels as data, but only when a slot uses it (links stay short)
    else if (used.has(v.id)) shared.push({ id: v.id, name: v.name, data: encodeVector(v.data) });
  };
  // a deck's vectors (talk mode's look-ahead adds the next slide's) travel only once a slot uses them:
  // presenting never rewrites the address bar with what is not on screen
  const transient = new Set(s.transientVectorIds);
  const linked = (id: string): boolean => used.has(id) || !transient.has(id);
  for (const v of s.vectors) if (used.has(v.id)) add(v);
  for (const p of s.pendingVectors) if (linked(p.id)) shared.push(p);
  for (const v of s.vectors) if (!used.has(v.id) && linked(v.id)) add(v);
  const vectors = shared.slice(0, MAX_LINK_VECTORS);
  const ids = new Set(vectors.map((v) => v.id));
  const slots: InterventionSlot[] = s.interventions.slots
    .filter((slot) => slot.mode === 'zero' || (slot.vectorId !== undefined && ids.has(slot.vectorId)))
    .map((slot) => ({
      block: slot.block,
      kind: slot.kind,
      mode: slot.mode,
      ...(slot.mode !== 'zero' ? { vectorId: slot.vectorId } : {}),
      ...(slot.mode === 'add' && slot.scale !== undefined ? { scale: slot.scale } : {}),
    }));
  // pinned tokens travel as [argument, answer] as shown; nothing pinned: the receiver proposes its own
  const pinned = s.pins.argument || s.pins.answer;
  const argument = s.pins.argument?.id ?? s.tracked.argument?.id;
  const answer = s.pins.answer?.id ?? s.tracked.answer?.id;
  const tracked = pinned && argument !== undefined && answer !== undefined ? [argument, answer] : [];
  return {
    v: 1,
    // a link's model that waits for a click is still the link's model: a reload in the meantime must
    // offer it again, not fall back to the built-in model shown meanwhile
    model: s.pendingModel?.source ?? s.modelSource,
    prompt: s.prompt,
    tracked,
    view: { ...s.view },
    vectors,
    interventions: { scope: s.interventions.scope, slots },
  };
}

export function pinsOf(tracked: number[]): Pins {
  const [argument, answer = argument] = tracked;
  if (argument === undefined || answer === undefined) return {};
  return { argument: { id: argument }, answer: { id: answer } };
}

export interface OpenedLink {
  /** The model the link asks for. */
  model: ModelSource;
  /** The decoded state, for the checks that need the model (checkLinkAgainstModel). */
  shared: SharedStateV1;
}

/**
 * Brings a decoded state's vectors into the store: data used at once, shipped files fetched, recipes
 * left pending until their model is loaded (materializeVectors). Vectors already in the store are
 * kept. `transient`: they belong to a deck and are not saved to the library. Returns what could not
 * be used, one sentence each.
 */
export async function addSharedVectors(
  store: LensStore,
  shared: SharedStateV1,
  options: { transient?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const s = store.getState();
  const have = new Set(s.vectors.map((v) => v.id));
  const ready: VectorEntry[] = [];
  const pending: SharedVector[] = [];
  const entry = (v: SharedVector, data: Float32Array, asset?: string): VectorEntry => ({
    id: v.id,
    name: v.name,
    ...(v.recipe ? { recipe: v.recipe } : {}),
    ...(asset ? { asset } : {}),
    data,
    norm: vectorNorm(data),
    promotes: [],
    createdAt: Date.now(),
  });
  for (const v of shared.vectors) {
    if (have.has(v.id)) continue;
    if (v.data !== undefined) {
      ready.push(entry(v, decodeVector(v.data)));
    } else if (v.asset !== undefined) {
      const loader = store.deps.vectorAssets;
      try {
        if (!loader) throw new Error('this app has no vector files');
        ready.push(entry(v, (await loader.load(v.asset)).data, v.asset));
      } catch (error) {
        if (v.recipe) pending.push(v);
        else problems.push(`vector “${v.name}”: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (v.recipe) {
      pending.push(v);
      if (!sameSource(v.recipe.model, shared.model))
        problems.push(
          `vector “${v.name}” was captured on ${sourceName(v.recipe.model)}; load that model to recompute it`,
        );
    }
  }
  s.addPendingVectors(pending, options.transient ? shared.vectors.map((v) => v.id) : []);
  // link and deck vectors are not written to the library: the link or deck itself keeps them
  s.addVectors(ready, false);
  return problems;
}

/**
 * Applies a decoded state to the store: its vectors (addSharedVectors), then prompt, view,
 * interventions and pins. Returns what could not be used, one sentence each.
 */
export async function applySharedState(
  store: LensStore,
  shared: SharedStateV1,
  options: { transient?: boolean } = {},
): Promise<string[]> {
  const problems = await addSharedVectors(store, shared, options);
  const s = store.getState();
  s.setPrompt(shared.prompt);
  s.setView(shared.view);
  s.setInterventions({
    scope: shared.interventions.scope,
    slots: shared.interventions.slots.map((slot) => ({ ...slot })),
  });
  s.setPins(pinsOf(shared.tracked));
  return problems;
}

/**
 * Reads the hash and applies it to the store (call after the library was loaded: vectors already in
 * it are not replaced). Returns undefined when the hash is empty.
 */
export async function openLink(store: LensStore, hash: string): Promise<OpenedLink | undefined> {
  if (hash.replace(/^#/, '').trim() === '') return undefined;
  const { state: shared, problems } = await decodeState(hash);
  problems.push(...(await applySharedState(store, shared)));
  store.getState().addLinkProblems(problems);
  return { model: shared.model, shared };
}

/**
 * The checks that need the loaded model (block ranges, vector sizes, vocabulary): drops the slots and
 * pins that do not fit and returns the problems.
 */
export function fitStateToModel(store: LensStore, shared: SharedStateV1): string[] {
  const s = store.getState();
  if (!s.info) return [];
  const { state, problems } = validateAgainstModel(shared, {
    nLayer: s.info.nLayer,
    nEmbd: s.info.nEmbd,
    vocabSize: s.info.vocabSize,
  });
  if (problems.length === 0) return [];
  const keep = new Set(state.interventions.slots.map((slot) => `${slot.kind}:${slot.block}`));
  s.setInterventions({
    ...s.interventions,
    slots: s.interventions.slots.filter((slot) => keep.has(`${slot.kind}:${slot.block}`)),
  });
  if (state.tracked.length !== shared.tracked.length) s.setPins(pinsOf(state.tracked));
  return problems;
}

/** Once the link's model is loaded: block ranges, vector sizes, vocabulary; drops what does not fit. */
export function checkLinkAgainstModel(store: LensStore, link: OpenedLink): void {
  store.getState().addLinkProblems(fitStateToModel(store, link.shared));
}

/** The full URL of the current state. */
export async function shareUrl(store: LensStore, target: UrlTarget): Promise<string> {
  return `${target.baseUrl()}#${await encodeState(toSharedState(store.getState()))}`;
}

/** The fields the link is made of: anything else changing (streamed rows) does not touch the URL. */
const projected = (s: LensState): unknown[] => [
  s.modelSource,
  s.pendingModel?.source,
  s.prompt,
  s.pins,
  s.tracked,
  s.view,
  s.vectors,
  s.pendingVectors,
  s.interventions,
];

/** Keeps the hash equal to the store's state, debounced. Returns stop(). */
export function startUrlSync(store: LensStore, target: UrlTarget, debounceMs = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing = 0;
  const write = async (): Promise<void> => {
    timer = undefined;
    const seq = ++writing;
    const hash = await encodeState(toSharedState(store.getState()));
    if (seq !== writing) return;
    if (target.getHash().replace(/^#/, '') !== hash) target.replaceHash(hash);
    if (store.getState().sharedHash !== hash) store.getState().setSharedHash(hash);
  };
  const unsubscribe = store.subscribe((s, prev) => {
    const a = projected(s);
    const b = projected(prev);
    if (a.every((x, i) => x === b[i])) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    // a new model (or a link's model on offer) is written at once: a reload right after a load must
    // find it in the address bar; typing and other edits are debounced
    if (a[0] !== b[0] || a[1] !== b[1]) void write();
    else timer = setTimeout(() => void write(), debounceMs);
  });
  void write();
  return () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
    writing++;
  };
}
