/** The deck validator: per-slide problems, deck id and title, fresh ids, and that it never throws. */
import { describe, expect, it } from 'vitest';
import { DECK_LIMITS, type DeckResult, newDeckId, newSlideId, validateDeck } from '../app/deck/deckSchema.ts';
import { DECK_KIND } from '../app/deck/deckTypes.ts';
import { DEFAULT_PROMPT, validateState } from '../app/url/stateSchema.ts';
import { seededRandom } from '../models/fixtures.ts';
import {
  cityState,
  deckOf,
  fallbackState,
  MEDIUM,
  problemsOf,
  threeSlides,
  withSlides,
} from './support/deckFixtures.ts';

describe('per-slide problems', () => {
  it("keeps a slide's experiment figure and names one this version does not draw", () => {
    const [first, second] = threeSlides().slides;
    const result = validateDeck(
      withSlides([
        { ...first!, figure: 'figure5' },
        { ...second!, figure: 'figure9' },
      ]),
    );
    expect(deckOf(result).slides.map((s) => s.figure)).toEqual(['figure5', undefined]);
    expect(problemsOf(result).join('\n')).toContain('figure: "figure9" is not a figure this version draws');
  });

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
      `${at}marks[9]: unknown key "extra"`,
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

  it('unknown fields are ignored at every level, and each is named', () => {
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
    const slide = (n: number, title: string) => `slide ${n} (\u201c${title}\u201d): `;
    const [one, two, three] = deck.slides.map((s, i) => slide(i + 1, s.title));
    expect(validateDeck(raw)).toEqual({
      ok: true,
      deck,
      problems: [
        'the deck: unknown key "theme"',
        `${one}unknown key "notes"`,
        `${one}marks[0]: unknown key "color"`,
        `${one}marks[1]: unknown key "color"`,
        `${two}unknown key "notes"`,
        ...[0, 1, 2].map((i) => `${two}marks[${i}]: unknown key "color"`),
        `${three}unknown key "notes"`,
        `${three}marks[0]: unknown key "color"`,
      ],
    });
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
