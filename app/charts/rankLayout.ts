/**
 * Geometry of the rank plot (the paper's X: the argument's reciprocal rank falls as the answer's rises).
 * Pure functions: d3 computes scales, paths and ticks; React draws them.
 *
 * x axis: embeddings at 0, block i's attention state at i + 0.5, block i's output at i + 1, i.e. state
 * s sits at s / 2. Stage bands and the function application marker sit halfway between states, where
 * the sublayer that changes the prediction acts.
 */
import { line, type ScaleLinear, type ScaleLogarithmic, scaleLinear, scaleLog } from 'd3';
import {
  describeStages,
  type FunctionApplication,
  rankInState,
  reciprocalRank,
  type StateRange,
} from '../analysis/stages.ts';
import type { LensGrid, TrackedTokens, ViewSettings } from '../domain.ts';
import { visibleToken } from '../tokenText.ts';
import type { StageMarks } from './heatmapLayout.ts';

export type RankScale = ViewSettings['rank'];

/** One line of the plot: a token's rank per residual state (0 = top; null/undefined/NaN = unknown). */
export interface RankSeriesInput {
  /** 'argument', 'answer', or any other id; used for data-series and colours. */
  key: string;
  /** The token as shown, e.g. "␣Poland". */
  label: string;
  /** Role shown before the label in the legend; default the key for 'argument' and 'answer'. */
  name?: string;
  ranks: ReadonlyArray<number | null | undefined>;
}

/** x position of residual state s. */
export function stateX(state: number): number {
  return state / 2;
}

/** A known rank (finite, >= 0) or null. */
export function knownRank(rank: number | null | undefined): number | null {
  return rank === null || rank === undefined || !Number.isFinite(rank) || rank < 0 ? null : rank;
}

/** The plotted value: 1 / (rank + 1) on the reciprocal scale, rank + 1 on the log scale. */
export function rankValue(rank: number | null | undefined, scale: RankScale): number | null {
  const r = knownRank(rank);
  if (r === null) return null;
  return scale === 'reciprocal' ? reciprocalRank(r) : r + 1;
}

export interface RankPoint {
  state: number;
  x: number;
  rank: number | null;
  value: number | null;
}

/** Points for every state 0..nStates-1; states not arrived yet (streaming) have rank null. */
export function rankPoints(
  ranks: ReadonlyArray<number | null | undefined>,
  nStates: number,
  scale: RankScale,
): RankPoint[] {
  return Array.from({ length: nStates }, (_, s) => ({
    state: s,
    x: stateX(s),
    rank: knownRank(ranks[s]),
    value: rankValue(ranks[s], scale),
  }));
}

/** Upper end of the log axis: the next power of ten above every rank + 1 (at least 10). */
export function logDomainMax(series: ReadonlyArray<ReadonlyArray<number | null | undefined>>): number {
  let max = 1;
  for (const ranks of series) {
    for (const r of ranks) {
      const k = knownRank(r);
      if (k !== null) max = Math.max(max, k + 1);
    }
  }
  return Math.max(10, 10 ** Math.ceil(Math.log10(max)));
}

export interface RankMargins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export type YScale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;

export interface RankGeometry {
  width: number;
  plotLeft: number;
  plotRight: number;
  plotTop: number;
  plotBottom: number;
  x: ScaleLinear<number, number>;
  y: YScale;
  scale: RankScale;
}

/** Scales: x over [0, nLayer] (fixed, so streaming never rescales it); y top = best rank. */
export function rankGeometry(o: {
  width: number;
  nLayer: number;
  plotTop: number;
  plotHeight: number;
  margins: Pick<RankMargins, 'left' | 'right'>;
  scale: RankScale;
  logMax: number;
}): RankGeometry {
  const plotLeft = o.margins.left;
  const plotRight = Math.max(plotLeft + 40, o.width - o.margins.right);
  const plotTop = o.plotTop;
  const plotBottom = o.plotTop + o.plotHeight;
  const x = scaleLinear()
    .domain([0, Math.max(1, o.nLayer)])
    .range([plotLeft, plotRight]);
  const y: YScale =
    o.scale === 'reciprocal'
      ? scaleLinear().domain([0, 1]).range([plotBottom, plotTop])
      : scaleLog().domain([1, o.logMax]).range([plotTop, plotBottom]).clamp(true);
  return { width: o.width, plotLeft, plotRight, plotTop, plotBottom, x, y, scale: o.scale };
}

