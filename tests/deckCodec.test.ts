/** Deck files and links: round trips, whole-deck failures (one sentence each), link length. */
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
import { DECK_LIMITS, validateDeck } from '../app/deck/deckSchema.ts';
import { DECK_KIND, DECK_VERSION, type DeckV1, type Slide } from '../app/deck/deckTypes.ts';
import { MAX_JSON_BYTES } from '../app/url/codec.ts';
import { defaultState } from '../app/url/stateSchema.ts';
import { base64UrlEncode, encodeVector } from '../app/url/vectorData.ts';
import {
  deckOf,
  errorOf,
  linkOf,
  linkOfText,
  threeSlides,
  vector,
  withSlides,
} from './support/deckFixtures.ts';

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
