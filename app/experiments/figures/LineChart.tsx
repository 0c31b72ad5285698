/**
 * One experiment figure as SVG: lines over a linear x axis (states or ablation steps), optional stage
 * bands and markers, the legend above and a note below. Everything is an attribute (no CSS), so the
 * same markup is exported as SVG/PNG and inlined in the report's HTML.
 */
import type { ReactElement, Ref } from 'react';
import { CHART_FONT, type ChartSpec, chartGeometry, seriesLinePath } from './lineChartLayout.ts';

export interface LineChartProps {
  spec: ChartSpec;
  width: number;
  plotHeight?: number;
  testId: string;
  svgRef?: Ref<SVGSVGElement>;
}

export function LineChart({ spec, width, plotHeight, testId, svgRef }: LineChartProps): ReactElement {
  const g = chartGeometry(spec, width, plotHeight);
  return (
    <svg
      ref={svgRef}
      xmlns="http://www.w3.org/2000/svg"
      width={g.width}
      height={g.height}
      viewBox={`0 0 ${g.width} ${g.height}`}
      role="img"
      aria-label={spec.title}
      data-testid={testId}
      fontFamily={CHART_FONT}
      fontSize={13}
    >
      <rect x={0} y={0} width={g.width} height={g.height} fill="#ffffff" />
      <text x={g.plotLeft} y={22} fontSize={15} fontWeight={600} fill="#1d2430">
        {spec.title}
      </text>
      {spec.bands?.map((b) => (
        <g key={`${b.label}-${b.x0}`} data-band={b.label}>
          <rect
            x={g.x(b.x0)}
            y={g.plotTop}
            width={Math.max(2, g.x(b.x1) - g.x(b.x0))}
            height={g.plotBottom - g.plotTop}
            fill={b.color}
            opacity={0.18}
          />
          <text x={g.x(b.x0) + 4} y={g.plotTop + 14} fontSize={12} fill="#374151">
            {b.label}
          </text>
        </g>
      ))}
      {g.yTicks.map((t) => (
        <g key={`y${t.value}`}>
          <line x1={g.plotLeft} x2={g.plotRight} y1={g.y(t.value)} y2={g.y(t.value)} stroke="#e5e7eb" />
          <text x={g.plotLeft - 8} y={g.y(t.value) + 4} textAnchor="end" fill="#374151">
            {t.label}
          </text>
        </g>
      ))}
      {spec.xTicks.map((t) => (
        <text key={`x${t.value}`} x={g.x(t.value)} y={g.plotBottom + 18} textAnchor="middle" fill="#374151">
          {t.label}
        </text>
      ))}
      <line x1={g.plotLeft} x2={g.plotRight} y1={g.plotBottom} y2={g.plotBottom} stroke="#6b7280" />
      <line x1={g.plotLeft} x2={g.plotLeft} y1={g.plotTop} y2={g.plotBottom} stroke="#6b7280" />
      <text x={(g.plotLeft + g.plotRight) / 2} y={g.plotBottom + 40} textAnchor="middle" fill="#1d2430">
        {spec.xLabel}
      </text>
      <text
        transform={`translate(16 ${(g.plotTop + g.plotBottom) / 2}) rotate(-90)`}
        textAnchor="middle"
        fill="#1d2430"
      >
        {spec.yLabel}
      </text>
      {spec.markers?.map((m) => (
        <g key={`m${m.x}`}>
          <line
            x1={g.x(m.x)}
            x2={g.x(m.x)}
            y1={g.plotTop}
            y2={g.plotBottom}
            stroke="#111827"
            strokeDasharray="2 3"
          />
          <text x={g.x(m.x) + 4} y={g.plotBottom - 6} fontSize={12} fill="#111827">
            {m.label}
          </text>
        </g>
      ))}
      {spec.series.map((s) => {
        const d = seriesLinePath(s.points, g);
        return (
          <g key={s.key} data-series={s.key}>
            {d ? (
              <path
                d={d}
                fill="none"
                stroke={s.color}
                strokeWidth={2.5}
                strokeDasharray={s.dashed ? '7 5' : undefined}
              />
            ) : null}
            {s.points.map((p) =>
              p.y === null ? null : (
                <circle
                  key={p.x}
                  cx={g.x(p.x)}
                  cy={g.y(p.y)}
                  r={3.5}
                  fill={s.dashed ? '#ffffff' : s.color}
                  stroke={s.color}
                  strokeWidth={1.5}
                />
              ),
            )}
          </g>
        );
      })}
      {g.legend.map(({ series, x, y }) => (
        <g key={`legend-${series.key}`}>
          <line
            x1={x}
            x2={x + 28}
            y1={y}
            y2={y}
            stroke={series.color}
            strokeWidth={2.5}
            strokeDasharray={series.dashed ? '7 5' : undefined}
          />
          <text x={x + 34} y={y + 4} fill="#1d2430">
            {series.label}
          </text>
        </g>
      ))}
      {g.noteLines.map((text, i) => (
        <text key={text} x={g.plotLeft} y={g.plotBottom + 62 + i * 18} fill="#374151">
          {text}
        </text>
      ))}
    </svg>
  );
}
