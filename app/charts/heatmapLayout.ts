/**
 * Layout math for the lens heatmap and the top-k table (colours: heatmapColors.ts). Pure functions: no
 * DOM, no React, so the geometry (which rows, how wide, which text colour) is unit-tested in Node.
 */
import type { StateResult, TopEntry } from '../../workers/engine/types.ts';
import type { Stages } from '../analysis/stages.ts';
import type { ViewSettings } from '../domain.ts';
import { visibleToken } from '../tokenText.ts';
import { type ColorScheme, DARK_TEXT, probColor, textColorOn } from './heatmapColors.ts';

export * from './heatmapColors.ts';

export type HeatmapRows = ViewSettings['rows'];

/**
 * The residual states shown as rows: 'all' = every state 0..2L; 'blocks' = the embeddings and each
 * block's output (states 0 and 2i+2), the paper's usual per-layer view.
 */
export function displayedStates(nLayer: number, rows: HeatmapRows): number[] {
  const out: number[] = [0];
  for (let i = 0; i < nLayer; i++) {
    if (rows === 'all') out.push(2 * i + 1);
    out.push(2 * i + 2);
  }
  return out;
}

/** Short row label: "embed", "attn 3" (after block 3's attention), "block 3" (after block 3). */
export function stateLabel(index: number): string {
  if (index === 0) return 'embed';
  const block = Math.floor((index - 1) / 2);
  return index % 2 === 1 ? `attn ${block}` : `block ${block}`;
}

/** Long description for tooltips and screen readers. */
export function stateDescription(index: number): string {
  if (index === 0) return 'embeddings';
  const block = Math.floor((index - 1) / 2);
  return index % 2 === 1 ? `after block ${block}'s attention` : `after block ${block} (its FFN output added)`;
}

/** Monospace glyph width as a fraction of the font size (ui-monospace, Menlo, Consolas are 0.6). */
export const MONO_CHAR_EM = 0.62;

/** How many monospace characters fit in `width` pixels, with `padding` on each side. */
export function maxCharsFor(width: number, fontSize: number, padding = 4): number {
  return Math.max(1, Math.floor((width - 2 * padding) / (fontSize * MONO_CHAR_EM)));
}

/** Cut to `maxChars` code points, the last one an ellipsis when cut (never splits a surrogate pair). */
export function truncateText(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  if (maxChars <= 1) return '…';
  return `${chars.slice(0, maxChars - 1).join('')}…`;
}

/** Above this many cells the heatmap draws them on a canvas: thousands of SVG text nodes get slow. */
export const CANVAS_CELL_THRESHOLD = 3000;

export function shouldUseCanvas(nRows: number, nCols: number, threshold = CANVAS_CELL_THRESHOLD): boolean {
  return nRows * nCols > threshold;
}

export interface HeatmapLayoutOptions {
  nLayer: number;
  rows: HeatmapRows;
  nPositions: number;
  /** Width the heatmap may take before it scrolls horizontally (the container's width). */
  availableWidth: number;
  /** Room on the right for stage letters. */
  stageGutter?: boolean;
  /** Row height, clamped to MIN_ROW_HEIGHT..ROW_HEIGHT; default ROW_HEIGHT (present mode fits rows to a slide). */
  rowHeight?: number;
}

export interface HeatmapLayout {
  states: number[];
  labelWidth: number;
  legendHeight: number;
  headerHeight: number;
  cellWidth: number;
  rowHeight: number;
  /** Top-left of the cell grid. */
  gridX: number;
  gridY: number;
  gridWidth: number;
  gridHeight: number;
  width: number;
  height: number;
  /** Characters of a token that fit in a cell. */
  cellChars: number;
}

export const CELL_FONT = 13;
export const LABEL_FONT = 14;
export const HEADER_FONT = 13;
export const ROW_HEIGHT = 26;
/** The 13 px cell text still fits its 4 px-inset rectangle. */
export const MIN_ROW_HEIGHT = 18;

/** A row height the heatmap can draw: whole pixels, MIN_ROW_HEIGHT..ROW_HEIGHT. */
export function clampRowHeight(height: number): number {
  return Math.min(ROW_HEIGHT, Math.max(MIN_ROW_HEIGHT, Math.round(height)));
}
export const MIN_CELL_WIDTH = 66;
export const MAX_CELL_WIDTH = 120;
const LEGEND_HEIGHT = 50;
const HEADER_HEIGHT = 30;
const LEGEND_MIN_WIDTH = 620;
const STAGE_GUTTER = 30;

