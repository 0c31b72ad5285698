/**
 * Figure 3: the stages of processing over a data set. Per example, the ranks of the argument and the
 * answer at every residual state of the last position, the final top-1, correctness and the detected
 * stages; in aggregate, mean reciprocal rank per state over the correct examples (the paper's filter)
 * and over all, accuracy, and where function application happens (blocks, attention vs FFN).
 */
import { detectStages, type Stages } from '../analysis/stages.ts';
import type { ModelInfo } from '../engine/types.ts';
import { BY_LENGTH, runInBatches } from './batches.ts';
import { traceBatch } from './lensRuns.ts';
import { meanReciprocalRanks, relativeDepths } from './metrics.ts';
import { prepareExamples } from './prepare.ts';
import type { ExampleSet, ExperimentEngine, RunControl, SkippedExample, TokenRef } from './types.ts';

export interface StagesExampleResult {
  id: string | number;
  argument: TokenRef | null;
  answer: TokenRef;
  top1: TokenRef;
  correct: boolean;
  ranks: { argument: number[] | null; answer: number[] };
  stages: Stages;
}

export interface TokenMeans {
  /** Per state; null when no example of the group has that token. */
  argument: number[] | null;
  answer: number[] | null;
}

export interface StagesSummary {
  count: number;
  correct: number;
  accuracy: number;
  meanReciprocalRank: { correct: TokenMeans; all: TokenMeans };
  /**
   * Where the answer becomes top-1 for good, over the examples that have such a state: counts per
   * block for the attention and the FFN sublayer, and how often the answer replaced the argument.
   */
  functionApplication: { attn: number[]; ffn: number[]; replacesArgument: number; examples: number };
  /** Examples in which the argument is top-1 at some state before function application. */
  argumentFormation: number;
  /** x positions of the states on a 0-1 depth axis, for overlaying models of different depth. */
  relativeDepth: number[];
}

export interface StagesResult {
  experiment: 'stages';
  model: ModelInfo;
  data: { name: string; count: number };
  examples: StagesExampleResult[];
  skipped: SkippedExample[];
  summary: StagesSummary;
}

export async function runStages(
  engine: ExperimentEngine,
  set: ExampleSet,
  control: RunControl<StagesExampleResult> = {},
): Promise<StagesResult> {
  const nLayer = engine.info.nLayer;
  const { examples, skipped } = prepareExamples(engine, set);
  const results = await runInBatches(examples, control, BY_LENGTH, async (batch) => {
    const traces = await traceBatch(engine, batch, undefined, control.signal);
    return batch.map((example, i): StagesExampleResult => {
      const trace = traces[i]!;
      const argumentRanks = trace.argumentRanks ?? trace.answerRanks.map(() => Number.NaN);
      const stages = detectStages(
        {
          argumentRanks,
          answerRanks: trace.answerRanks,
          answerId: example.answer.id,
          ...(example.argument ? { argumentId: example.argument.id } : {}),
        },
        nLayer,
      );
      return {
        id: example.id,
        argument: example.argument,
        answer: example.answer,
        top1: trace.top1,
        correct: trace.top1.id === example.answer.id,
        ranks: { argument: trace.argumentRanks, answer: trace.answerRanks },
        stages,
      };
    });
  });
  return {
    experiment: 'stages',
    model: engine.info,
    data: { name: set.name, count: set.examples.length },
    examples: results,
    skipped,
    summary: summarizeStages(results, nLayer),
  };
}

/** The aggregate of per-example results (pure: the app can re-run it on a selection). */
export function summarizeStages(examples: readonly StagesExampleResult[], nLayer: number): StagesSummary {
  const correct = examples.filter((e) => e.correct);
  const means = (group: readonly StagesExampleResult[]): TokenMeans => ({
    argument: meanReciprocalRanks(group.flatMap((e) => (e.ranks.argument ? [e.ranks.argument] : []))),
    answer: meanReciprocalRanks(group.map((e) => e.ranks.answer)),
  });
  const application = {
    attn: new Array<number>(nLayer).fill(0),
    ffn: new Array<number>(nLayer).fill(0),
    replacesArgument: 0,
    examples: 0,
  };
  for (const { stages } of examples) {
    const app = stages.functionApplication;
    if (!app) continue;
    application[app.sublayer][app.block]! += 1;
    application.examples += 1;
    if (app.replacesArgument) application.replacesArgument += 1;
  }
  return {
    count: examples.length,
    correct: correct.length,
    accuracy: examples.length ? correct.length / examples.length : 0,
    meanReciprocalRank: { correct: means(correct), all: means(examples) },
    functionApplication: application,
    argumentFormation: examples.filter((e) => e.stages.argumentFormation !== null).length,
    relativeDepth: relativeDepths(nLayer),
  };
}
