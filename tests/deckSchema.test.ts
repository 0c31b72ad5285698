import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DECK_LINK_PREFIX,
  deckFromJson,
  deckLinkOrReason,
  deckToJson,
  decodeDeckLink,
  encodeDeckLink,
  isDeckLink,
  MAX_DECK_FILE_BYTES,
  MAX_DECK_LINK_LENGTH,
} from '../app/deck/deckCodec.ts';
import { DECK_LIMITS, type DeckResult, newDeckId, newSlideId, validateDeck } from '../app/deck/deckSchema.ts';
import { DECK_KIND, DECK_VERSION, type DeckV1, type Slide } from '../app/deck/deckTypes.ts';
import { MAX_JSON_BYTES } from '../app/url/codec.ts';
import {
  base64UrlEncode,
  DEFAULT_PROMPT,
  defaultState,
  encodeVector,
  type SharedStateV1,
  validateState,
} from '../app/url/stateSchema.ts';
import { seededRandom } from '../models/fixtures.ts';

/** Deterministic roughly-normal values (o-vector-like scale). */
function vector(dim: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from(
    { length: dim },
    () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()),
  );
}

const MEDIUM = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;

function cityState(): SharedStateV1 {
  return {
    v: 1,
    model: MEDIUM,
    prompt: 'Q: What is the capital of Poland?\nA:',
    tracked: [12873, 31164],
    view: { rows: 'all', rank: 'log', front: 'compare' },
    vectors: [
      {
        id: 'o-city',
        name: 'o_city (FFN 19)',
        recipe: { model: MEDIUM, prompt: DEFAULT_PROMPT, block: 19, kind: 'ffn' },
      },
      { id: 'imported', name: 'imported', data: encodeVector(vector(64, 2)) },
      { id: 'paper', name: 'paper o_city', asset: 'paper/city_capital_o19_gpt2-medium.npy' },
    ],
    interventions: {
      scope: 'last',
      slots: [
        { block: 18, kind: 'ffn', mode: 'replace', vectorId: 'paper' },
        { block: 19, kind: 'ffn', mode: 'add', vectorId: 'imported', scale: 2 },
        { block: 20, kind: 'attn', mode: 'zero' },
      ],
    },
  };
}

function fallbackState(): SharedStateV1 {
  return {
    ...defaultState(),
    prompt: 'Q: What is the capital of Poland?\nA:',
    view: { rows: 'all', rank: 'log', front: 'compare' },
    vectors: [{ id: 'o-city', name: 'o_city (built-in)', data: encodeVector(vector(16, 3)) }],
    interventions: { scope: 'last', slots: [{ block: 1, kind: 'ffn', mode: 'replace', vectorId: 'o-city' }] },
  };
}

function threeSlides(): DeckV1 {
  return {
    v: 1,
    kind: DECK_KIND,
    id: 'deck-talk',
    title: 'The logit lens, in three slides',
    slides: [
      {
        id: 'intro',
        title: 'What the lens sees',
        caption: 'Each row decodes one residual state.\n<b>Not HTML</b> & "quotes" \u{1F600}',
        state: defaultState(),
        marks: [
          { kind: 'row', state: 5 },
          { kind: 'stage', stage: 'argument' },
        ],
      },
      {
        id: 'city',
        title: 'Replacing FFN 18 with o_city',
        caption: '',
        state: cityState(),
        marks: [
          { kind: 'cell', state: 38, position: 'last' },
          { kind: 'cell', state: 40, position: 3 },
          { kind: 'stage', stage: 'function' },
        ],
        fallback: fallbackState(),
      },
      {
        id: 'rank',
        title: 'The rank plot',
        caption: 'Saturation: the answer is rank 1 from here on.',
        state: { ...defaultState(), view: { rows: 'blocks', rank: 'reciprocal', front: 'rank' } },
        marks: [{ kind: 'stage', stage: 'saturation' }],
      },
    ],
  };
}

/** A deck link from any text, bypassing the encoder (for malformed links). */
const linkOfText = (text: string) =>
  DECK_LINK_PREFIX + base64UrlEncode(deflateRawSync(Buffer.from(text, 'utf8')));
const linkOf = (value: unknown) => linkOfText(JSON.stringify(value));

