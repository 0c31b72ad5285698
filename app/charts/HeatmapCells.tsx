/** The heatmap's rows and cells (SVG renderer) and the canvas renderer's focusable cursor. */
import type { ReactElement } from 'react';
import type { LensGrid } from '../domain.ts';
import { cellLabel } from './cellLabel.ts';
import { type CellPos, type CellView, DARK_TEXT, type HeatmapLayout, stateLabel } from './heatmapLayout.ts';

interface HeatmapRowProps {
  state: number;
  row: number;
  layout: HeatmapLayout;
  cells: CellView[];
  tokens: LensGrid['tokens'];
  mode: 'svg' | 'canvas';
  uid: string;
  active: CellPos;
  selected: boolean;
  onCellFocus: (cell: CellPos) => void;
}

export function HeatmapRow(p: HeatmapRowProps): ReactElement {
  const { state, row, layout, cells } = p;
  const y = layout.gridY + row * layout.rowHeight;
  const complete = cells.length > 0 && cells.every((c) => !c.pending);
  const label = stateLabel(state);
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <tr>
    <g
      role="row"
      aria-rowindex={row + 2}
      data-testid="lens-row"
      data-state-index={state}
      data-complete={complete ? 'true' : 'false'}
      className={state % 2 === 1 ? 'lens-row lens-row-attn' : 'lens-row'}
    >
      {/* biome-ignore lint/a11y/useSemanticElements: SVG has no <th> */}
      <g role="rowheader" className="lens-row-name">
        {p.selected ? (
          <rect
            className="lens-row-selected"
            x={2}
            y={y + 2}
            width={layout.labelWidth - 8}
            height={layout.rowHeight - 4}
          />
        ) : null}
        <text x={layout.labelWidth - 12} y={y + layout.rowHeight / 2 + 5} textAnchor="end">
          {label}
        </text>
      </g>
      {p.mode === 'svg'
        ? cells.map((cell, col) => (
            <HeatmapCell
              // biome-ignore lint/suspicious/noArrayIndexKey: positions are the identity of cells in a row
              key={col}
              cell={cell}
              row={row}
              col={col}
              x={layout.gridX + col * layout.cellWidth}
              y={y}
              layout={layout}
              uid={p.uid}
              state={state}
              token={p.tokens[col]?.text ?? ''}
              tabbable={p.active.row === row && p.active.col === col}
              onFocus={p.onCellFocus}
            />
          ))
        : null}
    </g>
  );
}

interface HeatmapCellProps {
  cell: CellView;
  row: number;
  col: number;
  x: number;
  y: number;
  layout: HeatmapLayout;
  uid: string;
  state: number;
  token: string;
  tabbable: boolean;
  onFocus: (cell: CellPos) => void;
}

function HeatmapCell(p: HeatmapCellProps): ReactElement {
  const { cell, x, y, layout } = p;
  const w = layout.cellWidth;
  const h = layout.rowHeight;
  const top = cell.state?.top[0];
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <td>
    <g
      role="gridcell"
      tabIndex={p.tabbable ? 0 : -1}
      aria-colindex={p.col + 2}
      aria-label={cellLabel(p.state, p.col, p.token, cell)}
      data-cell={`${p.row}:${p.col}`}
      data-testid={cell.pending ? 'lens-cell-pending' : cell.missing ? 'lens-cell-empty' : 'lens-cell'}
      data-position={p.col}
      data-top-id={top?.id}
      data-top-prob={top?.prob}
      data-differs={cell.differs ? 'true' : undefined}
      className="lens-cell"
      onFocus={() => p.onFocus({ row: p.row, col: p.col })}
    >
      <rect
        x={x}
        y={y}
        width={w}
        height={h}
        fill={cell.fill}
        stroke="#ffffff"
        strokeWidth={1}
        strokeDasharray={cell.pending ? '3 3' : undefined}
      />
      {cell.pending ? (
        <text className="lens-cell-pending-text" x={x + w / 2} y={y + h / 2 + 5} textAnchor="middle">
          …
        </text>
      ) : (
        <text
          className="lens-cell-text"
          x={x + w / 2}
          y={y + h / 2 + 5}
          textAnchor="middle"
          fill={cell.textColor}
          clipPath={`url(#${p.uid}-cell)`}
        >
          {cell.text}
        </text>
      )}
      {cell.differs ? (
        <g className="lens-diff" pointerEvents="none">
          <rect
            x={x + 1.5}
            y={y + 1.5}
            width={w - 3}
            height={h - 3}
            fill="none"
            stroke={DARK_TEXT}
            strokeWidth={3}
          />
          <rect
            x={x + 3.5}
            y={y + 3.5}
            width={w - 7}
            height={h - 7}
            fill="none"
            stroke="#ffffff"
            strokeWidth={1}
          />
          <path
            d={`M ${x + w - 12} ${y + 3} L ${x + w - 3} ${y + 3} L ${x + w - 3} ${y + 12} Z`}
            fill={DARK_TEXT}
          />
        </g>
      ) : null}
    </g>
  );
}

/** The canvas renderer's single focusable cell: moves with the arrow keys. */
export function CanvasCursor(p: {
  layout: HeatmapLayout;
  active: CellPos;
  cell: CellView | undefined;
  state: number;
  tokens: LensGrid['tokens'];
  onFocus: () => void;
}): ReactElement {
  const { layout, active } = p;
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <td>
    <rect
      role="gridcell"
      tabIndex={0}
      data-cursor=""
      data-testid="lens-cursor"
      aria-label={cellLabel(p.state, active.col, p.tokens[active.col]?.text ?? '', p.cell)}
      x={layout.gridX + active.col * layout.cellWidth}
      y={layout.gridY + active.row * layout.rowHeight}
      width={layout.cellWidth}
      height={layout.rowHeight}
      fill="transparent"
      onFocus={p.onFocus}
    />
  );
}
