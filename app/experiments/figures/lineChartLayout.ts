/**
 * Geometry of the experiment figures (mean reciprocal rank per state, accuracy per ablation step):
 * pure functions, d3 scales and paths; the React components only draw what these return. Every
 * colour and font is an attribute, so the SVG stands alone (exports, the report's HTML).
 */
import { line, scaleLinear } from 'd3';

export interface ChartPoint {
  x: number;
  y: number | null;
}

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
  points: ChartPoint[];
}

export interface ChartBand {
  x0: number;
  x1: number;
  label: string;
  color: string;
}

export interface ChartMarker {
  x: number;
  label: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xDomain: [number, number];
  yDomain: [number, number];
  xTicks: Array<{ value: number; label: string }>;
  series: ChartSeries[];
  bands?: ChartBand[];
  markers?: ChartMarker[];
  /** A line under the plot (a rate, what the bands mean). */
  note?: string;
}

export const CHART_FONT = 'system-ui, -apple-system, Segoe UI, sans-serif';
/** Colour-blind-safe (Okabe-Ito) in the order series take them. */
export const SERIES_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

export interface ChartGeometry {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  plotTop: number;
  plotBottom: number;
  x: (v: number) => number;
  y: (v: number) => number;
  yTicks: Array<{ value: number; label: string }>;
  legend: Array<{ series: ChartSeries; x: number; y: number }>;
  /** The note, wrapped to the width. */
  noteLines: string[];
}

const LEGEND_ROW = 22;
const CHAR_PX = 7.6;

export function chartGeometry(spec: ChartSpec, width: number, plotHeight = 260): ChartGeometry {
  const plotLeft = 64;
  const plotRight = width - 20;
  // the legend flows in rows above the plot
  let lx = plotLeft;
  let row = 0;
  const legendAt: Array<{ series: ChartSeries; x: number; row: number }> = [];
  for (const series of spec.series) {
    const w = 36 + series.label.length * CHAR_PX + 18;
    if (lx > plotLeft && lx + w > plotRight) {
      lx = plotLeft;
      row++;
    }
    legendAt.push({ series, x: lx, row });
    lx += w;
  }
  const legendTop = 40;
  const plotTop = legendTop + (row + 1) * LEGEND_ROW + 14;
  const plotBottom = plotTop + plotHeight;
  const x = scaleLinear().domain(spec.xDomain).range([plotLeft, plotRight]);
  const y = scaleLinear().domain(spec.yDomain).range([plotBottom, plotTop]).nice();
  const yTicks = y.ticks(5).map((value) => ({ value, label: String(Number(value.toFixed(2))) }));
  const noteLines = spec.note ? wrapWords(spec.note, Math.floor((width - plotLeft) / CHAR_PX)) : [];
  return {
    width,
    height: plotBottom + 56 + noteLines.length * 18 + (noteLines.length ? 4 : 0),
    noteLines,
    plotLeft,
    plotRight,
    plotTop,
    plotBottom,
    x: (v) => x(v),
    y: (v) => y(v),
    yTicks,
    legend: legendAt.map((l) => ({ series: l.series, x: l.x, y: legendTop + l.row * LEGEND_ROW })),
  };
}

/** Words in lines of at most `maxChars` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > maxChars) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

/** The series' path; gaps (null) break the line. */
export function seriesLinePath(
  points: readonly ChartPoint[],
  g: Pick<ChartGeometry, 'x' | 'y'>,
): string | null {
  const path = line<ChartPoint>()
    .defined((p) => p.y !== null && Number.isFinite(p.y))
    .x((p) => g.x(p.x))
    .y((p) => g.y(p.y ?? 0));
  return path(points as ChartPoint[]);
}

/** Residual states on the paper's axis: state s at s / 2 (embeddings 0, block i's output i + 1). */
export function stateTicks(nLayer: number): Array<{ value: number; label: string }> {
  const step = nLayer <= 12 ? 1 : nLayer <= 24 ? 2 : 4;
  const ticks: Array<{ value: number; label: string }> = [];
  for (let b = 0; b <= nLayer; b += step) ticks.push({ value: b, label: b === 0 ? 'emb' : String(b) });
  return ticks;
}

/** Per-state values as chart points on the state axis. */
export function statePoints(values: ReadonlyArray<number | null> | null): ChartPoint[] {
  return (values ?? []).map((y, s) => ({ x: s / 2, y: y ?? null }));
}

/** The chart's data as CSV rows: one row per series and point. */
export function chartCsv(spec: ChartSpec): string {
  const rows = ['series,x,y'];
  for (const s of spec.series)
    for (const p of s.points) rows.push(`${JSON.stringify(s.label)},${p.x},${p.y ?? ''}`);
  return `${rows.join('\n')}\n`;
}
