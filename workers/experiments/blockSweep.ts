/**
 * Beyond the paper: which block range works best for an o-vector (its Appendix D hyperparameter).
 * Every range of a start x end grid replaces the blocks' outputs on a sample of the data; per range,
 * the answer's final mean reciprocal rank, accuracy and no-effect rate, for a heatmap. Each range is
 * one unit of progress and of resume (its id is "from-to").
 */
import { seededRandom } from '../../models/fixtures.ts';
import type { ModelInfo } from '../engine/types.ts';
import { runInBatches } from './batches.ts';
import { traceBatch } from './lensRuns.ts';
import { rate } from './metrics.ts';
import {
  type OvectorSettings,
  type OvectorSettingsUsed,
  ovectorIntervention,
  ovectorSettingsUsed,
} from './ovectorExperiment.ts';
import { prepareExamples } from './prepare.ts';
import type {
  BlockRange,
  ExampleSet,
  ExperimentEngine,
  RunControl,
  SkippedExample,
  TokenRef,
} from './types.ts';

export interface SweepSettings extends Omit<OvectorSettings, 'blocks'> {
  /** Default: sweepRanges(nLayer). */
  ranges?: BlockRange[];
  /** Examples drawn (seeded) from the data set; default 16. */
  sample?: number;
  seed?: number;
}

/** The final state of one example under one range. */
export interface SweepOutcome {
  id: string | number;
  rank: number;
  top1: TokenRef;
}

export interface SweepCell {
  /** "from-to": the unit of resume. */
  id: string;
  from: number;
  to: number;
  examples: SweepOutcome[];
  /** Answer's reciprocal rank at the final state, averaged over the sample. */
  meanReciprocalRank: number;
  accuracy: number;
  noEffectRate: number;
}

export interface SweepResult {
  experiment: 'sweep';
  model: ModelInfo;
  data: { name: string; count: number };
  settings: Omit<OvectorSettingsUsed, 'blocks'> & { sample: number; seed: number };
  /** Ids of the sampled examples, in data order. */
  sample: Array<string | number>;
  control: { examples: SweepOutcome[]; meanReciprocalRank: number; accuracy: number };
  cells: SweepCell[];
  skipped: SkippedExample[];
}

/**
 * Start x end grid over the upper half of the blocks: starts from floor(L/2) up, ends from the last
 * block down, every `step` blocks (default ~L/12: 2 on 24 blocks, so 18-23 is one of the cells).
 */
export function sweepRanges(nLayer: number, step = Math.max(1, Math.round(nLayer / 12))): BlockRange[] {
  const lowest = Math.floor(nLayer / 2);
  const starts: number[] = [];
  for (let b = lowest; b < nLayer; b += step) starts.push(b);
  const ends: number[] = [];
  for (let b = nLayer - 1; b >= lowest; b -= step) ends.unshift(b);
  return starts.flatMap((from) => ends.filter((to) => to >= from).map((to) => ({ from, to })));
}

/** `n` items drawn without replacement (seeded), kept in their original order. */
export function sampleExamples<T>(items: readonly T[], n: number, seed = 1): T[] {
  const random = seededRandom(seed);
  const indices = items.map((_, i) => i);
  const take = Math.min(n, items.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (indices.length - i));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices
    .slice(0, take)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

export async function runBlockSweep(
  engine: ExperimentEngine,
  set: ExampleSet,
  settings: SweepSettings,
  control: RunControl<SweepCell> = {},
): Promise<SweepResult> {
  const { nLayer } = engine.info;
  const ranges = settings.ranges ?? sweepRanges(nLayer);
  // checks the vector and every range before anything runs
  const used = ranges.map((blocks) => ovectorSettingsUsed(engine.info, { ...settings, blocks }));
  const { blocks: _, ...shared } = used[0] ?? ovectorSettingsUsed(engine.info, settings);
  const sampleSize = settings.sample ?? 16;
  const seed = settings.seed ?? 1;
  const prepared = prepareExamples(engine, set);
  const sample = sampleExamples(prepared.examples, sampleSize, seed);
  const final = (ranks: number[]) => ranks[ranks.length - 1]!;
  const outcomes = (traces: Awaited<ReturnType<typeof traceBatch>>): SweepOutcome[] =>
    traces.map((trace, i) => ({ id: sample[i]!.id, rank: final(trace.answerRanks), top1: trace.top1 }));
  const meanRR = (list: SweepOutcome[]) =>
    list.length ? list.reduce((sum, o) => sum + 1 / (o.rank + 1), 0) / list.length : 0;
  const accuracy = (list: SweepOutcome[]) => rate(list.map((o, i) => o.top1.id === sample[i]!.answer.id));

  // the control is shared by every cell: run once, before the cells (never resumed: it is one run)
  const controlOutcomes = outcomes(await traceBatch(engine, sample, undefined, control.signal));
  const items = ranges.map((r) => ({ id: `${r.from}-${r.to}`, range: r }));
  const cells = await runInBatches(items, control, { unit: 'cells', batchSize: 1 }, async ([item]) => {
    const intervention = ovectorIntervention(settings, { ...shared, blocks: item!.range });
    const list = outcomes(await traceBatch(engine, sample, intervention, control.signal));
    return [
      {
        id: item!.id,
        ...item!.range,
        examples: list,
        meanReciprocalRank: meanRR(list),
        accuracy: accuracy(list),
        noEffectRate: rate(list.map((o, i) => o.top1.id === controlOutcomes[i]!.top1.id)),
      },
    ];
  });
  return {
    experiment: 'sweep',
    model: engine.info,
    data: { name: set.name, count: set.examples.length },
    settings: { ...shared, sample: sampleSize, seed },
    sample: sample.map((e) => e.id),
    control: {
      examples: controlOutcomes,
      meanReciprocalRank: meanRR(controlOutcomes),
      accuracy: accuracy(controlOutcomes),
    },
    cells,
    skipped: prepared.skipped,
  };
}
