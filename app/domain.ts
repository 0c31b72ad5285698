/**
 * The app's domain types, shared by the store, the URL codec, the views and the tests.
 * Views receive these as props; only the store knows about the worker.
 */
import type { StateResult, Token, TopEntry } from '../workers/engine/types.ts';

/** Where a model comes from: the offline built-in (random weights) or a Hub repository. */
export type ModelSource = { source: 'builtin' } | { source: 'hub'; repo: string; revision: string };

export type SublayerKind = 'ffn' | 'attn';

/** How a captured vector can be made again: run `prompt` on `model`, take `kind` of `block` at the last position. */
export interface VectorRecipe {
  model: ModelSource;
  prompt: string;
  block: number;
  kind: SublayerKind;
}

/** An o-vector in the library. */
export interface VectorEntry {
  id: string;
  name: string;
  /** Captured vectors carry their recipe; imported ones their file name. */
  recipe?: VectorRecipe;
  importedFrom?: string;
  /** A vector file the app ships (its path under vectors/): links and decks name it instead of carrying it. */
  asset?: string;
  data: Float32Array;
  norm: number;
  /** Tokens the vector promotes when decoded on its own (ln_f, unembedding), top first. */
  promotes: TopEntry[];
  createdAt: number;
}

export type InterventionMode = 'replace' | 'add' | 'zero';

/** One intervention on one sublayer of one block. */
export interface Slot {
  block: number;
  kind: SublayerKind;
  mode: InterventionMode;
  /** Required for replace and add. */
  vectorId?: string;
  /** For add; default 1. */
  scale?: number;
}

export interface Interventions {
  /** 'all': every position (the paper's setting); 'last': the last token only. */
  scope: 'all' | 'last';
  slots: Slot[];
}

export interface ViewSettings {
  /** Heatmap rows: block outputs only, or with the after-attention states too. */
  rows: 'blocks' | 'all';
  rank: 'reciprocal' | 'log';
  front: 'heatmap' | 'rank' | 'compare';
}

/** A lens run as the views draw it: states[stateIndex][position], filled in as rows stream in. */
export interface LensGrid {
  tokens: Token[];
  nLayer: number;
  /** grid[s][p]; undefined until that state's row has arrived. */
  grid: Array<Array<StateResult | undefined>>;
  complete: boolean;
}

/** The tokens the rank plot follows: proposed by the app, or typed by the user. */
export interface TrackedTokens {
  argument?: { id: number; text: string; proposed: boolean };
  answer?: { id: number; text: string; proposed: boolean };
}
