/**
 * Geometry of the block-range sweep's heatmap (beyond the paper): start block across, end block up,
 * one cell per range, coloured by the chosen metric on a fixed 0-1 scale (so two sweeps compare),
 * the best range marked. Pure functions and d3 scales; SweepHeatmap.tsx only draws what this returns.
 */
import { interpolateViridis, scaleBand, scaleSequential } from 'd3';
import type { SweepCell, SweepResult } from '../../../workers/experiments/index.ts';

export type SweepMetric = 'meanReciprocalRank' | 'accuracy' | 'noEffectRate';

export const SWEEP_METRICS: Record<SweepMetric, string> = {
  meanReciprocalRank: 'mean reciprocal rank',
  accuracy: 'accuracy',
  noEffectRate: 'no-effect rate',
};

/** Room for the title above a small grid. */
const MIN_WIDTH = 680;

export interface SweepCellBox {
  cell: SweepCell;
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
  fill: string;
  /** Dark text on light cells, light on dark ones. */
  ink: string;
  best: boolean;
}

export interface SweepLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotTop: number;
  plotRight: number;
  plotBottom: number;
  starts: Array<{ block: number; x: number }>;
  ends: Array<{ block: number; y: number }>;
  cells: SweepCellBox[];
  best: SweepCell | undefined;
  /** Colour ramp stops for the legend (value 0..1 -> colour). */
  legend: Array<{ value: number; color: string }>;
}

/**
 * The best range: highest mean reciprocal rank, then accuracy, then the fewest blocks, then the
 * earliest start. A lower no-effect rate is better, so for it the lowest value wins.
 */
export function bestSweepCell(
  cells: readonly SweepCell[],
  metric: SweepMetric = 'meanReciprocalRank',
): SweepCell | undefined {
  const sign = metric === 'noEffectRate' ? -1 : 1;
  const order = (a: SweepCell, b: SweepCell): number =>
    sign * (b[metric] - a[metric]) ||
    b.meanReciprocalRank - a.meanReciprocalRank ||
    b.accuracy - a.accuracy ||
    a.to - a.from - (b.to - b.from) ||
    a.from - b.from;
  return [...cells].sort(order)[0];
}

export function sweepLayout(
  result: Pick<SweepResult, 'cells'>,
  metric: SweepMetric,
  width: number,
  cellMax = 56,
): SweepLayout {
  const starts = [...new Set(result.cells.map((c) => c.from))].sort((a, b) => a - b);
  const ends = [...new Set(result.cells.map((c) => c.to))].sort((a, b) => b - a);
  const plotLeft = 64;
  const plotTop = 40;
  const legendWidth = 90;
  const side = Math.max(12, Math.min(cellMax, (width - plotLeft - legendWidth) / Math.max(1, starts.length)));
  const plotRight = plotLeft + side * starts.length;
  const plotBottom = plotTop + side * ends.length;
  const x = scaleBand<number>().domain(starts).range([plotLeft, plotRight]).padding(0.04);
  const y = scaleBand<number>().domain(ends).range([plotTop, plotBottom]).padding(0.04);
  const color = scaleSequential(interpolateViridis).domain([0, 1]);
  const best = bestSweepCell(result.cells, metric);
  const cells = result.cells.map((cell) => {
    const value = cell[metric];
    return {
      cell,
      x: x(cell.from)!,
      y: y(cell.to)!,
      width: x.bandwidth(),
      height: y.bandwidth(),
      value,
      fill: color(value),
      ink: value > 0.6 ? '#111827' : '#ffffff',
      best: cell === best,
    };
  });
  return {
    // as wide as the grid and its legend need (the title's width at least), never the whole row
    width: Math.max(MIN_WIDTH, plotRight + legendWidth),
    height: plotBottom + 56,
    plotLeft,
    plotTop,
    plotRight,
    plotBottom,
    starts: starts.map((block) => ({ block, x: x(block)! + x.bandwidth() / 2 })),
    ends: ends.map((block) => ({ block, y: y(block)! + y.bandwidth() / 2 })),
    cells,
    best,
    legend: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, color: color(value) })),
  };
}

/** The sweep as a table: one row per range, then the control (no intervention). */
export function sweepCsv(result: Pick<SweepResult, 'cells' | 'control'>): string {
  const rows = ['from,to,mean_reciprocal_rank,accuracy,no_effect_rate'];
  for (const c of result.cells)
    rows.push([c.from, c.to, c.meanReciprocalRank, c.accuracy, c.noEffectRate].join(','));
  rows.push(['control', 'control', result.control.meanReciprocalRank, result.control.accuracy, ''].join(','));
  return `${rows.join('\n')}\n`;
}