const deckOf = (result: DeckResult): DeckV1 => {
  if (!result.ok) throw new Error(`expected a deck, got: ${result.error}`);
  return result.deck;
};
const errorOf = (result: DeckResult): string => {
  if (result.ok) throw new Error('expected an error, got a deck');
  return result.error;
};
const problemsOf = (result: DeckResult): string[] => {
  if (!result.ok) throw new Error(`expected a deck, got: ${result.error}`);
  return result.problems;
};

/** A valid deck wrapper around raw slides. */
const withSlides = (slides: unknown[]) => ({ v: 1, kind: DECK_KIND, id: 'd', title: 'T', slides });

describe('round trips', () => {
  it('the validator keeps a valid deck as it is', () => {
    expect(validateDeck(threeSlides())).toEqual({ ok: true, deck: threeSlides(), problems: [] });
  });

  it('JSON file: pretty, trailing newline, and back with no problems', () => {
    const text = deckToJson(threeSlides());
    expect(text.startsWith('{\n  "v": 1,\n  "kind": "lenslab-deck",\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(deckFromJson(text)).toEqual({ ok: true, deck: threeSlides(), problems: [] });
    // a byte order mark (Windows editors) is not a problem
    expect(deckFromJson(`\uFEFF${text}`)).toEqual({ ok: true, deck: threeSlides(), problems: [] });
  });

  it('link: d1. + base64url, back with no problems, in every accepted form', async () => {
    const hash = await encodeDeckLink(threeSlides());
    expect(hash).toMatch(/^d1\.[A-Za-z0-9_-]+$/);
    const expected = { ok: true, deck: threeSlides(), problems: [] };
    expect(await decodeDeckLink(hash)).toEqual(expected);
    expect(await decodeDeckLink(`#${hash}`)).toEqual(expected);
    expect(await decodeDeckLink(`#deck=${hash}`)).toEqual(expected);
    expect(await decodeDeckLink(`deck=${hash}`)).toEqual(expected);
    expect(await decodeDeckLink(`https://example.org/lenslab/#${hash}\n`)).toEqual(expected);
  });

  it('encoders normalise: stray fields of the app do not leak into the file or the link', async () => {
    const deck = threeSlides();
    const messy = {
      ...deck,
      selected: 2,
      slides: deck.slides.map((s) => ({ ...s, thumbnail: 'data:...' })),
    } as DeckV1;
    expect(JSON.parse(deckToJson(messy))).toEqual(deck);
    expect(deckOf(await decodeDeckLink(await encodeDeckLink(messy)))).toEqual(deck);
    expect(deckToJson(messy)).not.toMatch(/thumbnail|selected/);
  });

  it('a deck that is not valid (no slides yet) is written as given', () => {
    const empty: DeckV1 = { v: 1, kind: DECK_KIND, id: 'd', title: 'new', slides: [] };
    expect(JSON.parse(deckToJson(empty))).toEqual(empty);
  });

  it('isDeckLink tells deck links from state links', () => {
    for (const yes of ['#d1.abc', 'd1.abc', '#d2.x', '#deck=d1.abc', 'deck=', '#d10.'])
      expect(isDeckLink(yes), yes).toBe(true);
    for (const no of ['#s1.abc', 's1.abc', '', '#', '#d.abc', '#dx.1', '#/route', '#decks', 'd1'])
      expect(isDeckLink(no), no).toBe(false);
    expect(isDeckLink(undefined as unknown as string)).toBe(false);
  });
});

describe('whole-deck failures: one sentence each', () => {
  const good = () => threeSlides() as unknown as Record<string, unknown>;

  it.each<[string, unknown, string]>([
    ['null', null, 'this is not a LensLab deck: it is empty'],
    ['a list', [threeSlides()], 'this is not a LensLab deck: it is a list, not an object'],
    ['text', 'deck', 'this is not a LensLab deck: it is text, not an object'],
    ['a number', 3, 'this is not a LensLab deck: it is 3, not an object'],
    [
      'a state',
      defaultState(),
      'this is not a LensLab deck: it has no kind "lenslab-deck" (is it a state link or another file?)',
    ],
    [
      'another kind',
      { ...good(), kind: 'lenslab-state' },
      'this is not a LensLab deck: it has no kind "lenslab-deck" (is it a state link or another file?)',
    ],
    [
      'a newer version',
      { ...good(), v: 2 },
      'the deck is from a newer version of LensLab (deck version 2; this app reads 1): update the app to open it',
    ],
    ['no version', { ...good(), v: undefined }, 'this is not a usable LensLab deck: it has no version (v)'],
    [
      'version 0',
      { ...good(), v: 0 },
      'this is not a usable LensLab deck: its version (v: 0) is not a positive whole number',
    ],
    [
      'version "1"',
      { ...good(), v: '1' },
      'this is not a usable LensLab deck: its version (v: "1") is not a positive whole number',
    ],
    [
      'version 1.5',
      { ...good(), v: 1.5 },
      'this is not a usable LensLab deck: its version (v: 1.5) is not a positive whole number',
    ],
    ['no slides', { ...good(), slides: undefined }, 'this is not a usable LensLab deck: it has no slides'],
    [
      'slides not a list',
      { ...good(), slides: {} },
      'this is not a usable LensLab deck: its slides are not a list',
    ],
    [
      'empty slides',
      { ...good(), slides: [] },
      'this is not a usable LensLab deck: its list of slides is empty',
    ],
    [
      'too many slides',
      withSlides(Array.from({ length: DECK_LIMITS.slides + 1 }, () => threeSlides().slides[0])),
      'this deck has 101 slides, more than LensLab opens (100); split it into smaller decks',
    ],
    [
      'no usable slide',
      withSlides([null, { title: 'x' }]),
      'this deck has no usable slide (slide 1 is not an object; dropped)',
    ],
  ])('%s', (_label, raw, error) => {
    expect(validateDeck(raw)).toEqual({ ok: false, error });
  });

  it('exactly the slide limit is fine', () => {
    const slides = Array.from({ length: DECK_LIMITS.slides }, (_, i) => ({
      ...threeSlides().slides[0]!,
      id: `s${i}`,
    }));
    expect(deckOf(validateDeck(withSlides(slides))).slides).toHaveLength(DECK_LIMITS.slides);
  });

  it('a newer deck version, from a file and from a link', async () => {
    const newer =
      'the deck is from a newer version of LensLab (deck version 2; this app reads 1): update the app to open it';
    expect(DECK_VERSION).toBe(1);
    expect(errorOf(deckFromJson(JSON.stringify({ ...threeSlides(), v: 2, future: true })))).toBe(newer);
    expect(errorOf(await decodeDeckLink(linkOf({ ...threeSlides(), v: 2 })))).toBe(newer);
    expect(errorOf(await decodeDeckLink('#d2.AAAA'))).toBe(
      'the deck link is from a newer version of LensLab (format d2; this app reads d1): update the app to open it',
    );
    expect(errorOf(await decodeDeckLink('d0.AAAA'))).toBe('could not open the deck link: unknown format d0');
  });

  it('files: empty, too large, not JSON', () => {
    expect(deckFromJson('')).toEqual({ ok: false, error: 'the file is empty' });
    expect(deckFromJson(' \n\t')).toEqual({ ok: false, error: 'the file is empty' });
    expect(deckFromJson(undefined as unknown as string)).toEqual({
      ok: false,
      error: 'the file could not be read as text',
    });
    expect(errorOf(deckFromJson(' '.repeat(MAX_DECK_FILE_BYTES + 1)))).toBe(
      'the file is larger than 16 MiB: it is not a deck',
    );
    const notJson = errorOf(deckFromJson('{"v": 1, "kind": '));
    expect(notJson).toMatch(/^the file is not JSON: \S/);
    // the parser's message can quote the file: it is kept short
    const quoted = errorOf(deckFromJson(`nope ${'x'.repeat(5000)}`));
    expect(quoted).toMatch(/^the file is not JSON: /);
    expect(quoted.length).toBeLessThan(130);
    expect(errorOf(deckFromJson('[1, 2]'))).toBe('this is not a LensLab deck: it is a list, not an object');
  });

  it('links: each way a link can be broken has its sentence', async () => {
    const cases: Array<[string, string]> = [
      ['', 'the deck link is empty'],
      ['#', 'the deck link is empty'],
      ['#deck=', 'the deck link is empty'],
      ['hello', 'could not open the deck link: it is not a LensLab deck link'],
      ['#s1.AAAA', 'could not open the deck link: it is a link to one view (a state link), not to a deck'],
      ['d1.abc$def', 'could not open the deck link: bad base64 (is it cut short or altered?)'],
      ['d1.abcde', 'could not open the deck link: bad base64 (is it cut short or altered?)'],
      [
        `d1.${base64UrlEncode(new Uint8Array([0xff, 0xff, 0xff, 1, 2]))}`,
        'could not open the deck link: the data is damaged or cut short (deflate failed)',
      ],
      ['d1.', 'could not open the deck link: the data is damaged or cut short (deflate failed)'],
      [
        `d1.${base64UrlEncode(deflateRawSync(Buffer.from([0xff, 0xfe, 0xc3])))}`,
        'could not open the deck link: its content is not UTF-8 text',
      ],
      [linkOfText('{"v":1,"kind":'), 'could not open the deck link: its content is not JSON'],
      [
        linkOf(defaultState()),
        'this is not a LensLab deck: it has no kind "lenslab-deck" (is it a state link or another file?)',
      ],
      [linkOf([]), 'this is not a LensLab deck: it is a list, not an object'],
    ];
    for (const [hash, error] of cases) expect(await decodeDeckLink(hash), hash).toEqual({ ok: false, error });
    expect(errorOf(await decodeDeckLink(undefined as unknown as string))).toBe('the deck link is empty');
  });

  it('a deflate bomb is refused', async () => {
    const bomb =
      DECK_LINK_PREFIX + base64UrlEncode(deflateRawSync(Buffer.alloc(MAX_JSON_BYTES + 1024, 0x20)));
    expect(bomb.length).toBeLessThan(20_000);
    expect(errorOf(await decodeDeckLink(bomb))).toBe(
      'could not open the deck link: it expands to more than 8 MiB',
    );
  });

  it('a truncated link never throws and never opens', async () => {
    const hash = await encodeDeckLink(threeSlides());
    for (const keep of [1, 2, 3, 4, 10, 50, Math.floor(hash.length / 2), hash.length - 5, hash.length - 1]) {
      const result = await decodeDeckLink(hash.slice(0, keep));
      expect(result.ok, `cut at ${keep}`).toBe(false);
      expect(errorOf(result), `cut at ${keep}`).toMatch(
        /^(could not open the deck link: |the deck link is empty)/,
      );
    }
  });
});

describe('per-slide problems', () => {
  it('bad marks are dropped, each with its reason', () => {
    const slide = {
      ...threeSlides().slides[0]!,
      marks: [
        { kind: 'row', state: 3 },
        { kind: 'row', state: -1 },
        { kind: 'row', state: 1.5 },
        { kind: 'cell', state: 4, position: 'first' },
        { kind: 'cell', state: 4 },
        { kind: 'cell', state: 4, position: 0 },
        { kind: 'stage', stage: 'answer' },
        { kind: 'arrow' },
        'row 3',
        { kind: 'stage', stage: 'function', extra: 1 },
      ],
    };
    const result = validateDeck(withSlides([slide]));
    expect(deckOf(result).slides[0]!.marks).toEqual([
      { kind: 'row', state: 3 },
      { kind: 'cell', state: 4, position: 0 },
      { kind: 'stage', stage: 'function' },
    ]);
    const at = 'slide 1 (\u201cWhat the lens sees\u201d): ';
    expect(problemsOf(result)).toEqual([
      `${at}marks[1].state: -1 is not a state index; dropped`,
      `${at}marks[2].state: 1.5 is not a state index; dropped`,
      `${at}marks[3].position: "first" is not a token position or "last"; dropped`,
      `${at}marks[4].position: missing is not a token position or "last"; dropped`,
      `${at}marks[6].stage: "answer" is not one of argument, function, saturation; dropped`,
      `${at}marks[7].kind: "arrow" is not row, cell or stage; dropped`,
      `${at}marks[8] is not an object; dropped`,
    ]);
  });

  it('too many marks are cut to the limit; marks that are not a list become none', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ kind: 'row', state: i }));
    const base = threeSlides().slides[2]!;
    const result = validateDeck(
      withSlides([
        { ...base, marks: many },
        { ...base, id: 'b', marks: 'all' },
      ]),
    );
    expect(deckOf(result).slides.map((s) => s.marks.length)).toEqual([DECK_LIMITS.marks, 0]);
    expect(problemsOf(result)).toEqual([
      'slide 1 (\u201cThe rank plot\u201d): marks: 25 marks, more than 20; kept the first 20',
      'slide 2 (\u201cThe rank plot\u201d): marks is not a list; using none',
    ]);
  });

  it('titles and captions: wrong types are emptied, long ones cut', () => {
    const base = threeSlides().slides[0]!;
    const result = validateDeck(
      withSlides([
        { ...base, id: 'a', title: 42 },
        { ...base, id: 'b', title: 't'.repeat(130), caption: 'c'.repeat(700) },
        { ...base, id: 'c', title: undefined, caption: ['x'] },
      ]),
    );
    const slides = deckOf(result).slides;
    expect(slides.map((s) => s.title)).toEqual(['', 't'.repeat(DECK_LIMITS.title), '']);
    expect(slides.map((s) => s.caption.length)).toEqual([base.caption.length, DECK_LIMITS.caption, 0]);
    const long = `slide 2 (\u201c${'t'.repeat(37)}...\u201d)`;
    expect(problemsOf(result)).toEqual([
      'slide 1: title is not text; left empty',
      `${long}: title has 130 characters, more than 120; cut to 120`,
      `${long}: caption has 700 characters, more than 600; cut to 600`,
      'slide 3: title is missing; left empty',
      'slide 3: caption is not text; left empty',
    ]);
  });

  it('slide ids: missing, bad and duplicate ones get fresh, unique, stable ids', () => {
    const base = threeSlides().slides[2]!;
    const raw = withSlides([
      { ...base, id: undefined, title: 'one' },
      { ...base, id: 's1', title: 'two' },
      { ...base, id: 's1', title: 'three' },
      { ...base, id: 'bad id!', title: 'four' },
      { ...base, id: 'x'.repeat(65), title: 'five' },
    ]);
    const result = validateDeck(raw);
    // slide 1 would be s1, but slide 2 claims it; slide 3 would be s3
    expect(deckOf(result).slides.map((s) => s.id)).toEqual(['s2', 's1', 's3', 's4', 's5']);
    expect(problemsOf(result)).toEqual([
      'slide 1 (\u201cone\u201d): id is missing; using s2',
      'slide 3 (\u201cthree\u201d): id: "s1" is used by an earlier slide; using s3',
      'slide 4 (\u201cfour\u201d): id: "bad id!" is not a slide id; using s4',
      `slide 5 (\u201cfive\u201d): id: "${'x'.repeat(36)}... is not a slide id; using s5`,
    ]);
    // the same input gives the same ids
    expect(validateDeck(raw)).toEqual(result);
  });

  it("a slide's state is validated, its problems prefixed with the slide", () => {
    const base = threeSlides().slides[1]!;
    const state = {
      ...cityState(),
      v: undefined,
      prompt: 7,
      view: { rows: 'all', rank: 'log', front: 'slides' },
      interventions: { scope: 'last', slots: [{ block: 1, kind: 'ffn', mode: 'add', vectorId: 'nope' }] },
    };
    const result = validateDeck(withSlides([{ ...base, state }]));
    const at = 'slide 1 (\u201cReplacing FFN 18 with o_city\u201d): ';
    expect(problemsOf(result)).toEqual([
      `${at}the slide has no version; read as version 1`,
      `${at}prompt is not text; using the default`,
      `${at}view.front: "slides" is not one of heatmap, rank, compare; using heatmap`,
      `${at}interventions.slots[0].vectorId: "nope" names no vector of the slide; dropped`,
    ]);
    const slide = deckOf(result).slides[0]!;
    expect(slide.state.prompt).toBe(DEFAULT_PROMPT);
    expect(slide.state.view.front).toBe('heatmap');
    expect(slide.state.interventions.slots).toEqual([]);
    expect(slide.fallback).toEqual(fallbackState());
  });

  it('slides without a usable state, or that are not objects, are dropped', () => {
    const base = threeSlides().slides[0]!;
    const result = validateDeck(
      withSlides([
        base,
        { ...base, id: 'b', title: 'B', state: undefined },
        { ...base, id: 'c', state: 'x' },
        7,
      ]),
    );
    expect(deckOf(result).slides.map((s) => s.id)).toEqual(['intro']);
    expect(problemsOf(result)).toEqual([
      'slide 2 (\u201cB\u201d) has no state; dropped',
      'slide 3 (\u201cWhat the lens sees\u201d): state is not an object; dropped',
      'slide 4 is not an object; dropped',
    ]);
  });

  it('fallbacks: validated; one on a Hub model or not an object is dropped', () => {
    const base = threeSlides().slides[1]!;
    const result = validateDeck(
      withSlides([
        { ...base, id: 'a', title: 'A', fallback: { ...fallbackState(), model: { ...MEDIUM } } },
        { ...base, id: 'b', title: 'B', fallback: 'builtin' },
        { ...base, id: 'c', title: 'C', fallback: { ...fallbackState(), tracked: [1, -2] } },
        { ...base, id: 'd', title: 'D', fallback: undefined },
      ]),
    );
    const slides = deckOf(result).slides;
    expect(slides.map((s) => s.fallback === undefined)).toEqual([true, true, false, true]);
    expect(slides[2]!.fallback!.tracked).toEqual([1]);
    expect(problemsOf(result)).toEqual([
      'slide 1 (\u201cA\u201d): fallback runs on openai-community/gpt2-medium, not the built-in model; dropped',
      'slide 2 (\u201cB\u201d): fallback is not an object; dropped',
      'slide 3 (\u201cC\u201d): fallback: tracked: dropped 1 entry that is not a token id',
    ]);
  });

  it('deck id and title: missing or bad ones are replaced', () => {
    const { id: _id, title: _title, ...bare } = threeSlides();
    const result = validateDeck(bare);
    const deck = deckOf(result);
    expect(deck.title).toBe('Untitled deck');
    expect(deck.id).toMatch(/^deck-[0-9a-z]{10}$/);
    expect(problemsOf(result)).toEqual([
      'the deck has no id; gave it a new one',
      'the deck\'s title is missing; using "Untitled deck"',
    ]);
    const bad = validateDeck({ ...threeSlides(), id: 'a/b', title: 'T'.repeat(200) });
    expect(deckOf(bad).title).toBe('T'.repeat(DECK_LIMITS.title));
    expect(problemsOf(bad)).toEqual([
      'the deck\'s id: "a/b" is not an id; gave it a new one',
      "the deck's title has 200 characters, more than 120; cut to 120",
    ]);
    expect(problemsOf(validateDeck({ ...threeSlides(), title: null }))).toEqual([
      'the deck\'s title is not text; using "Untitled deck"',
    ]);
  });

  it('unknown fields are ignored at every level', () => {
    const deck = threeSlides();
    const raw = {
      ...deck,
      theme: 'dark',
      slides: deck.slides.map((s) => ({
        ...s,
        notes: 'speaker notes',
        marks: s.marks.map((m) => ({ ...m, color: 'red' })),
      })),
    };
    expect(validateDeck(raw)).toEqual({ ok: true, deck, problems: [] });
  });
});

