/** Shared fixtures of the deck tests: a three-slide deck, its states, raw links, result accessors. */
import { deflateRawSync } from 'node:zlib';
import { DECK_LINK_PREFIX } from '../../app/deck/deckCodec.ts';
import type { DeckResult } from '../../app/deck/deckSchema.ts';
import { DECK_KIND, type DeckV1 } from '../../app/deck/deckTypes.ts';
import { DEFAULT_PROMPT, defaultState, type SharedStateV1 } from '../../app/url/stateSchema.ts';
import { base64UrlEncode, encodeVector } from '../../app/url/vectorData.ts';
import { seededRandom } from '../../models/fixtures.ts';

/** Deterministic roughly-normal values (o-vector-like scale). */
export function vector(dim: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from(
    { length: dim },
    () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()),
  );
}

export const MEDIUM = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;

export function cityState(): SharedStateV1 {
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

export function fallbackState(): SharedStateV1 {
  return {
    ...defaultState(),
    prompt: 'Q: What is the capital of Poland?\nA:',
    view: { rows: 'all', rank: 'log', front: 'compare' },
    vectors: [{ id: 'o-city', name: 'o_city (built-in)', data: encodeVector(vector(16, 3)) }],
    interventions: { scope: 'last', slots: [{ block: 1, kind: 'ffn', mode: 'replace', vectorId: 'o-city' }] },
  };
}

export function threeSlides(): DeckV1 {
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
export const linkOfText = (text: string) =>
  DECK_LINK_PREFIX + base64UrlEncode(deflateRawSync(Buffer.from(text, 'utf8')));
export const linkOf = (value: unknown) => linkOfText(JSON.stringify(value));

export const deckOf = (result: DeckResult): DeckV1 => {
  if (!result.ok) throw new Error(`expected a deck, got: ${result.error}`);
  return result.deck;
};
export const errorOf = (result: DeckResult): string => {
  if (result.ok) throw new Error('expected an error, got a deck');
  return result.error;
};
export const problemsOf = (result: DeckResult): string[] => {
  if (!result.ok) throw new Error(`expected a deck, got: ${result.error}`);
  return result.problems;
};

/** A valid deck wrapper around raw slides. */
export const withSlides = (slides: unknown[]) => ({ v: 1, kind: DECK_KIND, id: 'd', title: 'T', slides });