/**
 * Geometry of the heatmap. The height depends only on the model (rows), never on how many rows have
 * arrived, so nothing moves while the lens streams in. Cells shrink to fit the container down to
 * MIN_CELL_WIDTH, then the chart scrolls horizontally.
 */
export function heatmapLayout(o: HeatmapLayoutOptions): HeatmapLayout {
  const states = displayedStates(o.nLayer, o.rows);
  const longest = Math.max(...states.map((s) => stateLabel(s).length));
  const labelWidth = Math.ceil(longest * LABEL_FONT * 0.62 + 28);
  const gutter = o.stageGutter ? STAGE_GUTTER : 0;
  const nCols = Math.max(1, o.nPositions);
  const fit = Math.floor((o.availableWidth - labelWidth - gutter - 4) / nCols);
  const cellWidth = Math.min(MAX_CELL_WIDTH, Math.max(MIN_CELL_WIDTH, fit));
  const gridX = labelWidth;
  const gridY = LEGEND_HEIGHT + HEADER_HEIGHT;
  const gridWidth = cellWidth * nCols;
  const rowHeight = clampRowHeight(o.rowHeight ?? ROW_HEIGHT);
  const gridHeight = rowHeight * states.length;
  return {
    states,
    labelWidth,
    legendHeight: LEGEND_HEIGHT,
    headerHeight: HEADER_HEIGHT,
    cellWidth,
    rowHeight,
    gridX,
    gridY,
    gridWidth,
    gridHeight,
    width: Math.max(gridX + gridWidth + gutter + 2, LEGEND_MIN_WIDTH),
    height: gridY + gridHeight + 2,
    cellChars: maxCharsFor(cellWidth, CELL_FONT),
  };
}

/** The cell under a point in SVG coordinates (for the canvas renderer's hit testing). */
export function cellAt(
  layout: Pick<HeatmapLayout, 'gridX' | 'gridY' | 'cellWidth' | 'rowHeight' | 'states'>,
  nCols: number,
  x: number,
  y: number,
): { row: number; col: number } | null {
  const col = Math.floor((x - layout.gridX) / layout.cellWidth);
  const row = Math.floor((y - layout.gridY) / layout.rowHeight);
  if (col < 0 || col >= nCols || row < 0 || row >= layout.states.length) return null;
  return { row, col };
}

export interface CellPos {
  row: number;
  col: number;
}

/** Roving-focus movement: arrows, Home/End (row start/end), Ctrl+Home/End (grid corners). */
export function moveCell(
  cur: CellPos,
  key: string,
  nRows: number,
  nCols: number,
  ctrl = false,
): CellPos | null {
  const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
  switch (key) {
    case 'ArrowUp':
      return { row: clamp(cur.row - 1, nRows), col: cur.col };
    case 'ArrowDown':
      return { row: clamp(cur.row + 1, nRows), col: cur.col };
    case 'ArrowLeft':
      return { row: cur.row, col: clamp(cur.col - 1, nCols) };
    case 'ArrowRight':
      return { row: cur.row, col: clamp(cur.col + 1, nCols) };
    case 'Home':
      return ctrl ? { row: 0, col: 0 } : { row: cur.row, col: 0 };
    case 'End':
      return ctrl ? { row: nRows - 1, col: nCols - 1 } : { row: cur.row, col: nCols - 1 };
    case 'PageUp':
      return { row: 0, col: cur.col };
    case 'PageDown':
      return { row: nRows - 1, col: cur.col };
    default:
      return null;
  }
}