describe('link length', () => {
  it('a small deck gives a link on the base URL (its own hash replaced)', async () => {
    const made = await deckLinkOrReason(threeSlides(), 'https://example.org/lenslab/?x=1#s1.old');
    if (!('url' in made)) throw new Error('expected a link');
    expect(made.url.startsWith('https://example.org/lenslab/?x=1#d1.')).toBe(true);
    expect(made.url.length).toBeLessThanOrEqual(MAX_DECK_LINK_LENGTH);
    expect(deckOf(await decodeDeckLink(made.url))).toEqual(threeSlides());
  });

  it('a deck with many imported vectors is too long for a link', async () => {
    // float16 data barely compresses: 20 different 1024-d vectors are ~55 KB of link
    const slides: Slide[] = Array.from({ length: 20 }, (_, i) => ({
      id: `v${i}`,
      title: `vector ${i}`,
      caption: '',
      state: {
        ...defaultState(),
        vectors: [{ id: 'o', name: `o ${i}`, data: encodeVector(vector(1024, 100 + i)) }],
      },
      marks: [],
    }));
    const deck: DeckV1 = { v: 1, kind: DECK_KIND, id: 'big', title: 'Big', slides };
    const base = 'https://example.org/';
    const made = await deckLinkOrReason(deck, base);
    const hash = await encodeDeckLink(deck);
    expect(made).toEqual({ tooLong: base.length + 1 + hash.length });
    expect(hash.length).toBeGreaterThan(MAX_DECK_LINK_LENGTH);
    // it still decodes (the app only declines to offer it)
    expect(deckOf(await decodeDeckLink(hash))).toEqual(deck);
    // ... and the JSON file carries it
    expect(deckOf(deckFromJson(deckToJson(deck)))).toEqual(deck);
  });
});

