/**
 * Figure 5: o-vector transfer. Each example runs twice, as it is (control) and with the vector in
 * place of the chosen blocks' FFN (or attention) outputs; the answer's mean reciprocal rank per state
 * in both, and the paper's "no effect" rate (the intervened final top-1 equals the control's).
 */
import { EngineError, type InterventionSpec, type ModelInfo } from '../engine/types.ts';
import { BY_LENGTH, runInBatches } from './batches.ts';
import { blocksOf, checkBlockRange, defaultOvectorBlocks } from './blocks.ts';
import { type ExampleTrace, traceBatch } from './lensRuns.ts';
import { meanReciprocalRanks, rate } from './metrics.ts';
import { prepareExamples } from './prepare.ts';
import type {
  BlockRange,
  ExampleSet,
  ExperimentEngine,
  RunControl,
  SkippedExample,
  Sublayer,
  TokenRef,
} from './types.ts';

export interface OvectorSettings {
  /** d_model values: a released .npy, a vector captured in the app, or one made from a recipe. */
  vector: Float32Array | readonly number[];
  /** Default: the paper's 18-23 scaled to the model's depth (defaultOvectorBlocks). */
  blocks?: BlockRange;
  sublayer?: Sublayer;
  /** 'replace' (the paper) or 'add' x scale. */
  mode?: 'replace' | 'add';
  scale?: number;
  /** 'all' (the paper) or only the last position. */
  positions?: 'all' | 'last';
}

/** The settings as they ran, every default filled in (the vector itself left out). */
export interface OvectorSettingsUsed {
  blocks: BlockRange;
  sublayer: Sublayer;
  mode: 'replace' | 'add';
  scale: number;
  positions: 'all' | 'last';
  vectorNorm: number;
}

export interface RunTrace {
  /** Rank of the answer per state. */
  ranks: number[];
  top1: TokenRef;
}

export interface OvectorExampleResult {
  id: string | number;
  answer: TokenRef;
  argument: TokenRef | null;
  control: RunTrace;
  intervened: RunTrace;
  /** The intervention did not change the final top-1. */
  noEffect: boolean;
}

export interface OvectorSummary {
  count: number;
  meanReciprocalRank: { control: number[] | null; intervened: number[] | null };
  noEffectRate: number;
  /** Final top-1 is the answer. */
  accuracy: { control: number; intervened: number };
}

export interface OvectorResult {
  experiment: 'ovector';
  model: ModelInfo;
  data: { name: string; count: number };
  settings: OvectorSettingsUsed;
  examples: OvectorExampleResult[];
  skipped: SkippedExample[];
  summary: OvectorSummary;
}

export async function runOvector(
  engine: ExperimentEngine,
  set: ExampleSet,
  settings: OvectorSettings,
  control: RunControl<OvectorExampleResult> = {},
): Promise<OvectorResult> {
  const used = ovectorSettingsUsed(engine.info, settings);
  const intervention = ovectorIntervention(settings, used);
  const { examples, skipped } = prepareExamples(engine, set);
  const results = await runInBatches(examples, control, BY_LENGTH, async (batch) => {
    const before = await traceBatch(engine, batch, undefined, control.signal);
    const after = await traceBatch(engine, batch, intervention, control.signal);
    return batch.map((example, i) => {
      const c = runTrace(before[i]!);
      const v = runTrace(after[i]!);
      return {
        id: example.id,
        answer: example.answer,
        argument: example.argument,
        control: c,
        intervened: v,
        noEffect: c.top1.id === v.top1.id,
      };
    });
  });
  return {
    experiment: 'ovector',
    model: engine.info,
    data: { name: set.name, count: set.examples.length },
    settings: used,
    examples: results,
    skipped,
    summary: summarizeOvector(results),
  };
}

export function summarizeOvector(examples: readonly OvectorExampleResult[]): OvectorSummary {
  const correct = (run: 'control' | 'intervened') =>
    rate(examples.map((e) => e[run].top1.id === e.answer.id));
  return {
    count: examples.length,
    meanReciprocalRank: {
      control: meanReciprocalRanks(examples.map((e) => e.control.ranks)),
      intervened: meanReciprocalRanks(examples.map((e) => e.intervened.ranks)),
    },
    noEffectRate: rate(examples.map((e) => e.noEffect)),
    accuracy: { control: correct('control'), intervened: correct('intervened') },
  };
}

/** Fills in the defaults and checks the vector's size and the blocks against the model. */
export function ovectorSettingsUsed(
  model: Pick<ModelInfo, 'nLayer' | 'nEmbd'>,
  settings: OvectorSettings,
): OvectorSettingsUsed {
  const { vector } = settings;
  if (vector.length !== model.nEmbd) {
    throw new EngineError(
      `the vector has ${vector.length} values, the model's d_model is ${model.nEmbd}`,
      'bad-vector',
    );
  }
  const blocks = settings.blocks ?? defaultOvectorBlocks(model.nLayer);
  try {
    checkBlockRange(blocks, model.nLayer);
  } catch (error) {
    throw new EngineError((error as Error).message, 'bad-request');
  }
  const mode = settings.mode ?? 'replace';
  const scale = mode === 'add' ? (settings.scale ?? 1) : 1;
  let norm = 0;
  for (const x of vector) norm += x * x;
  return {
    blocks,
    sublayer: settings.sublayer ?? 'ffn',
    mode,
    scale,
    positions: settings.positions ?? 'all',
    vectorNorm: Math.sqrt(norm),
  };
}

/** The engine's intervention: the vector on every block of the range. */
export function ovectorIntervention(
  settings: Pick<OvectorSettings, 'vector'>,
  used: Omit<OvectorSettingsUsed, 'vectorNorm'>,
): InterventionSpec {
  const vector = Float32Array.from(settings.vector);
  const perBlock = Object.fromEntries(
    blocksOf(used.blocks).map((b) => [b, { mode: used.mode, vector, scale: used.scale }]),
  );
  return { positions: used.positions, [used.sublayer]: perBlock };
}

export function runTrace(trace: ExampleTrace): RunTrace {
  return { ranks: trace.answerRanks, top1: trace.top1 };
}
