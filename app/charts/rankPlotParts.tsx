/** The rank plot's pieces: marker symbols, the legend's flow layout and one series' line and markers. */
import {
  type SymbolType,
  symbol,
  symbolCircle,
  symbolCross,
  symbolDiamond,
  symbolSquare,
  symbolStar,
  symbolTriangle,
  symbolWye,
} from 'd3';
import type { ReactElement } from 'react';
import { stateDescription } from './heatmapLayout.ts';
import {
  type RankPoint,
  type RankSeriesInput,
  type rankGeometry,
  type SymbolName,
  seriesPath,
} from './rankLayout.ts';

export const SYMBOL_TYPES: Record<SymbolName, SymbolType> = {
  circle: symbolCircle,
  square: symbolSquare,
  triangle: symbolTriangle,
  diamond: symbolDiamond,
  cross: symbolCross,
  star: symbolStar,
  wye: symbolWye,
};

const FONT_PX = 14;
export const CHAR_PX = FONT_PX * 0.6;
export const LEGEND_ROW = 24;

export interface LegendItem {
  key: string;
  text: string;
  color: string;
  symbol: SymbolName;
  dashed: boolean;
}

/** Lays legend items left to right, wrapping to new rows when the width runs out. */
export function flowLegend(
  items: LegendItem[],
  width: number,
): Array<LegendItem & { x: number; row: number }> {
  let x = 0;
  let row = 0;
  return items.map((it) => {
    const w = 40 + it.text.length * CHAR_PX + 24;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    const placed = { ...it, x, row };
    x += w;
    return placed;
  });
}

export function Series(p: {
  s: RankSeriesInput;
  style: { color: string; symbol: SymbolName };
  points: RankPoint[];
  g: ReturnType<typeof rankGeometry>;
  run: 'control' | 'intervened';
}): ReactElement {
  const { s, style, points, g, run } = p;
  const d = seriesPath(points, g);
  const dashed = run === 'intervened';
  const seriesId = dashed ? `${s.key}-intervened` : s.key;
  const marker = symbol(SYMBOL_TYPES[style.symbol], dashed ? 40 : 48)() ?? '';
  return (
    <g className="rank-series" data-run={run}>
      {d ? (
        <path
          data-testid="rank-series"
          data-series={seriesId}
          data-run={run}
          d={d}
          fill="none"
          stroke={style.color}
          strokeWidth={dashed ? 2 : 2.75}
          strokeDasharray={dashed ? '7 5' : undefined}
          strokeLinejoin="round"
        />
      ) : null}
      {points.map((pt) =>
        pt.value === null || pt.rank === null ? null : (
          <path
            key={pt.state}
            data-testid="rank-point"
            data-series={seriesId}
            data-state-index={pt.state}
            data-rank={pt.rank}
            d={marker}
            transform={`translate(${g.x(pt.x)} ${g.y(pt.value)})`}
            fill={dashed ? '#ffffff' : style.color}
            stroke={style.color}
            strokeWidth={1.5}
          >
            <title>{`${s.label}${dashed ? ' (intervened)' : ''}, ${stateDescription(pt.state)}: rank ${pt.rank + 1}${pt.rank === 0 ? ' (top)' : ''}`}</title>
          </path>
        ),
      )}
    </g>
  );
}
