/** The heatmap's colour key and its sticky, interactive row labels. */
import { type KeyboardEvent, type ReactElement, useRef, useState } from 'react';
import {
  type ColorScheme,
  DARK_TEXT,
  type HeatmapLayout,
  legendStops,
  PENDING_FILL,
  stateDescription,
  stateLabel,
} from './heatmapLayout.ts';

/** The colour key in one row; narrower, its two swatches stack beside the gradient. */
export const LEGEND_WIDTH = 640;
export const COMPACT_LEGEND_WIDTH = 440;

/**
 * Colour key. On screen it is its own SVG stuck to the left edge (visible however far the grid is
 * scrolled); the grid's SVG holds a copy shown only in exports (data-export="only").
 */
export function Legend(p: {
  layout: HeatmapLayout;
  gradId: string;
  scheme: ColorScheme;
  hasDiff: boolean;
  exportOnly?: boolean;
  /** Swatches stacked (COMPACT_LEGEND_WIDTH wide): the heatmap's box is narrower than the key. */
  compact?: boolean;
}): ReactElement {
  const { layout, gradId, hasDiff } = p;
  const barW = 200;
  const pendingAt = p.compact ? 'translate(236 4)' : 'translate(236 22)';
  const diffAt = p.compact ? 'translate(236 28)' : 'translate(420 22)';
  return (
    <g
      className="lens-legend"
      data-testid={p.exportOnly ? undefined : 'lens-legend'}
      data-export={p.exportOnly ? 'only' : undefined}
      style={p.exportOnly ? { display: 'none' } : undefined}
    >
      <defs>
        <linearGradient id={gradId} x1="0" x2="1" y1="0" y2="0">
          {legendStops(p.scheme).map((s) => (
            <stop key={s.offset} offset={s.offset} stopColor={s.color} />
          ))}
        </linearGradient>
      </defs>
      <text className="legend-label" x={4} y={15}>
        Top-1 probability
      </text>
      <rect
        x={4}
        y={22}
        width={barW}
        height={12}
        fill={`url(#${gradId})`}
        stroke="#5b6473"
        strokeWidth={0.5}
      />
      {[0, 0.5, 1].map((v) => (
        <text
          key={v}
          className="legend-tick"
          x={4 + v * barW}
          y={48}
          textAnchor={v === 0 ? 'start' : v === 1 ? 'end' : 'middle'}
        >
          {`${v * 100}%`}
        </text>
      ))}
      <g transform={pendingAt}>
        <rect width={18} height={14} fill={PENDING_FILL} stroke="#8a93a3" strokeDasharray="2 2" />
        <text className="legend-label" x={24} y={12}>
          … not computed yet
        </text>
      </g>
      {hasDiff ? (
        <g transform={diffAt}>
          <rect x={1.5} y={1.5} width={18} height={14} fill="#ffffff" stroke={DARK_TEXT} strokeWidth={3} />
          <path d="M 11 3 L 20 3 L 20 12 Z" fill={DARK_TEXT} />
          <text className="legend-label" x={28} y={13}>
            top-1 differs from control
          </text>
        </g>
      ) : null}
      <desc>{`Cells: ${layout.states.length} residual states by ${Math.round(layout.gridWidth / layout.cellWidth)} positions`}</desc>
    </g>
  );
}

/**
 * The row labels again, in a narrow SVG that sticks to the left edge while the grid scrolls
 * horizontally. It holds the interactive labels (one tab stop, arrow keys between them); the grid's
 * own SVG keeps plain labels so an export is complete.
 */
export function RowLabels(p: {
  layout: HeatmapLayout;
  selectedState: number | undefined;
  onRowSelect: ((stateIndex: number) => void) | undefined;
}): ReactElement {
  const { layout, onRowSelect } = p;
  const top = layout.legendHeight;
  const selectable = layout.states.filter((s) => s !== 0);
  const [current, setCurrent] = useState<number | null>(null);
  const ref = useRef<SVGSVGElement>(null);
  const tabStop =
    current ?? (p.selectedState !== undefined && p.selectedState !== 0 ? p.selectedState : selectable[0]);
  const focusState = (s: number): void => {
    setCurrent(s);
    ref.current?.querySelector<SVGElement>(`[data-row-button="${s}"]`)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<SVGGElement>, s: number): void => {
    const i = selectable.indexOf(s);
    let next: number | undefined;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onRowSelect?.(s);
      return;
    }
    if (e.key === 'ArrowUp') next = selectable[Math.max(0, i - 1)];
    else if (e.key === 'ArrowDown') next = selectable[Math.min(selectable.length - 1, i + 1)];
    else if (e.key === 'Home') next = selectable[0];
    else if (e.key === 'End') next = selectable[selectable.length - 1];
    if (next === undefined) return;
    e.preventDefault();
    focusState(next);
  };
  const textY = (r: number): number => layout.headerHeight + r * layout.rowHeight + layout.rowHeight / 2 + 5;
  return (
    <svg
      ref={ref}
      className="lens-row-labels"
      width={layout.labelWidth}
      height={layout.height - top}
      data-export="exclude"
      role={onRowSelect ? 'toolbar' : 'presentation'}
      aria-label={onRowSelect ? 'Residual states: choose one to use its sublayer output' : undefined}
    >
      <rect x={0} y={0} width={layout.labelWidth} height={layout.height - top} fill="#ffffff" />
      <text className="lens-corner" x={layout.labelWidth - 12} y={layout.headerHeight - 10} textAnchor="end">
        state
      </text>
      {layout.states.map((s, r) => {
        const y = layout.headerHeight + r * layout.rowHeight;
        const label = stateLabel(s);
        const selected = p.selectedState === s;
        const cls = `lens-row-label${s % 2 === 1 ? ' attn' : ''}${selected ? ' selected' : ''}`;
        const highlight = selected ? (
          <rect
            className="lens-row-selected"
            x={2}
            y={y + 2}
            width={layout.labelWidth - 8}
            height={layout.rowHeight - 4}
          />
        ) : null;
        if (!onRowSelect || s === 0) {
          return (
            <g key={s} className={cls} data-testid="lens-row-label" data-state-index={s}>
              {highlight}
              <text x={layout.labelWidth - 12} y={textY(r)} textAnchor="end">
                <title>{stateDescription(s)}</title>
                {label}
              </text>
            </g>
          );
        }
        const what = s % 2 === 1 ? 'attention' : 'FFN';
        return (
          // biome-ignore lint/a11y/useSemanticElements: an HTML button cannot live inside SVG
          <g
            key={s}
            role="button"
            tabIndex={s === tabStop ? 0 : -1}
            className={`${cls} lens-row-button`}
            data-testid="lens-row-label"
            data-row-button={s}
            data-state-index={s}
            aria-pressed={selected}
            aria-label={`${label}: ${stateDescription(s)}. Use block ${Math.floor((s - 1) / 2)}'s ${what} output`}
            onClick={() => {
              setCurrent(s);
              onRowSelect(s);
            }}
            onFocus={() => setCurrent(s)}
            onKeyDown={(e) => onKeyDown(e, s)}
          >
            {highlight}
            <rect x={0} y={y} width={layout.labelWidth - 4} height={layout.rowHeight} fill="transparent" />
            <title>{`${stateDescription(s)}: click to use block ${Math.floor((s - 1) / 2)}'s ${what} output`}</title>
            <text x={layout.labelWidth - 12} y={textY(r)} textAnchor="end">
              {label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
