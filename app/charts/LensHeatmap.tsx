/**
 * The logit lens as a heatmap: one row per residual state, one column per prompt token; each cell shows
 * its top-1 token on a colour for its probability. Presentational: props in, callbacks out.
 *
 * Up to CANVAS_CELL_THRESHOLD cells everything is SVG (one `lens-cell` element per cell). Beyond it the
 * cells are painted on a canvas under an SVG overlay (labels, headers, focus, `lens-row` hooks); then
 * there are no per-cell elements and the container says data-render="canvas".
 */
import {
  type ReactElement,
  type Ref,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
} from 'react';
import type { LensGrid } from '../domain.ts';
import { visibleToken } from '../tokenText.ts';
import { CanvasCursor, HeatmapRow } from './HeatmapCells.tsx';
import { COMPACT_LEGEND_WIDTH, LEGEND_WIDTH, Legend, RowLabels } from './HeatmapChrome.tsx';
import { HeatmapTooltip } from './HeatmapTooltip.tsx';
import { drawHeatmapCells } from './heatmapCanvas.ts';
import {
  type CellView,
  type ColorScheme,
  cellView,
  type HeatmapRows,
  heatmapLayout,
  STAGE_STYLE,
  type StageMarks,
  shouldUseCanvas,
  stageRowMarks,
  truncateText,
} from './heatmapLayout.ts';
import { useElementWidth } from './useElementWidth.ts';
import { useHeatmapInteraction } from './useHeatmapInteraction.ts';
import './charts.css';

export interface LensHeatmapProps {
  grid: LensGrid;
  /** Block outputs only (states 0 and 2i+2) or all 2L+1 residual states. */
  rows: HeatmapRows;
  /** The control run: cells whose top-1 differs from it are outlined and marked (data-differs). */
  diff?: LensGrid;
  /** Clicking an "attn i" / "block i" row label; not offered for the embeddings. */
  onRowSelect?: (stateIndex: number) => void;
  /** Highlights that state's row label (e.g. the block whose vector was captured). */
  selectedState?: number;
  /** The paper's stages (Figure 2 boxes A, B, C), drawn on the column `stagePosition`. */
  stages?: StageMarks | null;
  /** Token position the stage boxes mark; default the last one. */
  stagePosition?: number;
  /** data-testid of the container; default 'lens-heatmap'. */
  testId?: string;
  /** Caption above the chart. */
  title?: string;
  colorScheme?: ColorScheme;
  /** 'auto': canvas above CANVAS_CELL_THRESHOLD cells. */
  renderer?: 'auto' | 'svg' | 'canvas';
  /** Entries in the tooltip; default 10. */
  tooltipK?: number;
  /** The chart's SVG, for exportSvg / exportPng. */
  svgRef?: Ref<SVGSVGElement>;
  /** Where a grid wider than its container starts scrolled: 'end' (default) shows the last positions. */
  initialScroll?: 'start' | 'end';
  /** Row height in px (heatmapLayout clamps it); default the full ROW_HEIGHT. */
  rowHeight?: number;
  /** Keep the stage letters' gutter without stages: the same width as a heatmap beside it that has them. */
  stageGutter?: boolean;
}

const FALLBACK_WIDTH = 1160;

