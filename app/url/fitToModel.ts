/**
 * The checks of a link's state that need the loaded model (app/url/stateSchema.ts does the rest, on
 * open): block numbers, vector lengths, vocabulary ids. Pure: no DOM, no React.
 */
import { show } from './schemaValues.ts';
import type { ModelRef, SharedStateV1, SharedVector, Validated } from './stateSchema.ts';
import { vectorDataLength } from './vectorData.ts';

type Problems = string[];

export interface ModelShape {
  nLayer: number;
  nEmbd: number;
  /** When given, tracked ids outside the vocabulary are dropped. */
  vocabSize?: number;
}

const sameModel = (a: ModelRef, b: ModelRef): boolean =>
  a.source === b.source &&
  (a.source === 'builtin' || (b.source === 'hub' && a.repo === b.repo && a.revision === b.revision));

/**
 * The checks that need the loaded model: slot blocks in range, imported vectors of length nEmbd,
 * recipe blocks in range when the recipe is for this model, tracked ids in the vocabulary. Drops
 * what does not fit (and the slots that used a dropped vector). Does not mutate `state`.
 */
export function validateAgainstModel(state: SharedStateV1, model: ModelShape): Validated {
  const problems: Problems = [];
  const blocks = `blocks 0-${model.nLayer - 1}`;
  const vectors: SharedVector[] = [];
  state.vectors.forEach((v, i) => {
    const path = `vectors[${i}]`;
    const next: SharedVector = { ...v };
    if (next.data !== undefined) {
      const dim = vectorDataLength(next.data);
      if (dim !== model.nEmbd) {
        problems.push(`${path}.data: ${dim} values, but this model's vectors have ${model.nEmbd}; dropped`);
        delete next.data;
      }
    }
    if (next.recipe && sameModel(next.recipe.model, state.model) && next.recipe.block >= model.nLayer) {
      problems.push(
        `${path}.recipe.block: ${next.recipe.block} is not a block of this model (${blocks}); dropped`,
      );
      delete next.recipe;
    }
    if (!next.recipe && next.data === undefined && next.asset === undefined) {
      problems.push(`${path} (${show(v.name)}): nothing usable is left; dropped`);
      return;
    }
    vectors.push(next);
  });
  const ids = new Set(vectors.map((v) => v.id));
  const slots = state.interventions.slots.filter((s, i) => {
    const path = `interventions.slots[${i}]`;
    if (s.block >= model.nLayer) {
      problems.push(`${path}.block: ${s.block} is not a block of this model (${blocks}); dropped`);
      return false;
    }
    if (s.vectorId !== undefined && !ids.has(s.vectorId)) {
      problems.push(`${path}: its vector ${show(s.vectorId)} was dropped; dropped`);
      return false;
    }
    return true;
  });
  let tracked = state.tracked;
  const vocab = model.vocabSize;
  if (vocab !== undefined) {
    tracked = tracked.filter((id) => id < vocab);
    const bad = state.tracked.length - tracked.length;
    if (bad > 0)
      problems.push(
        `tracked: dropped ${bad} token ${bad === 1 ? 'id' : 'ids'} outside the vocabulary (${vocab})`,
      );
  }
  return {
    state: { ...state, tracked, vectors, interventions: { ...state.interventions, slots } },
    problems,
  };
}
