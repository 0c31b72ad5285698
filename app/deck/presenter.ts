/**
 * Shows the deck's current slide in the live app: applies its state to the lens store (loading its
 * model when another one is loaded), falls back to the built-in model when its model cannot be
 * loaded, and, once the slide's views are finished, computes the next slide's runs ahead (look-ahead)
 * so that moving on shows them at once. It measures key press -> finished views for each slide.
 */

import type { LensStore } from '../store/lensStore.ts';
import { sameSource, sourceName } from '../store/modelSlice.ts';
import type { PrefetchState } from '../store/runController.ts';
import { addSharedVectors, applySharedState, fitStateToModel, pinsOf } from '../store/urlSync.ts';
import { validateAgainstModel } from '../url/fitToModel.ts';
import type { SharedStateV1 } from '../url/stateSchema.ts';
import { activeDeck, type DeckStore } from './deckStore.ts';
import type { Slide } from './deckTypes.ts';

export interface PresenterDeps {
  lens: LensStore;
  decks: DeckStore;
  /** The run controller's look-ahead (runController.ts). */
  prefetch: (next: PrefetchState) => Promise<boolean>;
  /** Resolves once no run is scheduled or in flight. */
  idle: () => Promise<void>;
}

const BUILTIN = { source: 'builtin' } as const;

/** The slide as it runs on the built-in model: its own fallback, or its state with the model swapped. */
export function builtinVersion(slide: Slide): SharedStateV1 {
  return slide.fallback ?? { ...slide.state, model: BUILTIN };
}

const modelKey = (state: SharedStateV1): string => JSON.stringify(state.model);

export function startPresenter(deps: PresenterDeps): () => void {
  const { lens, decks, prefetch, idle } = deps;
  /** Models that failed to load this session, with why: later slides do not wait for them again. */
  const failed = new Map<string, string>();
  let showing = 0;
  let lastKey = '';

  /** The state a slide runs now, and whether that is its built-in stand-in. */
  const stateFor = (slide: Slide): { state: SharedStateV1; onBuiltin: boolean; modelProblem?: string } => {
    const d = decks.getState();
    const why = failed.get(modelKey(slide.state));
    if (
      slide.state.model.source !== 'builtin' &&
      (d.builtinSlides.includes(slide.id) || (why && slide.fallback))
    )
      return { state: builtinVersion(slide), onBuiltin: true, ...(why ? { modelProblem: why } : {}) };
    return { state: slide.state, onBuiltin: false, ...(why ? { modelProblem: why } : {}) };
  };

  /** Loads `state`'s model unless it is the one loaded; resolves the load error, or undefined. */
  const ensureModel = async (state: SharedStateV1): Promise<string | undefined> => {
    const s = lens.getState();
    if (s.modelStatus === 'ready' && sameSource(s.modelSource, state.model)) return undefined;
    const ok = await lens.getState().loadModel(state.model);
    if (ok) return undefined;
    const error = lens.getState().loadError?.message ?? 'it could not be loaded';
    return `${sourceName(state.model)} could not be loaded: ${error}`;
  };

  /** Shipped vector files first: applying the state afterwards then takes no network round trip. */
  const preloadAssets = async (state: SharedStateV1): Promise<void> => {
    const loader = lens.deps.vectorAssets;
    if (!loader) return;
    await Promise.all(
      state.vectors.map((v) => (v.asset ? loader.load(v.asset).catch(() => undefined) : undefined)),
    );
  };

  const show = async (pressedAt: number): Promise<void> => {
    const seq = ++showing;
    const d = decks.getState();
    d.setAheadIndex(undefined);
    const deck = activeDeck(d);
    const slide = deck?.slides[d.index];
    if (!deck || !slide) return;
    const index = d.index;
    const current = (): boolean => seq === showing && decks.getState().presenting;
    let { state, onBuiltin, modelProblem } = stateFor(slide);
    d.setSlideStatus({
      slideId: slide.id,
      onBuiltin,
      ...(modelProblem ? { modelProblem } : {}),
      problems: [],
      ready: false,
    });

    await preloadAssets(state);
    if (!current()) return;
    const loadProblem = await ensureModel(state);
    if (!current()) return;
    if (loadProblem) {
      failed.set(modelKey(state), loadProblem);
      modelProblem = loadProblem;
      if (!slide.fallback) {
        // no stand-in given: the slide says so and offers the built-in model (useBuiltinFor)
        d.setSlideStatus({ slideId: slide.id, onBuiltin: false, modelProblem, problems: [], ready: false });
        return;
      }
      state = builtinVersion(slide);
      onBuiltin = true;
      await preloadAssets(state);
      const again = await ensureModel(state);
      if (!current()) return;
      if (again) {
        d.setSlideStatus({ slideId: slide.id, onBuiltin, modelProblem: again, problems: [], ready: false });
        return;
      }
    }
    const problems = await applySharedState(lens, state, { transient: true });
    problems.push(...fitStateToModel(lens, state));
    if (!current()) return;
    decks.getState().setSlideStatus({
      slideId: slide.id,
      onBuiltin,
      ...(modelProblem ? { modelProblem } : {}),
      problems,
      ready: false,
    });
    await lens.getState().materializeVectors();
    await idle();
    if (!current()) return;
    const s = lens.getState();
    const ms = performance.now() - pressedAt;
    const cached =
      !!s.runStats.cached?.control && (s.intervened === undefined || !!s.runStats.cached?.intervened);
    const dNow = decks.getState();
    dNow.setSlideStatus({ ...dNow.slideStatus!, ready: true });
    dNow.addTiming({ index, ms, cached, lookAhead: dNow.lookAhead });
    if (dNow.lookAhead) await lookAhead(index + 1, seq);
  };

  /** Computes the next slide's runs on the loaded model (a slide on another model cannot be). */
  const lookAhead = async (index: number, seq: number): Promise<void> => {
    const slide = activeDeck(decks.getState())?.slides[index];
    if (!slide) return;
    const { state } = stateFor(slide);
    const s = lens.getState();
    if (s.modelStatus !== 'ready' || !s.info || !sameSource(s.modelSource, state.model)) return;
    const fitted = validateAgainstModel(state, {
      nLayer: s.info.nLayer,
      nEmbd: s.info.nEmbd,
      vocabSize: s.info.vocabSize,
    }).state;
    // the next slide's vectors join the store (shown nowhere until used); recipes for this model are
    // captured by the store's own materializeVectors
    await addSharedVectors(lens, fitted, { transient: true });
    await lens.getState().materializeVectors();
    if (seq !== showing) return;
    const done = await prefetch({
      prompt: fitted.prompt,
      pins: pinsOf(fitted.tracked),
      interventions: {
        scope: fitted.interventions.scope,
        slots: fitted.interventions.slots.map((x) => ({ ...x })),
      },
      vectors: lens.getState().vectors,
    });
    if (done && seq === showing) decks.getState().setAheadIndex(index);
  };

  const unsubscribe = decks.subscribe((d) => {
    const deck = activeDeck(d);
    const key = d.presenting
      ? JSON.stringify([deck?.id, d.index, d.resetNonce, d.builtinSlides, deck?.slides[d.index]?.id])
      : '';
    if (key === lastKey) return;
    lastKey = key;
    if (!d.presenting) {
      showing++;
      return;
    }
    void show(performance.now());
  });
  return () => {
    unsubscribe();
    showing++;
  };
}