export function LensHeatmap(props: LensHeatmapProps): ReactElement {
  const { grid, rows, diff, onRowSelect, selectedState, stages, testId = 'lens-heatmap', title } = props;
  const scheme = props.colorScheme ?? 'blues';
  const tooltipK = props.tooltipK ?? 10;
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const wrapRef = useRef<HTMLElement>(null);
  const svgEl = useRef<SVGSVGElement | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(wrapRef, FALLBACK_WIDTH);

  const nCols = grid.tokens.length;
  const layout = useMemo(
    () =>
      heatmapLayout({
        nLayer: grid.nLayer,
        rows,
        nPositions: nCols,
        availableWidth: width,
        stageGutter: !!stages || !!props.stageGutter,
        rowHeight: props.rowHeight,
      }),
    [grid.nLayer, rows, nCols, width, stages, props.rowHeight, props.stageGutter],
  );
  const nRows = layout.states.length;
  const mode =
    props.renderer === 'svg' || props.renderer === 'canvas'
      ? props.renderer
      : shouldUseCanvas(nRows, nCols)
        ? 'canvas'
        : 'svg';

  const cells: CellView[][] = useMemo(
    () =>
      layout.states.map((s) =>
        Array.from({ length: nCols }, (_, p) =>
          cellView(grid.grid[s]?.[p], diff?.grid[s]?.[p], layout.cellChars, scheme, grid.complete),
        ),
      ),
    [layout, nCols, grid, diff, scheme],
  );

  const initialScroll = props.initialScroll ?? 'end';
  const setSvgRef = useCallback(
    (el: SVGSVGElement | null) => {
      svgEl.current = el;
      const r = props.svgRef;
      if (typeof r === 'function') r(el);
      else if (r) r.current = el;
    },
    [props.svgRef],
  );

  // the last position is the prediction: start scrolled to it when the grid is wider than the page
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && initialScroll === 'end' && nCols > 0 && layout.cellWidth > 0) el.scrollLeft = el.scrollWidth;
  }, [initialScroll, nCols, layout.cellWidth]);

  useEffect(() => {
    if (mode !== 'canvas' || !canvasRef.current) return;
    drawHeatmapCells(canvasRef.current, layout, cells, window.devicePixelRatio || 1);
  }, [mode, layout, cells]);

  const {
    safeActive,
    focused,
    hover,
    tip,
    onPointerMove,
    onPointerLeave,
    onClick,
    onKeyDown,
    onCellFocus,
    onGridBlur,
  } = useHeatmapInteraction({ layout, cells, nRows, nCols, mode, initialScroll, svgEl, tipRef });

  const tipCell = tip ? cells[tip.cell.row]?.[tip.cell.col] : undefined;
  const tipState = tip ? layout.states[tip.cell.row] : undefined;
  const marks = stageRowMarks(stages, layout.states);
  const stageCol = Math.min(nCols - 1, Math.max(0, props.stagePosition ?? nCols - 1));
  const hasDiff = !!diff;
  const arrived = layout.states.filter((s) => (grid.grid[s] ?? []).some((c) => c !== undefined)).length;
  const totalHeight = layout.height + (marks.length > 0 ? 28 : 0);
  // the on-screen key must fit the box the heatmap is shown in, not the (scrolling) grid
  const compactLegend = width < Math.min(layout.width, LEGEND_WIDTH);
  const legendWidth = Math.min(layout.width, compactLegend ? COMPACT_LEGEND_WIDTH : LEGEND_WIDTH);
  const stageKey = `Boxes at position ${stageCol}: A argument formation (dashed) · B function application (solid) · C saturation (dotted)`;

  return (
    <figure
      className="lens-heatmap"
      data-testid={testId}
      data-render={mode}
      data-rows={rows}
      data-complete={grid.complete ? 'true' : 'false'}
      ref={wrapRef}
    >
      {title ? <figcaption className="chart-title">{title}</figcaption> : null}
      <div
        className="lens-heatmap-scroll"
        ref={scrollRef}
        // cells scrolled into view must not end up under the sticky row labels
        style={{ scrollPaddingLeft: layout.labelWidth }}
      >
        <div className="lens-heatmap-stack" style={{ width: layout.width, height: totalHeight }}>
          <svg
            className="lens-legend-sticky"
            width={legendWidth}
            height={layout.legendHeight}
            data-export="exclude"
            role="img"
            aria-label={`Colour key: top-1 probability from 0% (${scheme === 'viridis' ? 'dark' : 'light'}) to 100% (${scheme === 'viridis' ? 'light' : 'dark'}); dashed grey: not computed yet${hasDiff ? '; black outline with a corner mark: top-1 differs from the control' : ''}`}
          >
            <Legend
              layout={layout}
              gradId={`${uid}-grad-screen`}
              scheme={scheme}
              hasDiff={hasDiff}
              compact={compactLegend}
            />
          </svg>
          <RowLabels layout={layout} selectedState={selectedState} onRowSelect={onRowSelect} />
          {mode === 'canvas' ? (
            <canvas
              ref={canvasRef}
              className="lens-heatmap-canvas"
              data-export-underlay=""
              style={{ width: layout.width, height: layout.height }}
            />
          ) : null}
          {/* biome-ignore lint/a11y/useSemanticElements: an ARIA grid drawn in SVG has no table elements */}
          <svg
            ref={setSvgRef}
            className="lens-heatmap-svg"
            width={layout.width}
            height={totalHeight}
            viewBox={`0 0 ${layout.width} ${totalHeight}`}
            xmlns="http://www.w3.org/2000/svg"
            // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the SVG is the grid's container
            role="grid"
            aria-label={`Logit lens: top-1 token per residual state (rows) and prompt position (columns); ${arrived} of ${nRows} rows computed`}
            aria-rowcount={nRows + 1}
            aria-colcount={nCols + 1}
            onPointerMove={onPointerMove}
            onPointerLeave={onPointerLeave}
            onClick={onClick}
            onKeyDown={onKeyDown}
            onBlur={onGridBlur}
          >
            <defs>
              <clipPath id={`${uid}-cell`} clipPathUnits="objectBoundingBox">
                <rect x="0.03" y="0" width="0.94" height="1" />
              </clipPath>
            </defs>
            <Legend layout={layout} gradId={`${uid}-grad`} scheme={scheme} hasDiff={hasDiff} exportOnly />
            {/* biome-ignore lint/a11y/useSemanticElements: SVG has no <tr> */}
            <g role="row" aria-rowindex={1}>
              <text className="lens-corner" x={layout.labelWidth - 12} y={layout.gridY - 10} textAnchor="end">
                state
              </text>
              {grid.tokens.map((t, p) => (
                // biome-ignore lint/a11y/useSemanticElements: SVG has no <th>
                <text
                  // biome-ignore lint/suspicious/noArrayIndexKey: tokens repeat, the position is the identity
                  key={p}
                  role="columnheader"
                  className="lens-col-header"
                  data-testid="lens-col-header"
                  data-position={p}
                  x={layout.gridX + (p + 0.5) * layout.cellWidth}
                  y={layout.gridY - 10}
                  textAnchor="middle"
                >
                  <title>{`position ${p}: ${JSON.stringify(t.text)} (id ${t.id})`}</title>
                  {truncateText(visibleToken(t.text), layout.cellChars)}
                </text>
              ))}
            </g>
            {layout.states.map((s, r) => (
              <HeatmapRow
                key={s}
                state={s}
                row={r}
                layout={layout}
                cells={cells[r] ?? []}
                tokens={grid.tokens}
                mode={mode}
                uid={uid}
                active={safeActive}
                selected={selectedState === s}
                onCellFocus={onCellFocus}
              />
            ))}
            {marks.map((m) => {
              const st = STAGE_STYLE[m.key];
              const inset = m.key === 'B' ? 4.5 : 1.5;
              const x = layout.gridX + stageCol * layout.cellWidth;
              const y = layout.gridY + m.fromRow * layout.rowHeight;
              const h = (m.toRow - m.fromRow + 1) * layout.rowHeight;
              return (
                <g
                  key={m.key}
                  className="lens-stage"
                  data-testid="lens-stage"
                  data-stage={m.key}
                  pointerEvents="none"
                >
                  <rect
                    x={x + inset}
                    y={y + inset}
                    width={layout.cellWidth - 2 * inset}
                    height={h - 2 * inset}
                    fill="none"
                    stroke={st.color}
                    strokeWidth={3}
                    strokeDasharray={st.dash || undefined}
                  />
                  <text
                    className="lens-stage-letter"
                    x={x + layout.cellWidth + (m.key === 'C' && h === layout.rowHeight ? 20 : 6)}
                    y={
                      y +
                      (m.key === 'C' && h > layout.rowHeight
                        ? Math.max(h / 2, 1.5 * layout.rowHeight)
                        : layout.rowHeight / 2) +
                      5
                    }
                    fill={st.color}
                  >
                    {m.key}
                  </text>
                </g>
              );
            })}
            {marks.length > 0 ? (
              // on screen the key is the paragraph under the scroller (it would scroll out of view here)
              <text
                className="lens-stage-key"
                x={4}
                y={layout.height + 20}
                data-export="only"
                style={{ display: 'none' }}
              >
                {stageKey}
              </text>
            ) : null}
            {hover && !(focused && hover.row === safeActive.row && hover.col === safeActive.col) ? (
              <rect
                className="lens-hover"
                data-export="exclude"
                pointerEvents="none"
                x={layout.gridX + hover.col * layout.cellWidth + 1}
                y={layout.gridY + hover.row * layout.rowHeight + 1}
                width={layout.cellWidth - 2}
                height={layout.rowHeight - 2}
              />
            ) : null}
            {mode === 'canvas' ? (
              <CanvasCursor
                layout={layout}
                active={safeActive}
                cell={cells[safeActive.row]?.[safeActive.col]}
                state={layout.states[safeActive.row] ?? 0}
                tokens={grid.tokens}
                onFocus={() => onCellFocus(safeActive)}
              />
            ) : null}
            {focused ? (
              <rect
                className="lens-focus"
                data-export="exclude"
                pointerEvents="none"
                x={layout.gridX + safeActive.col * layout.cellWidth + 1}
                y={layout.gridY + safeActive.row * layout.rowHeight + 1}
                width={layout.cellWidth - 2}
                height={layout.rowHeight - 2}
              />
            ) : null}
          </svg>
        </div>
      </div>
      {marks.length > 0 ? (
        <p className="lens-stage-key-screen" data-testid="lens-stage-key">
          {stageKey}
        </p>
      ) : null}
      {tip && tipState !== undefined ? (
        <HeatmapTooltip
          ref={tipRef}
          stateIndex={tipState}
          position={tip.cell.col}
          token={grid.tokens[tip.cell.col]?.text ?? ''}
          result={tipCell?.state}
          control={hasDiff ? (diff?.grid[tipState]?.[tip.cell.col] ?? null) : undefined}
          k={tooltipK}
          pinned={tip.pinned}
          style={{ position: 'fixed', left: 0, top: 0, visibility: 'hidden' }}
        />
      ) : null}
    </figure>
  );
}

export { HeatmapTooltip, type HeatmapTooltipProps } from './HeatmapTooltip.tsx';