/** Top-1 differs between a cell and its control (only when both have arrived). */
export function topDiffers(
  cell: { top: ReadonlyArray<{ id: number }> } | undefined,
  control: { top: ReadonlyArray<{ id: number }> } | undefined,
): boolean {
  const a = cell?.top[0];
  const b = control?.top[0];
  return a !== undefined && b !== undefined && a.id !== b.id;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where a fixed-position tooltip goes: right of the cell if it fits, else left; below if it fits,
 * else above; always inside the viewport.
 */
export function placeTooltip(
  anchor: Rect,
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  gap = 8,
): { left: number; top: number } {
  let left = anchor.left + anchor.width + gap;
  if (left + size.width > viewport.width) left = anchor.left - gap - size.width;
  left = Math.max(4, Math.min(left, viewport.width - size.width - 4));
  let top = anchor.top;
  if (top + size.height > viewport.height) top = anchor.top + anchor.height - size.height;
  top = Math.max(4, Math.min(top, viewport.height - size.height - 4));
  return { left, top };
}

export type StageKey = 'A' | 'B' | 'C';

export interface StageRowMark {
  key: StageKey;
  name: string;
  /** Displayed row indices, inclusive. */
  fromRow: number;
  toRow: number;
}

/** Stage marks subset the charts need (from `detectStages`). */
export type StageMarks = Pick<Stages, 'argumentFormation' | 'functionApplication' | 'saturation'>;

/**
 * The displayed rows a state range covers. With 'blocks' rows an attention state has no row of its
 * own: it maps to its block's output row, the next one down.
 */
export function rowsForRange(states: readonly number[], from: number, to: number): [number, number] | null {
  let lo = -1;
  let hi = -1;
  for (let r = 0; r < states.length; r++) {
    const s = states[r]!;
    if (s >= from && lo < 0) lo = r;
    if (s <= to) hi = r;
  }
  if (lo < 0) return null;
  if (hi < lo) hi = lo;
  return [lo, hi];
}

/** Boxes for the paper's Figure 2 stages: A argument formation, B function application, C saturation. */
export function stageRowMarks(
  stages: StageMarks | null | undefined,
  states: readonly number[],
): StageRowMark[] {
  if (!stages) return [];
  const out: StageRowMark[] = [];
  const add = (key: StageKey, name: string, from: number, to: number): void => {
    const rows = rowsForRange(states, from, to);
    if (rows) out.push({ key, name, fromRow: rows[0], toRow: rows[1] });
  };
  if (stages.argumentFormation) {
    add('A', 'argument formation', stages.argumentFormation.from, stages.argumentFormation.to);
  }
  if (stages.functionApplication) {
    const s = stages.functionApplication.state;
    add('B', 'function application', s, s);
  }
  if (stages.saturation) add('C', 'saturation', stages.saturation.from, stages.saturation.to);
  return out;
}

/** Stage colours, distinct in hue and also told apart by dash pattern and letter. */
export const STAGE_STYLE: Record<StageKey, { color: string; dash: string; fill: string }> = {
  A: { color: '#0059b3', dash: '6 3', fill: 'rgba(0, 114, 178, 0.12)' },
  B: { color: '#c0392b', dash: '', fill: 'rgba(192, 57, 43, 0.9)' },
  C: { color: '#a66f00', dash: '2 3', fill: 'rgba(230, 159, 0, 0.16)' },
};

/** What one cell shows, shared by the SVG and canvas renderers. */
export interface CellView {
  state: StateResult | undefined;
  /** Not arrived yet (streaming). */
  pending: boolean;
  /** The run is complete and did not decode this cell (e.g. a last-position-only run). */
  missing: boolean;
  fill: string;
  textColor: string;
  /** visibleToken of the top-1, truncated to fit. */
  text: string;
  /** visibleToken of the top-1, whole. */
  full: string;
  differs: boolean;
  /** The control's top-1, when a diff grid is given and has arrived. */
  control: TopEntry | undefined;
}

export const PENDING_FILL = '#e5e8ed';

export function cellView(
  state: StateResult | undefined,
  control: StateResult | undefined,
  maxChars: number,
  scheme: ColorScheme,
  gridComplete = false,
): CellView {
  const top = state?.top[0];
  if (!state || !top) {
    return {
      state,
      pending: !state && !gridComplete,
      missing: !state && gridComplete,
      fill: PENDING_FILL,
      textColor: DARK_TEXT,
      text: state ? '–' : '',
      full: '',
      differs: false,
      control: control?.top[0],
    };
  }
  const fill = probColor(top.prob, scheme);
  const full = visibleToken(top.token);
  return {
    state,
    pending: false,
    missing: false,
    fill,
    textColor: textColorOn(fill),
    text: truncateText(full, maxChars),
    full,
    differs: topDiffers(state, control),
    control: control?.top[0],
  };
}
