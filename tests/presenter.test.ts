/**
 * The presenter against the real engine in process: a slide's state reaches the lens store; a slide
 * whose model cannot be loaded runs its built-in stand-in (or says so and waits for "use the built-in
 * model"); once a slide is finished the next one is computed ahead and then shows from the cache; deck
 * vectors are never written to the vector library; reset re-applies the saved state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryDecks } from '../app/deck/deckPersistence.ts';
import { createDeckStore, type DeckStore } from '../app/deck/deckStore.ts';
import type { DeckV1, Slide } from '../app/deck/deckTypes.ts';
import { startPresenter } from '../app/deck/presenter.ts';
import type { VectorEntry } from '../app/domain.ts';
import { createLensStore, type LensStore } from '../app/store/lensStore.ts';
import { type RunController, startRunController } from '../app/store/runController.ts';
import { toSharedState } from '../app/store/urlSync.ts';
import { defaultState, type SharedStateV1 } from '../app/url/stateSchema.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { type InProcessClient, inProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 48, seed: 5 }).files;
const HUB = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;

interface Setup {
  lens: LensStore;
  decks: DeckStore;
  client: InProcessClient;
  controller: RunController;
  stop: () => void;
  saved: VectorEntry[];
}

const live: Setup[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) {
    s.stop();
    s.controller.stop();
    await s.client.dispose();
  }
});

function state(prompt: string, extra: Partial<SharedStateV1> = {}): SharedStateV1 {
  return { ...defaultState(), prompt, ...extra };
}

/** A state on the built-in model with a vector captured on it (block 0 FFN) replacing block 1's FFN. */
function withRecipe(prompt: string, id: string): SharedStateV1 {
  return state(prompt, {
    vectors: [
      {
        id,
        name: id,
        recipe: { model: { source: 'builtin' }, prompt: 'Paris is in France', block: 0, kind: 'ffn' },
      },
    ],
    interventions: { scope: 'all', slots: [{ block: 1, kind: 'ffn', mode: 'replace', vectorId: id }] },
    view: { rows: 'blocks', rank: 'reciprocal', front: 'compare' },
  });
}

function slide(id: string, s: SharedStateV1, fallback?: SharedStateV1): Slide {
  return { id, title: id, caption: '', marks: [], state: s, ...(fallback ? { fallback } : {}) };
}

function setup(deck: DeckV1): Setup {
  const client = inProcessClient({ builtin });
  const saved: VectorEntry[] = [];
  const lens = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    hubUrl: 'http://hub.test',
    fetch: async () => new Response(null, { status: 200 }),
    persistence: {
      load: async () => [],
      save: async (v) => void saved.push(v),
      remove: async () => undefined,
    },
  });
  const controller = startRunController(lens, { promptDebounceMs: 20, statesPerChunk: 3 });
  const decks = createDeckStore({
    persistence: memoryDecks(),
    currentState: () => toSharedState(lens.getState()),
    builtinDecks: () => [deck],
  });
  const stop = startPresenter({ lens, decks, prefetch: controller.prefetch, idle: controller.idle });
  const s = { lens, decks, client, controller, stop, saved };
  live.push(s);
  return s;
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const readyOn = (s: Setup, id: string) => () => {
  const st = s.decks.getState().slideStatus;
  return st?.slideId === id && st.ready;
};

const deckOf = (slides: Slide[]): DeckV1 => ({
  v: 1,
  kind: 'lenslab-deck',
  id: 'test',
  title: 'Test',
  slides,
});

