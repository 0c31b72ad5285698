/**
 * The paper's figures from experiment outcomes, as chart specs (pure; tested): Figure 3's mean
 * reciprocal rank of argument and answer per state with the stages shaded, Figure 5's control vs
 * intervened answer per state with the no-effect rate, Figure 7's accuracy per ablation step.
 */
import type {
  AblationResult,
  OvectorResult,
  StagesResult,
  StagesSummary,
} from '../../../workers/experiments/index.ts';
import {
  type ChartBand,
  type ChartMarker,
  type ChartSpec,
  SERIES_COLORS,
  statePoints,
  stateTicks,
} from './lineChartLayout.ts';

/** Below this mean reciprocal rank (about rank 20) a curve marks no stage: random weights draw none. */
const MIN_STAGE_MRR = 0.05;

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function figure3Spec(outcome: StagesResult, dataLabel: string): ChartSpec {
  const nLayer = outcome.model.nLayer;
  const { meanReciprocalRank: mrr, correct, count, accuracy } = outcome.summary;
  const [argColor, ansColor] = SERIES_COLORS;
  const series = [
    {
      key: 'argument-correct',
      label: 'argument (correct)',
      color: argColor!,
      points: statePoints(mrr.correct.argument),
    },
    {
      key: 'answer-correct',
      label: 'answer (correct)',
      color: ansColor!,
      points: statePoints(mrr.correct.answer),
    },
    {
      key: 'argument-all',
      label: 'argument (all)',
      color: argColor!,
      dashed: true,
      points: statePoints(mrr.all.argument),
    },
    {
      key: 'answer-all',
      label: 'answer (all)',
      color: ansColor!,
      dashed: true,
      points: statePoints(mrr.all.answer),
    },
  ].filter((s) => s.points.length > 0);
  const bands = meanStageBands(outcome.summary);
  const marker = applicationMarker(outcome.summary);
  return {
    title: `Figure 3 · ${dataLabel}: mean reciprocal rank per state`,
    xLabel: 'residual state (block output; halves: after attention)',
    yLabel: 'mean reciprocal rank',
    xDomain: [0, nLayer],
    yDomain: [0, 1],
    xTicks: stateTicks(nLayer),
    series,
    bands,
    ...(marker ? { markers: [marker] } : {}),
    note: `${count} examples, ${correct} correct (${pct(accuracy)}); solid: correct only (the paper's filter), dashed: all`,
  };
}

/**
 * Stage bands of the mean curves: saturation where the answer's mean stays at or above 90% of its
 * final value; argument formation before it, where the argument's mean is at least half its peak
 * and above the answer's. On correct examples, else on all.
 */
export function meanStageBands(summary: StagesSummary): ChartBand[] {
  const group = summary.correct > 0 ? summary.meanReciprocalRank.correct : summary.meanReciprocalRank.all;
  const answer = group.answer ?? [];
  const argument = group.argument ?? [];
  const bands: ChartBand[] = [];
  const n = answer.length;
  if (n === 0) return bands;
  const final = answer[n - 1]!;
  let from = n - 1;
  if (final > 0) while (from > 0 && answer[from - 1]! >= 0.9 * final) from--;
  const saturated = final >= MIN_STAGE_MRR;
  if (saturated)
    bands.push({ x0: Math.max(0, from / 2 - 0.25), x1: (n - 1) / 2, label: 'saturation', color: '#d55e00' });
  const peak = Math.max(0, ...argument);
  const end = saturated ? from : n;
  let first = -1;
  let last = -1;
  for (let s = 0; s < end && s < argument.length; s++) {
    if (peak >= MIN_STAGE_MRR && argument[s]! >= 0.5 * peak && argument[s]! > (answer[s] ?? 0)) {
      if (first < 0) first = s;
      last = s;
    }
  }
  if (first >= 0)
    bands.unshift({
      x0: Math.max(0, first / 2 - 0.25),
      x1: last / 2 + 0.25,
      label: 'argument formation',
      color: '#0072b2',
    });
  return bands;
}

/** Where function application happens most often (the block and sublayer), as a marker. */
export function applicationMarker(summary: StagesSummary): ChartMarker | undefined {
  const { attn, ffn, examples } = summary.functionApplication;
  if (examples === 0) return undefined;
  let best = { block: 0, sublayer: 'ffn' as 'attn' | 'ffn', count: -1 };
  for (let b = 0; b < ffn.length; b++) {
    if (attn[b]! > best.count) best = { block: b, sublayer: 'attn', count: attn[b]! };
    if (ffn[b]! > best.count) best = { block: b, sublayer: 'ffn', count: ffn[b]! };
  }
  // block b's attention acts between states 2b and 2b+1, its FFN between 2b+1 and 2b+2
  const x = best.sublayer === 'attn' ? best.block + 0.25 : best.block + 0.75;
  return {
    x,
    label: `function application: ${best.sublayer === 'ffn' ? 'FFN' : 'attn'} ${best.block} (${best.count}/${examples})`,
  };
}

export function figure5Spec(outcome: OvectorResult, dataLabel: string, role: string): ChartSpec {
  const nLayer = outcome.model.nLayer;
  const { meanReciprocalRank: mrr, noEffectRate, accuracy, count } = outcome.summary;
  const { blocks, sublayer, mode } = outcome.settings;
  return {
    title: `Figure 5 · ${role}: ${dataLabel}`,
    xLabel: 'residual state',
    yLabel: 'mean reciprocal rank of the answer',
    xDomain: [0, nLayer],
    yDomain: [0, 1],
    xTicks: stateTicks(nLayer),
    series: [
      { key: 'control', label: 'control', color: SERIES_COLORS[0]!, points: statePoints(mrr.control) },
      {
        key: 'intervened',
        label: `o-vector (${mode}, ${sublayer.toUpperCase()} ${blocks.from}-${blocks.to})`,
        color: SERIES_COLORS[1]!,
        dashed: true,
        points: statePoints(mrr.intervened),
      },
    ],
    bands: [{ x0: blocks.from, x1: blocks.to + 1, label: 'intervened blocks', color: '#e69f00' }],
    note: `${count} examples · no effect ${pct(noEffectRate)} · top-1 correct: control ${pct(accuracy.control)}, intervened ${pct(accuracy.intervened)}`,
  };
}

export function figure7Spec(
  variants: ReadonlyArray<{ role: string; dataLabel: string; outcome: AblationResult }>,
): ChartSpec {
  const first = variants[0]?.outcome;
  const nSteps = first?.steps.length ?? 1;
  const sublayer = first?.settings.sublayer ?? 'ffn';
  return {
    title: `Figure 7: accuracy as the top ${sublayer === 'ffn' ? 'FFNs' : 'attention sublayers'} are removed`,
    xLabel: `blocks removed from the top (${sublayer === 'ffn' ? 'FFN' : 'attention'} outputs zeroed at every position)`,
    yLabel: 'accuracy (top-1 = answer)',
    xDomain: [0, Math.max(1, nSteps - 1)],
    yDomain: [0, 1],
    xTicks: (first?.steps ?? []).map((s, j) => ({ value: j, label: String(s.removed.length) })),
    series: variants.map((v, i) => ({
      key: v.role,
      label: `${v.role}: ${v.dataLabel}`,
      color: SERIES_COLORS[i]!,
      ...(i > 0 ? { dashed: true } : {}),
      points: v.outcome.steps.map((s, j) => ({ x: j, y: s.accuracy })),
    })),
    note: variants.map((v) => `${v.role}: ${v.outcome.examples.length} examples`).join(' · '),
  };
}
