/**
 * Figure 7: remove the top 1/K of the blocks' FFNs, then 2/K, ... (their outputs zeroed at every
 * position) and measure accuracy at each step: abstractive tasks should collapse, extractive ones
 * hold. The same for the attention sublayers as a contrast. One data set per run (the abstractive and
 * extractive variants are two runs).
 */
import type { InterventionSpec, ModelInfo } from '../engine/types.ts';
import { BY_LENGTH, runInBatches } from './batches.ts';
import { ablationSteps } from './blocks.ts';
import { type ExampleTrace, traceBatch } from './lensRuns.ts';
import { prepareExamples } from './prepare.ts';
import type {
  ExampleSet,
  ExperimentEngine,
  RunControl,
  SkippedExample,
  Sublayer,
  TokenRef,
} from './types.ts';

export interface AblationSettings {
  /** K: the blocks are removed in K steps from the top (default 6, the paper's sixths). */
  steps?: number;
  sublayer?: Sublayer;
}

export interface AblationExampleResult {
  id: string | number;
  answer: TokenRef;
  /** The final top-1 at each step (step 0: nothing removed). */
  top1: TokenRef[];
  correct: boolean[];
}

export interface AblationStep {
  /** Blocks whose sublayer output is zeroed at this step. */
  removed: number[];
  correct: number;
  accuracy: number;
}

export interface AblationResult {
  experiment: 'ablate';
  model: ModelInfo;
  data: { name: string; count: number };
  settings: { steps: number; sublayer: Sublayer };
  steps: AblationStep[];
  examples: AblationExampleResult[];
  skipped: SkippedExample[];
}

export async function runAblation(
  engine: ExperimentEngine,
  set: ExampleSet,
  settings: AblationSettings = {},
  control: RunControl<AblationExampleResult> = {},
): Promise<AblationResult> {
  const K = settings.steps ?? 6;
  const sublayer = settings.sublayer ?? 'ffn';
  const steps = ablationSteps(engine.info.nLayer, K);
  const interventions = steps.map((removed) => ablationIntervention(removed, sublayer));
  const { examples, skipped } = prepareExamples(engine, set);
  const results = await runInBatches(examples, control, BY_LENGTH, async (batch) => {
    const perStep: ExampleTrace[][] = [];
    for (const intervention of interventions) {
      perStep.push(await traceBatch(engine, batch, intervention, control.signal));
    }
    return batch.map((example, i) => {
      const top1 = perStep.map((traces) => traces[i]!.top1);
      return {
        id: example.id,
        answer: example.answer,
        top1,
        correct: top1.map((t) => t.id === example.answer.id),
      };
    });
  });
  return {
    experiment: 'ablate',
    model: engine.info,
    data: { name: set.name, count: set.examples.length },
    settings: { steps: K, sublayer },
    steps: summarizeAblation(results, steps),
    examples: results,
    skipped,
  };
}

/** Correct count and accuracy per step. */
export function summarizeAblation(
  examples: readonly AblationExampleResult[],
  steps: readonly number[][],
): AblationStep[] {
  return steps.map((removed, j) => {
    const correct = examples.filter((e) => e.correct[j]).length;
    return { removed: [...removed], correct, accuracy: examples.length ? correct / examples.length : 0 };
  });
}

/** Zero the sublayer of every removed block at every position; nothing for the full model. */
export function ablationIntervention(
  removed: readonly number[],
  sublayer: Sublayer,
): InterventionSpec | undefined {
  if (removed.length === 0) return undefined;
  const zero = Object.fromEntries(removed.map((b) => [b, { mode: 'zero' as const }]));
  return { positions: 'all', [sublayer]: zero };
}
