import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateDeck } from '../app/deck/deckSchema.ts';
import { DECK_KIND } from '../app/deck/deckTypes.ts';
import { builtinBlock, PAPER_DECK_ID, paperDeck } from '../app/deck/paperDeck.ts';
import { isVectorAsset, type SharedStateV1, validateState } from '../app/url/stateSchema.ts';
import { parseNpy } from '../models/npy.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vectorsDir = path.join(repoRoot, 'public/vectors');
const paperDir = path.join(vectorsDir, 'paper');
const ovectorDir = path.resolve(repoRoot, '../shared/reference/ovectors');
const haveOvectors = existsSync(ovectorDir);
if (!haveOvectors)
  console.warn(
    `paperDeck.test: ${ovectorDir} is absent; skipping the byte-for-byte check of the shipped o-vectors`,
  );

const SHIPPED = [
  'city_capital_o19_gpt2-medium.npy',
  'uppercase_o19_gpt2-medium.npy',
  'regular_past_o18_gpt2-medium.npy',
];

const tok = TextTokenizer.fromJson(loadGpt2TokenizerJsonFromPackage());
/** The single GPT-2 id of `word` (with its leading space); fails when it is not one token. */
function idOf(word: string): number {
  const ids = tok.encode(word);
  expect(ids, `${JSON.stringify(word)} is not a single token`).toHaveLength(1);
  return ids[0]!;
}

const deck = paperDeck();
const slide = (id: string) => {
  const s = deck.slides.find((x) => x.id === id);
  if (!s) throw new Error(`no slide ${id}`);
  return s;
};
/** Each slide's state and fallback, labelled. */
const states: [string, SharedStateV1][] = deck.slides.flatMap((s) => {
  const out: [string, SharedStateV1][] = [[`${s.id} state`, s.state]];
  if (s.fallback) out.push([`${s.id} fallback`, s.fallback]);
  return out;
});

