/**
 * Fitting a slide's heatmap to the stage: rows as tall as the slide allows, and the marked rows
 * scrolled into view, so a deep model's marks (gpt2-medium's FFN 19 sits in row 21 of 25) are in
 * front of the audience rather than below the fold. Pure: PresentView measures, this decides.
 */
import { clampRowHeight, ROW_HEIGHT } from '../charts/heatmapLayout.ts';
import type { SlideMark } from './deckTypes.ts';

/** What a heatmap draws besides its rows: title, colour key, token header, stage key, margins. */
export const HEATMAP_CHROME_PX = 140;

/** The row height that fits `nRows` rows into `bodyHeight` px, within the heatmap's own limits. */
export function presentRowHeight(bodyHeight: number, nRows: number): number {
  if (!(nRows > 0) || !(bodyHeight > 0)) return ROW_HEIGHT;
  return clampRowHeight(Math.floor((bodyHeight - HEATMAP_CHROME_PX) / nRows));
}

/** The residual states a slide's row and cell marks point at, in order, without repeats. */
export function markedStates(marks: readonly SlideMark[]): number[] {
  const out: number[] = [];
  for (const m of marks) if (m.kind !== 'stage' && !out.includes(m.state)) out.push(m.state);
  return out;
}

export interface RevealInput {
  /** The scroller's current scrollTop (in its own CSS px). */
  scrollTop: number;
  /** The scroller's visible box on screen (client px, after any zoom). */
  viewTop: number;
  viewHeight: number;
  /** Screen px per CSS px of the scroller (a zoomed stage makes this > 1). */
  scale: number;
  /** The marked span to bring into view, on screen (client px). */
  targetTop: number;
  targetBottom: number;
  /** The bottom of the heatmap's last row (the model's output), on screen. */
  gridBottom: number;
}

/**
 * The scrollTop that shows the marked span, in this order of preference: as it is, if the span is
 * in view already (the column headers stay); else with the heatmap's last row at the bottom of the
 * view, if the span is then in view (marks down to the output, the paper's reading order); else
 * with the span in the middle (a span taller than the view: its top). Never negative.
 */
export function revealedScrollTop(c: RevealInput): number {
  const scale = c.scale > 0 ? c.scale : 1;
  const viewBottom = c.viewTop + c.viewHeight;
  const inView = (shift: number): boolean =>
    c.targetTop - shift >= c.viewTop && c.targetBottom - shift <= viewBottom;
  const at = (shift: number): number => Math.max(0, Math.round(c.scrollTop + shift / scale));
  if (inView(0)) return c.scrollTop;
  const toOutput = c.gridBottom - viewBottom;
  if (inView(toOutput)) return at(toOutput);
  const span = c.targetBottom - c.targetTop;
  return at(
    span > c.viewHeight
      ? c.targetTop - c.viewTop
      : (c.targetTop + c.targetBottom) / 2 - (c.viewTop + c.viewHeight / 2),
  );
}
