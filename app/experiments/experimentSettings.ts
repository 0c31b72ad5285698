/**
 * What an experiment run is, as the Experiments view edits it and a link carries it: the experiment,
 * its data sets (built-in or uploaded), a limit, and the intervention's settings. Plain data; the
 * URL's query string holds it (experimentUrl.ts), so a link reopens the same run.
 */
import type { ExperimentKind } from '../../workers/api.ts';
import type { Sublayer } from '../../workers/experiments/index.ts';

/** Which page the app shows: the single-prompt workspace, an experiment, or the paper's report. */
export type AppPage = 'workspace' | 'experiments' | 'reproduce';

export interface ExperimentSettings {
  experiment: ExperimentKind;
  /**
   * 'builtin:NAME' (public/data) or 'upload:FILE'. stages: the data set(s) drawn; ovector: in domain,
   * then out of domain; ablate: the abstractive variant, then the extractive one.
   */
  datasets: string[];
  /** Only the first N examples of each data set (quick looks, tests); undefined: all. */
  limit?: number;
  /** o-vector: a library vector's id, or 'asset:<path under vectors/>' (the paper's released files). */
  vector?: string;
  /**
   * o-vector blocks as "A-B"; undefined: the paper's 18-23 scaled to the model's depth. The sweep
   * runs its own grid of ranges (a cell's click sets this one).
   */
  blocks?: string;
  sublayer: Sublayer;
  mode: 'replace' | 'add';
  scale: number;
  positions: 'all' | 'last';
  /** Sweep: examples drawn (seeded) from the data set; undefined: the module's 16. */
  sample?: number;
  /** Ablation: K steps. */
  steps: number;
  /** Prompts per engine run (the module's default 32); results do not depend on it. */
  batch?: number;
}

/** The paper's data sets for each figure: what a fresh pick of the experiment starts with. */
export const DEFAULT_DATASETS: Record<ExperimentKind, string[]> = {
  stages: ['builtin:world-capitals'],
  ovector: ['builtin:random-world-capitals', 'builtin:random-us-states'],
  ablate: ['builtin:colored-objects', 'builtin:colored-objects-extractive'],
  sweep: ['builtin:random-world-capitals'],
};

export const DEFAULT_EXPERIMENT_SETTINGS: ExperimentSettings = {
  experiment: 'stages',
  datasets: DEFAULT_DATASETS.stages,
  sublayer: 'ffn',
  mode: 'replace',
  scale: 1,
  positions: 'all',
  steps: 6,
};

export const EXPERIMENT_TITLES: Record<ExperimentKind, string> = {
  stages: 'Stages of processing (Figure 3)',
  ovector: 'o-vector transfer (Figure 5)',
  ablate: 'FFN ablation (Figure 7)',
  sweep: 'o-vector block-range sweep (beyond the paper)',
};

/** What each data set slot means for an experiment (the figure's legend). */
export function datasetRole(kind: ExperimentKind, index: number): string {
  if (kind === 'ovector') return index === 0 ? 'in domain' : 'out of domain';
  if (kind === 'ablate') return index === 0 ? 'abstractive' : 'extractive';
  if (kind === 'sweep') return 'sample';
  return index === 0 ? 'data' : `data ${index + 1}`;
}

/** How many data sets an experiment takes. */
export function datasetSlots(kind: ExperimentKind): number {
  return kind === 'stages' || kind === 'sweep' ? 1 : 2;
}

/** "builtin:world-capitals" -> "world-capitals"; "upload:mine.csv" -> "mine.csv". */
export function datasetLabel(ref: string): string {
  return ref.replace(/^(builtin|upload):/, '');
}
