/**
 * Figure 3 for several models on one axis: each model's mean reciprocal rank of the answer (solid)
 * and the argument (dashed) per residual state, at the state's relative depth (index / (2L), 0 the
 * embeddings, 1 after the last block), so models of different depths overlay ("the stages occur at
 * similar points proportionally"). Over all examples (correct-only would drop a model with none
 * correct); one colour and legend entry per model and token. Pure.
 */
import type { StagesResult } from '../../../workers/experiments/index.ts';
import { type ChartSeries, type ChartSpec, SERIES_COLORS } from './lineChartLayout.ts';

export interface DepthRun {
  /** The model as the legend names it. */
  label: string;
  outcome: Pick<StagesResult, 'model' | 'summary'>;
}

/** Two series per model (answer, argument), x = relative depth of each state. */
export function relativeDepthSeries(runs: readonly DepthRun[]): ChartSeries[] {
  return runs.flatMap((run, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    const { meanReciprocalRank, relativeDepth } = run.outcome.summary;
    const states = 2 * run.outcome.model.nLayer;
    const depth = (s: number): number => relativeDepth[s] ?? s / states;
    const points = (values: ReadonlyArray<number | null> | null) =>
      (values ?? []).map((y, s) => ({ x: depth(s), y: y ?? null }));
    const answer = {
      key: `${i}-answer`,
      label: `${run.label} · answer`,
      color,
      points: points(meanReciprocalRank.all.answer),
    };
    const argument = {
      key: `${i}-argument`,
      label: `${run.label} · argument`,
      color,
      dashed: true,
      points: points(meanReciprocalRank.all.argument),
    };
    return [answer, argument].filter((s) => s.points.length > 0);
  });
}

export function depthOverlaySpec(runs: readonly DepthRun[], dataLabel: string): ChartSpec {
  const depths = runs.map((r) => `${r.label} ${r.outcome.model.nLayer} blocks`).join(', ');
  return {
    title: `Figure 3 · ${dataLabel}: models on a relative-depth axis`,
    xLabel: 'relative depth (state / 2L: 0 embeddings, 1 after the last block)',
    yLabel: 'mean reciprocal rank (all examples)',
    xDomain: [0, 1],
    yDomain: [0, 1],
    xTicks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, label: String(value) })),
    series: relativeDepthSeries(runs),
    note: `${depths}; solid: answer, dashed: argument`,
  };
}
