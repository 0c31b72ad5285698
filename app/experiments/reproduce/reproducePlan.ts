/**
 * What "Reproduce the paper" runs on a model: Figure 3 on world capitals, Figure 5 with o_city on the
 * random-token contexts of world capitals (in domain) and US states (out of domain), Figure 7 on
 * colored objects, abstractive and extractive. On gpt2-medium o_city is the authors' released
 * vector; elsewhere it is captured like theirs: the FFN output at the paper's block 19 (scaled to the
 * model's depth) at the last position of the paper's Prompt A.
 */
import { FIGURE5_TASKS, PAPER_OVECTOR_BLOCKS, scaleBlockRange } from '../../../workers/experiments/index.ts';
import {
  DEFAULT_DATASETS,
  DEFAULT_EXPERIMENT_SETTINGS,
  type ExperimentSettings,
} from '../experimentSettings.ts';

export type PaperFigure = 3 | 5 | 7;

/** The paper's Prompt A (Figure 2): o_city is captured from its last position. */
export const PAPER_PROMPT_A =
  'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';
/** The block o_city comes from on gpt2-medium. */
export const PAPER_CITY_BLOCK = 19;

export interface ReproduceStep {
  figure: PaperFigure;
  settings: ExperimentSettings;
  /** o-vector step: capture o_city on this model (block), unless the released file fits. */
  capture?: { prompt: string; block: number };
}

/** The released o_city fits gpt2-medium's d_model (1024) only. */
export function usesReleasedVector(model: { nEmbd: number; nLayer: number }): boolean {
  return model.nEmbd === 1024 && model.nLayer === 24;
}

export function reproducePlan(model: { nEmbd: number; nLayer: number }, limit?: number): ReproduceStep[] {
  const base = { ...DEFAULT_EXPERIMENT_SETTINGS, ...(limit ? { limit } : {}) };
  const released = usesReleasedVector(model);
  const block = scaleBlockRange({ from: PAPER_CITY_BLOCK, to: PAPER_CITY_BLOCK }, model.nLayer).from;
  return [
    { figure: 3, settings: { ...base, experiment: 'stages', datasets: DEFAULT_DATASETS.stages } },
    {
      figure: 5,
      settings: {
        ...base,
        experiment: 'ovector',
        datasets: DEFAULT_DATASETS.ovector,
        ...(released ? { vector: `asset:${FIGURE5_TASKS[0].vector}` } : {}),
      },
      ...(released ? {} : { capture: { prompt: PAPER_PROMPT_A, block } }),
    },
    { figure: 7, settings: { ...base, experiment: 'ablate', datasets: DEFAULT_DATASETS.ablate } },
  ];
}

/** The paper's o-vector blocks on this model (18-23 on 24 blocks). */
export function paperBlocks(nLayer: number): string {
  const b = scaleBlockRange(PAPER_OVECTOR_BLOCKS, nLayer);
  return `${b.from}-${b.to}`;
}
