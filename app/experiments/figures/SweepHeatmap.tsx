/**
 * The block-range sweep as a start x end heatmap (sweepLayout.ts): each cell is a button; clicking
 * it (or Enter/Space) hands its range on. The best range carries a star and a thick outline.
 */
import type { ReactElement, RefObject } from 'react';
import type { SweepCell } from '../../../workers/experiments/index.ts';
import { CHART_FONT } from './lineChartLayout.ts';
import { SWEEP_METRICS, type SweepCellBox, type SweepLayout, type SweepMetric } from './sweepLayout.ts';

export interface SweepHeatmapProps {
  layout: SweepLayout;
  metric: SweepMetric;
  title: string;
  onPick: (cell: SweepCell) => void;
  svgRef: RefObject<SVGSVGElement | null>;
}

/** What a cell writes on itself (its accessible name starts with it). */
const visibleText = (box: SweepCellBox): string => `${box.best ? '★' : ''}${box.value.toFixed(2)}`;
const rangeText = (c: SweepCell): string => (c.from === c.to ? `${c.from}` : `${c.from}-${c.to}`);

export function SweepHeatmap({ layout: g, metric, title, onPick, svgRef }: SweepHeatmapProps): ReactElement {
  const legendX = g.plotRight + 24;
  const legendH = g.plotBottom - g.plotTop;
  return (
    <svg
      ref={svgRef}
      xmlns="http://www.w3.org/2000/svg"
      width={g.width}
      height={g.height}
      viewBox={`0 0 ${g.width} ${g.height}`}
      fontFamily={CHART_FONT}
      fontSize={12}
      data-testid="sweep-heatmap"
      aria-labelledby="sweep-title"
    >
      <title id="sweep-title">{title}</title>
      <rect x={0} y={0} width={g.width} height={g.height} fill="#ffffff" />
      <text x={g.plotLeft} y={22} fontSize={15} fontWeight={600} fill="#1d2430">
        {title}
      </text>
      {g.cells.map((box) => (
        // biome-ignore lint/a11y/useSemanticElements: an SVG cell cannot be a <button>
        <g
          key={box.cell.id}
          role="button"
          tabIndex={0}
          data-testid={`sweep-cell-${box.cell.id}`}
          data-best={box.best ? 'true' : undefined}
          aria-label={`${visibleText(box)} ${SWEEP_METRICS[metric]}, blocks ${rangeText(box.cell)}${box.best ? ' (best)' : ''}: use these blocks`}
          style={{ cursor: 'pointer' }}
          onClick={() => onPick(box.cell)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onPick(box.cell);
            }
          }}
        >
          <title>
            {`blocks ${rangeText(box.cell)}: MRR ${box.cell.meanReciprocalRank.toFixed(3)}, accuracy ${box.cell.accuracy.toFixed(2)}, no effect ${box.cell.noEffectRate.toFixed(2)}`}
          </title>
          <rect
            x={box.x}
            y={box.y}
            width={box.width}
            height={box.height}
            fill={box.fill}
            stroke={box.best ? '#d62728' : 'none'}
            strokeWidth={box.best ? 3 : 0}
          />
          {box.width >= 28 ? (
            <text
              x={box.x + box.width / 2}
              y={box.y + box.height / 2 + 4}
              textAnchor="middle"
              fontSize={box.width >= 44 ? 11 : 9}
              fill={box.ink}
            >
              {visibleText(box)}
            </text>
          ) : null}
        </g>
      ))}
      {g.starts.map((t) => (
        <text key={`s${t.block}`} x={t.x} y={g.plotBottom + 16} textAnchor="middle" fill="#374151">
          {t.block}
        </text>
      ))}
      {g.ends.map((t) => (
        <text key={`e${t.block}`} x={g.plotLeft - 8} y={t.y + 4} textAnchor="end" fill="#374151">
          {t.block}
        </text>
      ))}
      <text x={(g.plotLeft + g.plotRight) / 2} y={g.plotBottom + 36} textAnchor="middle" fill="#1d2430">
        first block replaced
      </text>
      <text
        transform={`translate(${g.plotLeft - 40} ${(g.plotTop + g.plotBottom) / 2}) rotate(-90)`}
        textAnchor="middle"
        fill="#1d2430"
      >
        last block
      </text>
      <defs>
        <linearGradient id="sweep-ramp" x1="0" y1="1" x2="0" y2="0">
          {g.legend.map((s) => (
            <stop key={s.value} offset={s.value} stopColor={s.color} />
          ))}
        </linearGradient>
      </defs>
      <rect x={legendX} y={g.plotTop} width={12} height={legendH} fill="url(#sweep-ramp)" />
      {g.legend.map((s) => (
        <text key={s.value} x={legendX + 16} y={g.plotBottom - s.value * legendH + 4} fill="#374151">
          {s.value.toFixed(2)}
        </text>
      ))}
    </svg>
  );
}
