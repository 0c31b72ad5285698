/**
 * The shareable state's types: what a link (and a deck's slide) carries, version 1. The validator is
 * app/url/stateSchema.ts. Pure types: no DOM, no React.
 */
import type { InterventionMode } from '../../workers/engine/types.ts';
import type { ModelSource, SublayerKind, VectorRecipe } from '../domain.ts';

// the link carries the app's own domain types: one definition for both
export type { SublayerKind, VectorRecipe } from '../domain.ts';
export type ModelRef = ModelSource;

export interface SharedVector {
  id: string;
  name: string;
  /** Where the vector came from; recomputed on open when there is no data. */
  recipe?: VectorRecipe;
  /** An imported (or frozen) vector: float16 little-endian, base64url (`encodeVector`). */
  data?: string;
  /**
   * A .npy file the app itself ships, relative to its `vectors/` folder (the paper's released
   * o-vectors: "paper/city_capital_o19_gpt2-medium.npy"). Never a URL: a link cannot make the app fetch
   * from elsewhere.
   */
  asset?: string;
}

export interface InterventionSlot {
  block: number;
  kind: SublayerKind;
  mode: InterventionMode;
  /** Required for 'replace' and 'add'; dropped for 'zero'. */
  vectorId?: string;
  /** For 'add' only (default 1). */
  scale?: number;
}

export interface SharedView {
  rows: 'blocks' | 'all';
  rank: 'reciprocal' | 'log';
  front: 'heatmap' | 'rank' | 'compare';
}

export interface SharedStateV1 {
  v: 1;
  model: ModelRef;
  prompt: string;
  /** Token ids, may be empty. */
  tracked: number[];
  view: SharedView;
  vectors: SharedVector[];
  interventions: { scope: 'all' | 'last'; slots: InterventionSlot[] };
}

export type SharedState = SharedStateV1;

export interface Validated {
  state: SharedStateV1;
  /** Human-readable, one sentence each; empty when the input was fully valid. */
  problems: string[];
}
