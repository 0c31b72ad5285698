/**
 * Talk mode's store without a browser: authoring (add, edit, reorder, delete), persistence, files and
 * links (a bad one loses nothing), the built-in deck staying read-only, and navigation bounds. Also the
 * pieces around it: marks as CSS, what "Prepare for talk" fetches, shipped vector files.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { mapMarks, marksCss } from '../app/components/PresentView.tsx';
import { deckToJson, encodeDeckLink } from '../app/deck/deckCodec.ts';
import { memoryDecks } from '../app/deck/deckPersistence.ts';
import { activeDeck, createDeckStore, type DeckStoreDeps, deckFileName } from '../app/deck/deckStore.ts';
import type { DeckV1 } from '../app/deck/deckTypes.ts';
import { PAPER_DECK_ID, paperDeck } from '../app/deck/paperDeck.ts';
import { deckNeeds, prepareDeck } from '../app/deck/prepare.ts';
import { builtinVersion } from '../app/deck/presenter.ts';
import { defaultState, type SharedStateV1 } from '../app/url/stateSchema.ts';
import { encodeVector } from '../app/url/vectorData.ts';
import { assetVectorFromNpy, vectorAssetLoader } from '../app/vectors/vectorAssets.ts';
import { seededRandom } from '../models/fixtures.ts';
import { writeNpy } from '../models/npy.ts';

function setup(extra: Partial<DeckStoreDeps> = {}) {
  let prompt = 'first prompt';
  const persistence = memoryDecks();
  const downloads: Array<{ name: string; text: Promise<string> }> = [];
  const store = createDeckStore({
    persistence,
    currentState: (): SharedStateV1 => ({ ...defaultState(), prompt }),
    builtinDecks: () => [paperDeck()],
    download: (blob, name) => downloads.push({ name, text: blob.text() }),
    copyText: async () => true,
    ...extra,
  });
  return { store, persistence, downloads, setPrompt: (p: string) => (prompt = p) };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('authoring', () => {
  it('adds the current view as a slide, starting a deck of its own when the built-in one is active', async () => {
    const { store, persistence, setPrompt } = setup();
    await store.getState().load();
    expect(store.getState().activeId).toBe(PAPER_DECK_ID);
    store.getState().addCurrentView();
    const mine = activeDeck(store.getState())!;
    expect(mine.id).not.toBe(PAPER_DECK_ID);
    expect(mine.slides.map((s) => s.state.prompt)).toEqual(['first prompt']);
    setPrompt('second\nprompt line');
    store.getState().addCurrentView();
    setPrompt('third');
    store.getState().addCurrentView();
    const deck = activeDeck(store.getState())!;
    expect(deck.slides.map((s) => s.title)).toEqual(['first prompt', 'prompt line', 'third']);
    // the built-in deck is untouched
    expect(store.getState().decks.find((d) => d.id === PAPER_DECK_ID)).toEqual(paperDeck());
    await flush();
    expect(persistence.saved.get(deck.id)?.slides).toHaveLength(3);
    expect(persistence.saved.has(PAPER_DECK_ID)).toBe(false);
  });

  it('edits, reorders (clamped) and deletes slides, saving each change', async () => {
    const { store, persistence, setPrompt } = setup();
    for (const p of ['a', 'b', 'c']) {
      setPrompt(p);
      store.getState().addCurrentView();
    }
    const ids = activeDeck(store.getState())!.slides.map((s) => s.id);
    store
      .getState()
      .updateSlide(ids[0]!, { title: 'T'.repeat(500), caption: 'claim', marks: [{ kind: 'row', state: 4 }] });
    store.getState().moveSlide(ids[2]!, 0);
    store.getState().moveSlide(ids[0]!, 99);
    let deck = activeDeck(store.getState())!;
    expect(deck.slides.map((s) => s.state.prompt)).toEqual(['c', 'b', 'a']);
    expect(deck.slides[2]!.title).toHaveLength(120);
    expect(deck.slides[2]!.caption).toBe('claim');
    store.getState().deleteSlide(ids[1]!);
    deck = activeDeck(store.getState())!;
    expect(deck.slides.map((s) => s.state.prompt)).toEqual(['c', 'a']);
    await flush();
    expect(persistence.saved.get(deck.id)).toEqual(deck);
  });

  it('keeps the built-in deck read-only; a duplicate is editable', () => {
    const { store } = setup();
    const first = paperDeck().slides[0]!;
    store.getState().updateSlide(first.id, { title: 'changed' });
    store.getState().deleteDeck(PAPER_DECK_ID);
    expect(store.getState().decks.find((d) => d.id === PAPER_DECK_ID)?.slides[0]?.title).toBe(first.title);
    const copy = store.getState().duplicateDeck(PAPER_DECK_ID)!;
    store.getState().updateSlide(first.id, { title: 'changed' });
    expect(activeDeck(store.getState())!.id).toBe(copy.id);
    expect(activeDeck(store.getState())!.slides[0]!.title).toBe('changed');
  });

  it('updates a slide from the current view but keeps the view it puts in front', () => {
    const { store, setPrompt } = setup();
    const slide = store.getState().addCurrentView()!;
    store
      .getState()
      .updateSlide(slide.id, { state: { ...slide.state, view: { ...slide.state.view, front: 'rank' } } });
    setPrompt('new prompt');
    store.getState().updateSlideFromView(slide.id);
    const now = activeDeck(store.getState())!.slides[0]!;
    expect(now.state.prompt).toBe('new prompt');
    expect(now.state.view.front).toBe('rank');
  });

  it('reloads saved decks; the newest becomes active', async () => {
    const first = setup();
    first.store.getState().addCurrentView();
    await flush();
    const again = createDeckStore({
      persistence: first.persistence,
      currentState: defaultState,
      builtinDecks: () => [paperDeck()],
    });
    await again.getState().load();
    expect(again.getState().decks).toHaveLength(2);
    expect(activeDeck(again.getState())?.slides).toHaveLength(1);
  });
});

describe('files and links', () => {
  it('exports JSON and imports it again as a new deck when the id is taken by another deck', async () => {
    const { store, downloads } = setup();
    store.getState().addCurrentView();
    const deck = activeDeck(store.getState())!;
    store.getState().renameDeck(deck.id, 'My Talk: Vectors!');
    store.getState().exportDeck();
    expect(downloads[0]!.name).toBe('my-talk-vectors.lenslab-deck.json');
    const text = await downloads[0]!.text;
    // the same deck again: nothing duplicated
    expect(await store.getState().importDeckFile(new File([text], 'x.json'))).toBe(true);
    expect(store.getState().decks).toHaveLength(2);
    // changed content under the same id: imported beside it, the saved one untouched
    const changed = { ...JSON.parse(text), title: 'Changed' };
    expect(await store.getState().importDeckFile(new File([JSON.stringify(changed)], 'y.json'))).toBe(true);
    expect(store.getState().decks.map((d) => d.title)).toEqual([
      paperDeck().title,
      'My Talk: Vectors!',
      'Changed',
    ]);
    expect(activeDeck(store.getState())!.id).not.toBe(deck.id);
  });

  it('refuses a malformed or newer deck file with a message naming the file, losing nothing', async () => {
    const { store } = setup();
    store.getState().addCurrentView();
    const before = store.getState().decks;
    expect(await store.getState().importDeckFile(new File(['{"kind":'], 'broken.json'))).toBe(false);
    expect(store.getState().error).toMatch(/^Could not import broken\.json: .*not JSON/);
    const newer = { ...paperDeck(), v: 3 };
    expect(await store.getState().importDeckFile(new File([JSON.stringify(newer)], 'newer.json'))).toBe(
      false,
    );
    expect(store.getState().error).toContain('newer version');
    expect(store.getState().decks).toBe(before);
  });

  it('opens a deck link ready to present; a broken link says why', async () => {
    const { store } = setup();
    const deck: DeckV1 = { ...paperDeck(), id: 'shared', title: 'Shared talk' };
    expect(await store.getState().openDeckLink(`#${await encodeDeckLink(deck)}`)).toBe(true);
    expect(activeDeck(store.getState())?.title).toBe('Shared talk');
    expect(store.getState().panelOpen).toBe(true);
    expect(await store.getState().openDeckLink('#d1.%%%')).toBe(false);
    expect(store.getState().error).toMatch(/^This deck link cannot be opened: /);
    expect(store.getState().decks.map((d) => d.id)).toEqual([PAPER_DECK_ID, 'shared']);
  });

  it('makes a link, or says it is too long and by how much', async () => {
    const { store } = setup();
    store.getState().addCurrentView();
    const ok = await store.getState().shareDeck('http://app.test/');
    expect(ok && 'url' in ok && ok.url.startsWith('http://app.test/#d1.')).toBe(true);
    const slide = activeDeck(store.getState())!.slides[0]!;
    // 30 random 1024-d vectors do not compress: far over the limit
    const random = seededRandom(7);
    const vectors = Array.from({ length: 30 }, (_, i) => ({
      id: `v${i}`,
      name: `v${i}`,
      data: encodeVector(Array.from({ length: 1024 }, () => random() * 2 - 1)),
    }));
    store.getState().updateSlide(slide.id, { state: { ...slide.state, vectors } });
    const long = await store.getState().shareDeck('http://app.test/');
    expect(long && 'tooLong' in long && long.tooLong > long.limit).toBe(true);
  });

  it('deck file names are safe', () => {
    expect(deckFileName('  ')).toBe('deck.lenslab-deck.json');
    expect(deckFileName('../../etc/passwd')).toBe('etc-passwd.lenslab-deck.json');
  });
});

describe('presenting', () => {
  it('moves within the deck and blanks', () => {
    const { store } = setup();
    const n = paperDeck().slides.length;
    store.getState().present();
    expect(store.getState().presenting).toBe(true);
    store.getState().prev();
    expect(store.getState().index).toBe(0);
    for (let i = 0; i < n + 3; i++) store.getState().next();
    expect(store.getState().index).toBe(n - 1);
    store.getState().toggleBlank();
    expect(store.getState().blank).toBe(true);
    store.getState().goTo(1);
    expect(store.getState().blank).toBe(false);
    store.getState().exitPresent();
    expect(store.getState().presenting).toBe(false);
  });

  it('does not present an empty deck', () => {
    const { store } = setup();
    store.getState().newDeck();
    store.getState().present();
    expect(store.getState().presenting).toBe(false);
  });

  it('a slide runs on the built-in model as its fallback, or as itself with the model swapped', () => {
    const [first] = paperDeck().slides;
    expect(builtinVersion(first!)).toBe(first!.fallback);
    const plain = { ...first!, fallback: undefined };
    expect(builtinVersion(plain).model).toEqual({ source: 'builtin' });
    expect(builtinVersion(plain).prompt).toBe(first!.state.prompt);
  });

  it('marks become CSS on the charts’ data attributes, out-of-range ones dropped', () => {
    const css = marksCss(
      [
        { kind: 'row', state: 4 },
        { kind: 'cell', state: 6, position: 'last' },
        { kind: 'cell', state: 99, position: 0 },
        { kind: 'stage', stage: 'function' },
      ],
      12,
      4,
    );
    expect(css).toContain('[data-state-index="4"] rect');
    expect(css).toContain('[data-state-index="6"] [data-position="11"] rect');
    expect(css).not.toContain('"99"');
    expect(css).toContain('[data-stage="B"]');
  });
});

it('marks move from gpt2-medium (24 blocks) onto the built-in stand-in (4 blocks)', () => {
  const mapped = mapMarks(
    [
      { kind: 'cell', state: 40, position: 'last' },
      { kind: 'row', state: 39 },
      { kind: 'row', state: 0 },
      { kind: 'stage', stage: 'saturation' },
    ],
    24,
    4,
  );
  // block 19 -> 3 (state 8), block 19's attention -> 3's (state 7)
  expect(mapped).toEqual([
    { kind: 'cell', state: 8, position: 'last' },
    { kind: 'row', state: 7 },
    { kind: 'row', state: 0 },
    { kind: 'stage', stage: 'saturation' },
  ]);
  expect(mapMarks([{ kind: 'row', state: 40 }], undefined, 4)).toEqual([{ kind: 'row', state: 40 }]);
});

describe('prepare for talk', () => {
  it('lists the models and vector files of the paper deck, stand-ins included', () => {
    const needs = deckNeeds(paperDeck());
    expect(needs.models).toContainEqual({
      source: 'hub',
      repo: 'openai-community/gpt2-medium',
      revision: 'main',
    });
    expect(needs.models).toContainEqual({ source: 'builtin' });
    expect(needs.assets.sort()).toEqual([
      'paper/city_capital_o19_gpt2-medium.npy',
      'paper/regular_past_o18_gpt2-medium.npy',
      'paper/uppercase_o19_gpt2-medium.npy',
    ]);
  });

  it('reports a model it cannot fetch and the vectors it could, with sizes', async () => {
    const files = new Map<string, Uint8Array>();
    for (const name of deckNeeds(paperDeck()).assets)
      files.set(`http://app.test/vectors/${name}`, new Uint8Array(await readFile(`public/vectors/${name}`)));
    const fetchFn = (async (url: string | URL | Request) => {
      const bytes = files.get(String(url));
      if (bytes) return new Response(bytes as Uint8Array<ArrayBuffer>);
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const report = await prepareDeck(paperDeck(), {
      // the Hub cannot be reached: the worker's download fails
      prepareModel: async () => {
        throw new TypeError('fetch failed');
      },
      vectorAssets: vectorAssetLoader('http://app.test/vectors/', fetchFn, undefined),
    });
    expect(report.ok).toBe(false);
    const model = report.items.find((i) => i.name.includes('gpt2-medium'))!;
    expect(model.ok).toBe(false);
    const vectors = report.items.filter((i) => i.kind === 'vector');
    expect(vectors.map((v) => [v.ok, v.bytes])).toEqual([
      [true, 4224],
      [true, 4224],
      [true, 4224],
    ]);
    expect(vectors[0]!.detail).toContain('1024 values');
  });
});

describe('shipped vector files', () => {
  it('reads a vector, refuses a matrix, a non-finite value and a path outside the folder', async () => {
    const npy = (shape: number[], values: number[]) => writeNpy(new Float32Array(values), shape, 'float32');
    expect(Array.from(assetVectorFromNpy(npy([1, 3], [1, 2, 3]), 'a.npy'))).toEqual([1, 2, 3]);
    expect(() => assetVectorFromNpy(npy([2, 2], [1, 2, 3, 4]), 'm.npy')).toThrow(/not a vector/);
    expect(() => assetVectorFromNpy(npy([2], [1, Number.NaN]), 'n.npy')).toThrow(/not finite/);
    const loader = vectorAssetLoader(
      'http://app.test/vectors/',
      (async () => new Response('x')) as never,
      undefined,
    );
    await expect(loader.load('../secret.npy')).rejects.toThrow(/not a vector file of this app/);
    const missing = vectorAssetLoader(
      'http://app.test/vectors/',
      (async () => new Response('', { status: 404 })) as never,
      undefined,
    );
    await expect(missing.load('paper/none.npy')).rejects.toThrow(/HTTP 404/);
  });

  it('fetches a file once; later loads come from the cache, as copies', async () => {
    let fetches = 0;
    const bytes = writeNpy(new Float32Array([1, 2, 3]), [3], 'float32');
    const loader = vectorAssetLoader(
      'http://app.test/vectors/',
      (async () => {
        fetches++;
        return new Response(bytes as Uint8Array<ArrayBuffer>);
      }) as never,
      undefined,
    );
    const first = await loader.load('paper/x.npy');
    first.data[0] = 99;
    const second = await loader.load('paper/x.npy');
    expect([first.from, second.from, fetches]).toEqual(['network', 'cache', 1]);
    expect(Array.from(second.data)).toEqual([1, 2, 3]);
  });

  it('the deck’s JSON holds no vector data for shipped files: they travel by name', () => {
    const json = deckToJson(paperDeck());
    expect(json).toContain('"asset": "paper/city_capital_o19_gpt2-medium.npy"');
    expect(json.length).toBeLessThan(40_000);
  });
});
