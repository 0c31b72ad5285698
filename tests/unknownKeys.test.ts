/**
 * Unknown keys in state links and decks: each is named in the problem list with its path and, when
 * it is close to a known key, that key; the rest of the link or deck still applies.
 */
import { describe, expect, it } from 'vitest';
import { deckFromJson, decodeDeckLink } from '../app/deck/deckCodec.ts';
import { decodeState } from '../app/url/codec.ts';
import { keysOf, nearestKey, reportUnknownKeys } from '../app/url/schemaValues.ts';
import { validateState } from '../app/url/stateSchema.ts';
import { deckOf, linkOf, problemsOf, threeSlides } from './support/deckFixtures.ts';
import { fullState, hashOf } from './support/stateFixtures.ts';

const SLOT_KEYS = ['block', 'kind', 'mode', 'vectorId', 'scale'];

describe('nearestKey', () => {
  it('finds the key a typo, a swap, a missing letter or another case stands for', () => {
    expect(nearestKey('sca1e', SLOT_KEYS)).toBe('scale');
    expect(nearestKey('sacle', SLOT_KEYS)).toBe('scale');
    expect(nearestKey('scal', SLOT_KEYS)).toBe('scale');
    expect(nearestKey('Scale', SLOT_KEYS)).toBe('scale');
    expect(nearestKey('vectorID', SLOT_KEYS)).toBe('vectorId');
    expect(nearestKey('vector_id', SLOT_KEYS)).toBe('vectorId');
    expect(nearestKey('mdoe', SLOT_KEYS)).toBe('mode');
  });

  it('suggests nothing for a key that is far from every known one', () => {
    expect(nearestKey('colour', SLOT_KEYS)).toBeNull();
    expect(nearestKey('weight', SLOT_KEYS)).toBeNull();
    expect(nearestKey('x'.repeat(10_000), SLOT_KEYS)).toBeNull();
    // one edit in three characters: a short key is only matched by case
    expect(nearestKey('x', ['v'])).toBeNull();
    expect(nearestKey('V', ['v'])).toBe('v');
    expect(nearestKey('ab', ['id'])).toBeNull();
  });

  it('takes the nearest, then the first listed', () => {
    expect(nearestKey('rnak', ['rows', 'rank'])).toBe('rank');
    expect(nearestKey('bind', ['kind', 'mind'])).toBe('kind');
  });
});

describe('reportUnknownKeys', () => {
  const report = (obj: Record<string, unknown>, path = 'p') => {
    const problems: string[] = [];
    reportUnknownKeys(obj, SLOT_KEYS, path, problems);
    return problems;
  };

  it('names each unknown key with its path; known and undefined ones are not reported', () => {
    expect(report({ block: 1, scale: undefined, sca1e: 2, colour: 'red' })).toEqual([
      'p: unknown key "sca1e" (did you mean "scale"?)',
      'p: unknown key "colour"',
    ]);
    expect(report({ colour: 'red' }, '')).toEqual(['unknown key "colour"']);
    expect(report({ block: 1, kind: 'ffn' })).toEqual([]);
  });

  it('quotes keys as data, cut when long; past five per object it counts them', () => {
    expect(report({ '<b>\n': 1 })).toEqual(['p: unknown key "<b>\\n"']);
    expect(report({ ['k'.repeat(100)]: 1 })).toEqual([`p: unknown key "${'k'.repeat(36)}...`]);
    const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`extra${i}`, i]));
    const problems = report(many);
    expect(problems).toHaveLength(6);
    expect(problems[4]).toBe('p: unknown key "extra4"');
    expect(problems[5]).toBe('p: 3 more unknown keys');
    expect(report(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, i])))[5]).toBe(
      'p: 1 more unknown key',
    );
  });

  it('keysOf takes every key of the type and no other (checked by tsc)', () => {
    expect(keysOf<{ a: number; b?: string }>({ a: true, b: true })).toEqual(['a', 'b']);
    // @ts-expect-error: b is missing
    keysOf<{ a: number; b?: string }>({ a: true });
    // @ts-expect-error: c is not a key of the type
    keysOf<{ a: number }>({ a: true, c: true });
  });
});