describe('presenter', () => {
  it('falls back to the built-in stand-in, computes the next slides ahead and shows them from the cache', async () => {
    const s = setup(
      deckOf([
        slide(
          'hub',
          state('The Eiffel Tower is in', { model: HUB }),
          withRecipe('The capital of France is', 'oa'),
        ),
        slide('plain', state('table mug free China table mug free')),
        slide('hub2', state('Warsaw is in', { model: HUB }), withRecipe('The capital of Poland is', 'ob')),
      ]),
    );
    expect(await s.lens.getState().loadModel({ source: 'builtin' })).toBe(true);
    await s.controller.idle();
    s.decks.getState().present(0);
    await until(readyOn(s, 'hub'), 'the first slide');
    const first = s.decks.getState().slideStatus!;
    expect(first.onBuiltin).toBe(true);
    expect(first.modelProblem).toMatch(/gpt2-medium could not be loaded: .*HTTP 404/);
    expect(s.lens.getState().prompt).toBe('The capital of France is');
    expect(s.lens.getState().intervened?.result).toBeDefined();
    expect(s.decks.getState().timings.at(-1)).toMatchObject({ index: 0, cached: false });

    // look-ahead: the plain slide on the loaded model
    await until(() => s.decks.getState().aheadIndex === 1, 'the look-ahead of slide 2');
    const runsBefore = s.client.calls.length;
    const plainIds = (await s.client.tokenize('table mug free China table mug free')).map((t) => t.id);
    s.decks.getState().next();
    await until(readyOn(s, 'plain'), 'slide 2');
    // no engine run for slide 2 after the key press (runs that follow are slide 3's look-ahead)
    const after = s.client.calls.slice(runsBefore).filter((c) => c.method === 'run');
    expect(after.filter((c) => JSON.stringify(c.request?.prompts[0]) === JSON.stringify(plainIds))).toEqual(
      [],
    );
    expect(s.decks.getState().timings.at(-1)).toMatchObject({ index: 1, cached: true });
    expect(s.lens.getState().intervened).toBeUndefined();

    // the third slide's model failed before: its stand-in (with a recipe vector) is computed ahead too
    await until(() => s.decks.getState().aheadIndex === 2, 'the look-ahead of slide 3');
    s.decks.getState().next();
    await until(readyOn(s, 'hub2'), 'slide 3');
    expect(s.decks.getState().timings.at(-1)).toMatchObject({ index: 2, cached: true });
    expect(s.lens.getState().intervened?.result).toBeDefined();
    expect(
      s.lens
        .getState()
        .vectors.map((v) => v.id)
        .sort(),
    ).toEqual(['oa', 'ob']);
    // deck vectors stay out of the library
    expect(s.saved).toEqual([]);
    // the Hub was asked once: later slides do not wait for a model that failed
    expect(s.client.calls.filter((c) => c.method === 'load' && c.location?.kind === 'hub')).toHaveLength(1);
  });

  it('without a stand-in the slide says so; "use the built-in model" runs it there; reset re-applies it', async () => {
    const s = setup(deckOf([slide('hub', state('The Eiffel Tower is in', { model: HUB }))]));
    expect(await s.lens.getState().loadModel({ source: 'builtin' })).toBe(true);
    s.decks.getState().present(0);
    await until(() => !!s.decks.getState().slideStatus?.modelProblem, 'the model problem');
    expect(s.decks.getState().slideStatus).toMatchObject({ onBuiltin: false, ready: false });
    s.decks.getState().useBuiltinFor('hub');
    await until(readyOn(s, 'hub'), 'the slide on the built-in model');
    expect(s.decks.getState().slideStatus?.onBuiltin).toBe(true);
    expect(s.lens.getState().prompt).toBe('The Eiffel Tower is in');
    // a live edit, then reset
    s.lens.getState().setPrompt('something else');
    expect(s.lens.getState().prompt).toBe('something else');
    s.decks.getState().resetSlide();
    await until(() => s.lens.getState().prompt === 'The Eiffel Tower is in', 'the reset');
    await until(readyOn(s, 'hub'), 'the reset slide');
  });

  it('look-ahead off: every slide is computed when shown', async () => {
    const s = setup(deckOf([slide('a', state('one two three')), slide('b', state('four five six'))]));
    expect(await s.lens.getState().loadModel({ source: 'builtin' })).toBe(true);
    s.decks.getState().setLookAhead(false);
    s.decks.getState().present(0);
    await until(readyOn(s, 'a'), 'slide 1');
    await new Promise((r) => setTimeout(r, 100));
    expect(s.decks.getState().aheadIndex).toBeUndefined();
    s.decks.getState().next();
    await until(readyOn(s, 'b'), 'slide 2');
    expect(s.decks.getState().timings.map((t) => [t.index, t.cached, t.lookAhead])).toEqual([
      [0, false, false],
      [1, false, false],
    ]);
  });
});