/**
 * Major ticks at whole layers (thinned so labels stay >= minSpacing px apart), minor ticks at the
 * after-attention states (i + 0.5).
 */
export function xTicks(
  nLayer: number,
  plotWidth: number,
  minSpacing = 34,
): { major: number[]; minor: number[] } {
  const perLayer = plotWidth / Math.max(1, nLayer);
  const step = [1, 2, 4, 5, 10, 20, 25, 50].find((s) => s * perLayer >= minSpacing) ?? 100;
  const major: number[] = [];
  for (let v = 0; v <= nLayer; v += step) major.push(v);
  const minor: number[] = [];
  for (let i = 0; i < nLayer; i++) minor.push(i + 0.5);
  return { major, minor };
}

export function xTickLabel(v: number): string {
  return v === 0 ? 'emb' : String(v);
}

/** Compact rank labels: 1, 10, 100, 1k, 10k, 100k. */
export function logTickLabel(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

export function yTicks(scale: RankScale, logMax: number): Array<{ value: number; label: string }> {
  if (scale === 'reciprocal') {
    return [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, label: String(v) }));
  }
  const out: Array<{ value: number; label: string }> = [];
  for (let v = 1; v <= logMax; v *= 10) out.push({ value: v, label: logTickLabel(v) });
  return out;
}

/** A stage's band in x units: from halfway before its first state to halfway after its last. */
export function stageBand(range: StateRange, nLayer: number): { x0: number; x1: number } {
  const x0 = Math.max(0, stateX(range.from) - 0.25);
  const x1 = Math.min(nLayer, stateX(range.to) + 0.25);
  return { x0, x1 };
}

/** Function application: between the state before and the state where the answer takes over. */
export function functionApplicationX(state: number): number {
  return Math.max(0, stateX(state) - 0.25);
}

/** "FFN 19" or "attn 19". */
export function functionApplicationLabel(fa: Pick<FunctionApplication, 'block' | 'sublayer'>): string {
  return `${fa.sublayer === 'ffn' ? 'FFN' : 'attn'} ${fa.block}`;
}

/**
 * x (px) of the stage labels in the strip above the plot: B's text centred on its line (kept inside
 * [lo, hi]), the letters A and C at their bands' centres but pushed clear of B's text.
 */
export function stageLabelXs(o: {
  a: number | null;
  b: number | null;
  bWidth: number;
  c: number | null;
  lo: number;
  hi: number;
  gap?: number;
}): { a: number | null; b: number | null; c: number | null } {
  const gap = o.gap ?? 6;
  const letter = 6;
  if (o.b === null) return { a: o.a, b: null, c: o.c };
  const b = Math.min(o.hi - o.bWidth / 2, Math.max(o.lo + o.bWidth / 2, o.b));
  const a = o.a === null ? null : Math.min(o.a, b - o.bWidth / 2 - gap - letter);
  const c = o.c === null ? null : Math.max(o.c, b + o.bWidth / 2 + gap + letter);
  return { a, b, c };
}

/** The SVG path of a series; gaps where the rank is unknown. Null when no point is known. */
export function seriesPath(points: readonly RankPoint[], g: Pick<RankGeometry, 'x' | 'y'>): string | null {
  if (!points.some((p) => p.value !== null)) return null;
  const gen = line<RankPoint>()
    .defined((p) => p.value !== null)
    .x((p) => g.x(p.x))
    .y((p) => g.y(p.value ?? 1));
  return gen(points as RankPoint[]);
}

