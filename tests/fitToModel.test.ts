/** The checks of a link's state against the loaded model. */
import { describe, expect, it } from 'vitest';
import { validateAgainstModel } from '../app/url/fitToModel.ts';
import { fullState } from './support/stateFixtures.ts';

describe('validateAgainstModel', () => {
  const medium = { nLayer: 24, nEmbd: 1024, vocabSize: 50257 };

  it('keeps a state that fits', () => {
    expect(validateAgainstModel(fullState(), medium)).toEqual({ state: fullState(), problems: [] });
  });

  it('drops slots outside the model, vectors of the wrong length and what used them', () => {
    const state = fullState();
    state.tracked = [5, 60_000];
    state.interventions.slots.push({ block: 40, kind: 'attn', mode: 'zero' });
    const before = structuredClone(state);
    const small = validateAgainstModel(state, { nLayer: 12, nEmbd: 768, vocabSize: 50257 });
    expect(state).toEqual(before); // not mutated
    // o-city's recipe (block 19, same model) does not fit 12 blocks; the imported vector is 1024-d
    expect(small.state.vectors).toEqual([]);
    expect(small.state.interventions.slots).toEqual([]);
    expect(small.state.tracked).toEqual([5]);
    expect(small.problems).toEqual([
      'vectors[0].recipe.block: 19 is not a block of this model (blocks 0-11); dropped',
      'vectors[0] ("o_city (FFN 19)"): nothing usable is left; dropped',
      "vectors[1].data: 1024 values, but this model's vectors have 768; dropped",
      'vectors[1] ("imported"): nothing usable is left; dropped',
      'interventions.slots[0].block: 18 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[1].block: 19 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[2].block: 20 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[3].block: 20 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[4].block: 40 is not a block of this model (blocks 0-11); dropped',
      'tracked: dropped 1 token id outside the vocabulary (50257)',
    ]);
  });

  it('keeps recipes for another model, and drops slots whose vector went', () => {
    const state = fullState();
    state.vectors[0]!.recipe!.model = { source: 'hub', repo: 'gpt2-xl', revision: 'main' };
    state.vectors[0]!.recipe!.block = 40;
    const { state: out, problems } = validateAgainstModel(state, { nLayer: 24, nEmbd: 768 });
    expect(out.vectors.map((v) => v.id)).toEqual(['o-city']);
    expect(out.interventions.slots).toEqual([
      { block: 18, kind: 'ffn', mode: 'replace', vectorId: 'o-city' },
      { block: 20, kind: 'attn', mode: 'zero' },
      { block: 20, kind: 'ffn', mode: 'add', vectorId: 'o-city' },
    ]);
    expect(problems).toEqual([
      "vectors[1].data: 1024 values, but this model's vectors have 768; dropped",
      'vectors[1] ("imported"): nothing usable is left; dropped',
      'interventions.slots[1]: its vector "imported-1" was dropped; dropped',
    ]);
  });
});
