/**
 * Talk mode's data: a deck is an ordered list of slides; a slide is a shareable app state (the URL
 * schema, app/url/stateSchema.ts) plus words and marks. The view in front is the state's
 * `view.front` (heatmap, rank plot, or control beside intervened). Pure types: no DOM, no React.
 */
import type { SharedStateV1 } from '../url/stateSchema.ts';

export const DECK_VERSION = 1;
/** The `kind` field that tells a deck file from any other JSON. */
export const DECK_KIND = 'lenslab-deck';

/** The paper's three stages, as a slide can highlight them. */
export type StageName = 'argument' | 'function' | 'saturation';

/**
 * What a slide highlights. States are residual-state indices (0 = embeddings, 2i+1 = after block i's
 * attention, 2i+2 = after block i); positions are token positions, 'last' the last one.
 */
export type SlideMark =
  | { kind: 'row'; state: number }
  | { kind: 'cell'; state: number; position: number | 'last' }
  | { kind: 'stage'; stage: StageName };

export interface Slide {
  /** Unique within the deck: [A-Za-z0-9_.-], at most 64 characters. */
  id: string;
  title: string;
  caption: string;
  state: SharedStateV1;
  marks: SlideMark[];
  /**
   * What the slide runs on the built-in model when its own model cannot be loaded (no Hub at the
   * venue); without it the slide's own state is tried on the built-in model.
   */
  fallback?: SharedStateV1;
  /**
   * An experiment figure drawn on the slide instead of the live views, from the latest finished run
   * of this page ('figure5': the o-vector transfer); until there is one, the live views show.
   */
  figure?: SlideFigure;
}

export type SlideFigure = 'figure5';

export interface DeckV1 {
  v: 1;
  kind: typeof DECK_KIND;
  id: string;
  title: string;
  slides: Slide[];
}

export type Deck = DeckV1;