/**
 * Vertical positions for end-of-line labels: each near its wish, at least minGap apart, within
 * [lo, hi]. Greedy top-down then bottom-up pass (enough for a handful of series).
 */
export function placeLabels(
  items: ReadonlyArray<{ key: string; y: number }>,
  minGap: number,
  lo: number,
  hi: number,
): Map<string, number> {
  const sorted = [...items].sort((a, b) => a.y - b.y).map((i) => ({ key: i.key, y: i.y }));
  for (let i = 0; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i]!;
    cur.y = Math.max(cur.y, lo, prev ? prev.y + minGap : lo);
  }
  for (let i = sorted.length - 1; i >= 0; i--) {
    const next = sorted[i + 1];
    const cur = sorted[i]!;
    cur.y = Math.min(cur.y, next ? next.y - minGap : hi);
  }
  return new Map(sorted.map((i) => [i.key, i.y]));
}

/** Greedy word wrap to lines of at most maxChars (a longer word gets a line of its own). */
export function wrapText(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > maxChars) {
      lines.push(cur);
      cur = word;
    } else {
      cur = cur ? `${cur} ${word}` : word;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Colour-blind safe (Okabe-Ito); series differ by marker shape too, so colour is never the only cue. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
export const SYMBOLS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'wye'] as const;
export type SymbolName = (typeof SYMBOLS)[number];

/** Argument blue with circles, answer vermillion with squares, others in palette order. */
export function seriesStyle(key: string, index: number): { color: string; symbol: SymbolName } {
  if (key === 'argument') return { color: PALETTE[0]!, symbol: 'circle' };
  if (key === 'answer') return { color: PALETTE[1]!, symbol: 'square' };
  const i = 2 + (index % (PALETTE.length - 2));
  return { color: PALETTE[i]!, symbol: SYMBOLS[i % SYMBOLS.length]! };
}

/** Legend text for a series: "argument: ␣Poland". */
export function seriesLegend(s: Pick<RankSeriesInput, 'key' | 'label' | 'name'>): string {
  const name = s.name ?? (s.key === 'argument' || s.key === 'answer' ? s.key : undefined);
  return name ? `${name}: ${s.label}` : s.label;
}

export type RankStages = (StageMarks & { argumentIsAnswer?: boolean }) | null | undefined;

/** The stage key as prose: what the shading means, then where the stages are. */
export function stageLegendText(stages: RankStages): string {
  if (!stages) return '';
  const key = 'Shaded A: argument formation · line B: function application · shaded C: saturation.';
  return `${key} ${describeStages({ argumentIsAnswer: false, ...stages })}`;
}

/**
 * A tracked token's rank per residual state at one position (default the last) from a lens grid:
 * the tracked entry, else its place in the top-k, else undefined (unknown or not arrived).
 */
export function rankSeriesFromGrid(grid: LensGrid, id: number, position?: number): Array<number | undefined> {
  const p = position ?? grid.tokens.length - 1;
  const n = 2 * grid.nLayer + 1;
  return Array.from({ length: n }, (_, s) => {
    const st = grid.grid[s]?.[p];
    if (!st) return undefined;
    const r = rankInState(st, id);
    return Number.isFinite(r) ? r : undefined;
  });
}

/** The argument and answer series from the app's tracked tokens (those that are set). */
export function trackedSeries(grid: LensGrid, tracked: TrackedTokens, position?: number): RankSeriesInput[] {
  const out: RankSeriesInput[] = [];
  if (tracked.argument) {
    out.push({
      key: 'argument',
      label: visibleToken(tracked.argument.text),
      ranks: rankSeriesFromGrid(grid, tracked.argument.id, position),
    });
  }
  if (tracked.answer) {
    out.push({
      key: 'answer',
      label: visibleToken(tracked.answer.text),
      ranks: rankSeriesFromGrid(grid, tracked.answer.id, position),
    });
  }
  return out;
}