describe('the paper deck', () => {
  it('is a deck of 5 to 6 slides with unique ids, on gpt2-medium from the Hub', () => {
    expect(deck.v).toBe(1);
    expect(deck.kind).toBe(DECK_KIND);
    expect(deck.id).toBe(PAPER_DECK_ID);
    expect(deck.slides.length).toBeGreaterThanOrEqual(5);
    expect(deck.slides.length).toBeLessThanOrEqual(7);
    expect(new Set(deck.slides.map((s) => s.id)).size).toBe(deck.slides.length);
    for (const s of deck.slides) {
      expect(s.id).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      expect(s.title.length).toBeGreaterThan(0);
      expect(s.caption.length).toBeGreaterThan(0);
      expect(s.state.model).toEqual({
        source: 'hub',
        repo: 'openai-community/gpt2-medium',
        revision: 'main',
      });
    }
  });

  it('builds a fresh object on every call', () => {
    const a = paperDeck();
    const b = paperDeck();
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    a.slides[0]!.state.tracked.push(1);
    a.slides[1]!.state.vectors[0]!.name = 'changed';
    expect(paperDeck()).toEqual(b);
  });

  it.each(states)('%s passes validateState with no problems', (_label, state) => {
    const { state: valid, problems } = validateState(structuredClone(state));
    expect(problems).toEqual([]);
    expect(valid).toEqual(state);
  });

  it('passes validateDeck with no problems', () => {
    const result = validateDeck(structuredClone(deck));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.problems).toEqual([]);
    expect(result.deck).toEqual(deck);
  });

  it('has a fallback on the built-in model for every slide, with the same prompt, view and tracked tokens', () => {
    for (const s of deck.slides) {
      expect(s.fallback, s.id).toBeDefined();
      const fb = s.fallback!;
      expect(fb.model).toEqual({ source: 'builtin' });
      expect(fb.prompt).toBe(s.state.prompt);
      expect(fb.view).toEqual(s.state.view);
      expect(fb.tracked).toEqual(s.state.tracked);
      expect(fb.interventions.scope).toBe(s.state.interventions.scope);
      // built-in vectors are captured there, never the paper's files
      for (const v of fb.vectors) {
        expect(v.asset, v.id).toBeUndefined();
        expect(v.recipe?.model).toEqual({ source: 'builtin' });
        expect(v.recipe?.kind).toBe('ffn');
      }
    }
  });

  it('keeps slot blocks within gpt2-medium (0-23) and the fallback within the built-in model (0-3)', () => {
    for (const s of deck.slides) {
      for (const slot of s.state.interventions.slots) expect(slot.block).toBeGreaterThanOrEqual(0);
      for (const slot of s.state.interventions.slots) expect(slot.block).toBeLessThanOrEqual(23);
      for (const slot of s.fallback?.interventions.slots ?? []) {
        expect(slot.block).toBeGreaterThanOrEqual(0);
        expect(slot.block).toBeLessThanOrEqual(3);
      }
      for (const v of s.fallback?.vectors ?? []) expect(v.recipe?.block).toBeLessThanOrEqual(3);
    }
    expect([0, 5, 6, 17, 18, 19, 23].map(builtinBlock)).toEqual([0, 0, 1, 2, 3, 3, 3]);
  });

  it.each(states)('%s: every slot names one of its own vectors', (_label, state) => {
    const ids = new Set(state.vectors.map((v) => v.id));
    for (const slot of state.interventions.slots) {
      expect(slot.vectorId).toBeDefined();
      expect(ids.has(slot.vectorId!), `${slot.vectorId}`).toBe(true);
    }
  });

  it("tracks the real GPT-2 ids of each slide's argument and answer", () => {
    const expected: Record<string, [string, string]> = {
      'figure-2': [' Poland', ' Warsaw'],
      'figure-4': [' China', ' Beijing'],
      'figure-5': [' China', ' Beijing'],
      uppercase: [' bread', ' Bread'],
      'past-tense': [' devise', ' devised'],
      abstractive: [' brown', ' Brown'],
      extractive: [' brown', ' Brown'],
    };
    expect(deck.slides.map((s) => s.id).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, words] of Object.entries(expected)) {
      expect(slide(id).state.tracked, id).toEqual(words.map(idOf));
    }
  });

  it("uses the paper's prompts, the argument in each intervention prompt as a token of its own", () => {
    expect(slide('figure-2').state.prompt).toBe(
      'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
    );
    expect(slide('figure-4').state.prompt).toBe('table mug free China table mug free China table mug free');
    for (const s of deck.slides) {
      const [argument] = s.state.tracked;
      expect(tok.encode(s.state.prompt), s.id).toContain(argument);
    }
    // Section 5: the abstractive and extractive prompts differ by exactly one character
    const a = slide('abstractive').state.prompt;
    const e = slide('extractive').state.prompt;
    expect(a.length).toBe(e.length);
    const diff = [...a].flatMap((c, i) => (c === e[i] ? [] : [[c, e[i]]]));
    expect(diff).toEqual([['S', 's']]);
  });

  it("replaces FFNs 18-23 at every position with the paper's o-vectors", () => {
    const cases: [string, string, string, number][] = [
      ['figure-4', 'o_city', 'paper/city_capital_o19_gpt2-medium.npy', 19],
      ['uppercase', 'o_upper', 'paper/uppercase_o19_gpt2-medium.npy', 19],
      ['past-tense', 'o_past', 'paper/regular_past_o18_gpt2-medium.npy', 18],
    ];
    for (const [id, vectorId, asset, block] of cases) {
      const { state, fallback } = slide(id);
      expect(state.view.front).toBe('compare');
      expect(state.vectors).toEqual([{ id: vectorId, name: `${vectorId} · FFN ${block} · paper`, asset }]);
      expect(state.interventions).toEqual({
        scope: 'all',
        slots: [18, 19, 20, 21, 22, 23].map((b) => ({ block: b, kind: 'ffn', mode: 'replace', vectorId })),
      });
      expect(fallback?.vectors).toEqual([
        {
          id: `${vectorId}_builtin`,
          name: `${vectorId} · FFN 3 · built-in`,
          recipe: { model: { source: 'builtin' }, prompt: expect.any(String), block: 3, kind: 'ffn' },
        },
      ]);
      expect(fallback?.interventions.slots).toEqual([
        { block: 3, kind: 'ffn', mode: 'replace', vectorId: `${vectorId}_builtin` },
      ]);
    }
    // each fallback vector is captured on its paper vector's own source prompt
    expect(slide('figure-4').fallback?.vectors[0]?.recipe?.prompt).toBe(slide('figure-2').state.prompt);
    expect(slide('uppercase').fallback?.vectors[0]?.recipe?.prompt).toBe(slide('abstractive').state.prompt);
    expect(slide('past-tense').fallback?.vectors[0]?.recipe?.prompt).toBe(
      'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
    );
  });

  it('marks the three stages and the state after block 19 on the Figure 2 slide', () => {
    const s = slide('figure-2');
    expect(s.state.view.front).toBe('rank');
    expect(s.marks).toEqual(
      expect.arrayContaining([
        { kind: 'stage', stage: 'argument' },
        { kind: 'stage', stage: 'function' },
        { kind: 'stage', stage: 'saturation' },
        { kind: 'cell', state: 40, position: 'last' },
      ]),
    );
    // gpt2-medium's state indices: 0-48
    for (const m of deck.slides.flatMap((x) => x.marks))
      if (m.kind !== 'stage') expect(m.state).toBeLessThanOrEqual(48);
  });

  it.each(SHIPPED)('ships %s in public/vectors/paper as a float32 (1024,) .npy named by the deck', (file) => {
    const parsed = parseNpy(new Uint8Array(readFileSync(path.join(paperDir, file))), file);
    expect(parsed.dtype).toBe('float32');
    expect(parsed.shape).toEqual([1024]);
    expect(parsed.data.every(Number.isFinite)).toBe(true);
  });

  it('names only shipped assets', () => {
    const assets = states.flatMap(([, s]) => s.vectors.flatMap((v) => (v.asset ? [v.asset] : [])));
    expect(new Set(assets)).toEqual(new Set(SHIPPED.map((f) => `paper/${f}`)));
    for (const asset of assets) {
      expect(isVectorAsset(asset)).toBe(true);
      expect(existsSync(path.join(vectorsDir, asset)), asset).toBe(true);
    }
    expect(existsSync(path.join(paperDir, 'ATTRIBUTION.md'))).toBe(true);
  });

  it.skipIf(!haveOvectors).each(SHIPPED)('%s is byte-identical to the released file', (file) => {
    const shipped = readFileSync(path.join(paperDir, file));
    const released = readFileSync(path.join(ovectorDir, file));
    expect(shipped.equals(released)).toBe(true);
  });
});