describe('state links', () => {
  it('a misspelled scale is named; the slot and the rest of the link still apply', async () => {
    const raw = structuredClone(fullState()) as unknown as { interventions: { slots: object[] } };
    const { scale: _, ...slot } = fullState().interventions.slots[1]!;
    raw.interventions.slots[1] = { ...slot, sca1e: 2.5 };
    const decoded = await decodeState(hashOf(raw));
    expect(decoded.problems).toEqual(['interventions.slots[1]: unknown key "sca1e" (did you mean "scale"?)']);
    const expected = fullState();
    expected.interventions.slots[1] = slot;
    expect(decoded.state).toEqual(expected);
  });

  it('every level has its path: top, model, view, vector, recipe, recipe model, slot', () => {
    const s = fullState();
    const vector = s.vectors[0]!;
    const { problems } = validateState({
      ...s,
      promt: 'x',
      model: { ...s.model, revison: 'main' },
      view: { ...s.view, fornt: 'rank' },
      vectors: [
        {
          ...vector,
          nmae: 'x',
          recipe: { ...vector.recipe, blok: 3, model: { ...vector.recipe!.model, rep: 1 } },
        },
        s.vectors[1],
      ],
      interventions: { ...s.interventions, scoep: 'all' },
    });
    expect(problems).toEqual([
      'unknown key "promt" (did you mean "prompt"?)',
      'model: unknown key "revison" (did you mean "revision"?)',
      'view: unknown key "fornt" (did you mean "front"?)',
      'vectors[0]: unknown key "nmae" (did you mean "name"?)',
      'vectors[0].recipe: unknown key "blok" (did you mean "block"?)',
      'vectors[0].recipe.model: unknown key "rep" (did you mean "repo"?)',
      'interventions: unknown key "scoep" (did you mean "scope"?)',
    ]);
  });

  it('a misspelled vectorId names the key it meant before the slot is dropped', () => {
    const s = fullState();
    const { vectorId, ...slot } = s.interventions.slots[0]!;
    const { state, problems } = validateState({
      ...s,
      interventions: { ...s.interventions, slots: [{ ...slot, vectorID: vectorId }] },
    });
    expect(problems).toEqual([
      'interventions.slots[0]: unknown key "vectorID" (did you mean "vectorId"?)',
      'interventions.slots[0].vectorId: missing names no vector of the link; dropped',
    ]);
    expect(state.interventions.slots).toEqual([]);
  });
});

describe('decks', () => {
  it("the deck's, a slide's, its state's, its fallback's and a mark's keys, each with its place", async () => {
    const deck = threeSlides();
    const city = deck.slides[1]!;
    const slots = city.state.interventions.slots;
    const { scale: _, ...noScale } = slots[1]!;
    const raw = {
      ...deck,
      titel: 'x',
      slides: [
        { ...deck.slides[0]!, captoin: '', state: { ...deck.slides[0]!.state, veiw: {} } },
        {
          ...city,
          marks: [{ ...city.marks[0]!, postion: 3 }, ...city.marks.slice(1)],
          state: {
            ...city.state,
            interventions: { scope: 'last', slots: [slots[0], { ...noScale, sca1e: 2 }] },
          },
          fallback: {
            ...city.fallback!,
            interventions: { scope: 'last', slots: [{ ...city.fallback!.interventions.slots[0], sclae: 2 }] },
          },
        },
        deck.slides[2],
      ],
    };
    const one = 'slide 1 (\u201cWhat the lens sees\u201d): ';
    const two = 'slide 2 (\u201cReplacing FFN 18 with o_city\u201d): ';
    const expected = [
      'the deck: unknown key "titel" (did you mean "title"?)',
      `${one}unknown key "captoin" (did you mean "caption"?)`,
      `${one}state: unknown key "veiw" (did you mean "view"?)`,
      `${two}interventions.slots[1]: unknown key "sca1e" (did you mean "scale"?)`,
      `${two}marks[0]: unknown key "postion" (did you mean "position"?)`,
      `${two}fallback: interventions.slots[0]: unknown key "sclae" (did you mean "scale"?)`,
    ];
    for (const result of [deckFromJson(JSON.stringify(raw)), await decodeDeckLink(linkOf(raw))]) {
      expect(problemsOf(result)).toEqual(expected);
      // the rest of the deck applies: only the scale the typo stood for is gone
      const opened = deckOf(result);
      expect(opened.title).toBe(deck.title);
      expect(opened.slides[1]!.state.interventions.slots[1]).toEqual(noScale);
      expect(opened.slides[1]!.marks).toEqual(city.marks);
    }
  });
});