describe('ids', () => {
  it('fresh ids are valid and distinct; slide ids avoid the taken ones', () => {
    const decks = new Set(Array.from({ length: 500 }, newDeckId));
    expect(decks.size).toBe(500);
    for (const id of decks) expect(id).toMatch(/^deck-[0-9a-z]{10}$/);
    const taken = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = newSlideId(taken);
      expect(id).toMatch(/^s-[0-9a-z]{6}$/);
      expect(taken.has(id)).toBe(false);
      taken.add(id);
    }
  });
});

describe('the validator never throws', () => {
  /** A random JSON-like value, biased towards the shapes a deck has. */
  function garbage(r: () => number, depth = 0): unknown {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const k = Math.floor(r() * (depth > 3 ? 7 : 10));
    switch (k) {
      case 0:
        return null;
      case 1:
        return pick([0, -1, 1, 2, 1.5, Number.POSITIVE_INFINITY, -0, Number.NaN, 2 ** 53, 7]);
      case 2:
        return pick(['', 'x', 'last', 'row', 'cell', 'stage', 'argument', DECK_KIND, 'bad id!', '\u{1F600}']);
      case 3:
        return r() < 0.5;
      case 4:
        return undefined;
      case 5:
        return 'x'.repeat(Math.floor(r() * 800));
      case 6:
        return pick(['builtin', 'hub', 'ffn', 'attn', 'zero']);
      case 7:
        return Array.from({ length: Math.floor(r() * 5) }, () => garbage(r, depth + 1));
      default: {
        const keys = [
          'v',
          'kind',
          'id',
          'title',
          'slides',
          'state',
          'marks',
          'fallback',
          'caption',
          'stage',
          'position',
          'model',
        ];
        const out: Record<string, unknown> = {};
        for (let i = Math.floor(r() * 6); i > 0; i--) out[pick(keys)] = garbage(r, depth + 1);
        return out;
      }
    }
  }

  /** Replaces one random field somewhere in `value` by garbage. */
  function mutate(value: unknown, r: () => number, depth = 0): unknown {
    // the deck itself is never replaced whole: the point is damage inside it
    if (typeof value !== 'object' || value === null || (depth > 0 && r() < 0.25)) return garbage(r);
    const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
    const keys = Object.keys(copy);
    if (keys.length === 0) return garbage(r);
    const key = keys[Math.floor(r() * keys.length)]!;
    copy[key] = mutate(copy[key], r, depth + 1);
    return copy;
  }

  const check = (raw: unknown, what: string) => {
    let result: DeckResult | undefined;
    expect(() => {
      result = validateDeck(raw);
    }, what).not.toThrow();
    if (!result!.ok) {
      expect(typeof result!.error, what).toBe('string');
      expect(result!.error.length, what).toBeGreaterThan(0);
      return;
    }
    // whatever came out is a deck the validator takes as it is, with valid states
    const again = validateDeck(result!.deck);
    expect(again, what).toEqual({ ok: true, deck: result!.deck, problems: [] });
    for (const s of result!.deck.slides) expect(validateState(s.state).problems, what).toEqual([]);
  };

  it('on random values', () => {
    const r = seededRandom(11);
    for (let i = 0; i < 200; i++) check(garbage(r), `garbage ${i}`);
  });

  it('on random damage to a valid deck', () => {
    const r = seededRandom(12);
    let opened = 0;
    for (let i = 0; i < 300; i++) {
      let raw: unknown = threeSlides();
      for (let e = 1 + Math.floor(r() * 3); e > 0; e--) raw = mutate(raw, r);
      check(raw, `mutation ${i}`);
      if (validateDeck(raw).ok) opened++;
    }
    // damage below the deck's own fields is local: many decks still open (102 of 300 with this seed)
    expect(opened).toBeGreaterThan(60);
  });

  it('on exotic objects', () => {
    const throwing = Object.defineProperty({}, 'kind', {
      get() {
        throw new Error('boom');
      },
    });
    expect(validateDeck(throwing)).toEqual({ ok: false, error: 'this is not a LensLab deck: boom' });
    const cyclic: Record<string, unknown> = { ...threeSlides() };
    cyclic.self = cyclic;
    expect(validateDeck(cyclic).ok).toBe(true);
    for (const v of [new Date(0), new Map(), () => 1, Symbol('s'), 10n])
      expect(validateDeck(v).ok).toBe(false);
  });
});
