/**
 * Rank plot: reciprocal rank (or log rank) per residual state for the argument and the answer, the
 * X-shape of the paper's Figure 3, with the stages shaded and an optional intervened run dashed.
 * d3 computes scales, paths and symbols; React renders the SVG.
 */
import { symbol } from 'd3';
import { type ReactElement, type Ref, useId, useRef, useState } from 'react';
import {
  functionApplicationLabel,
  functionApplicationX,
  logDomainMax,
  placeLabels,
  type RankScale,
  type RankSeriesInput,
  type RankStages,
  rankGeometry,
  rankPoints,
  seriesLegend,
  seriesStyle,
  stageBand,
  stageLabelXs,
  stageLegendText,
  wrapText,
  xTickLabel,
  xTicks,
  yTicks,
} from './rankLayout.ts';
import { CHAR_PX, flowLegend, LEGEND_ROW, type LegendItem, Series, SYMBOL_TYPES } from './rankPlotParts.tsx';
import { useElementWidth } from './useElementWidth.ts';
import './charts.css';

export interface RankPlotProps {
  nLayer: number;
  /** Control run: usually [argument, answer] (see trackedSeries), plus any extra tokens. */
  series: RankSeriesInput[];
  /** The same tokens in an intervened run: dashed lines, hollow markers, same colours. */
  intervened?: RankSeriesInput[];
  /** Controlled scale; without it the plot keeps its own (starting reciprocal). */
  scale?: RankScale;
  onScaleChange?: (scale: RankScale) => void;
  /** From detectStages: bands A (argument formation), C (saturation), marker B (function application). */
  stages?: RankStages;
  testId?: string;
  title?: string;
  /** Height of the plotting area in px; default 300. */
  plotHeight?: number;
  svgRef?: Ref<SVGSVGElement>;
}

export function RankPlot(props: RankPlotProps): ReactElement {
  const { nLayer, series, intervened = [], stages, testId = 'rank-plot', title } = props;
  const [ownScale, setOwnScale] = useState<RankScale>(props.scale ?? 'reciprocal');
  const scale = props.scale ?? ownScale;
  const plotHeight = props.plotHeight ?? 300;
  const wrapRef = useRef<HTMLElement>(null);
  const width = Math.max(480, useElementWidth(wrapRef, 960));
  const clipId = `${useId().replace(/[^a-zA-Z0-9_-]/g, '')}-plot`;
  const nStates = 2 * nLayer + 1;

  const setScale = (s: RankScale): void => {
    setOwnScale(s);
    props.onScaleChange?.(s);
  };

  const styles = new Map(series.map((s, i) => [s.key, seriesStyle(s.key, i)]));
  const styleOf = (key: string, i: number) => styles.get(key) ?? seriesStyle(key, series.length + i);

  const legendItems: LegendItem[] = series.map((s, i) => ({
    key: s.key,
    text: seriesLegend(s),
    ...styleOf(s.key, i),
    dashed: false,
  }));
  if (intervened.length > 0) {
    legendItems.push({
      key: 'intervened',
      text: 'intervened (dashed, hollow)',
      color: '#374151',
      symbol: 'circle',
      dashed: true,
    });
  }
  const legend = flowLegend(legendItems, width - 70);
  const legendRows = legend.reduce((m, it) => Math.max(m, it.row + 1), 0);
  const legendH = Math.max(1, legendRows) * LEGEND_ROW + 4;

  const longestLabel = Math.max(0, ...series.map((s) => s.label.length));
  const right = Math.min(220, Math.max(56, longestLabel * CHAR_PX + 28));
  const plotTop = legendH + 26;
  const logMax = logDomainMax([...series, ...intervened].map((s) => s.ranks));
  const g = rankGeometry({
    width,
    nLayer,
    plotTop,
    plotHeight,
    margins: { left: 72, right },
    scale,
    logMax,
  });
  const ticks = xTicks(nLayer, g.plotRight - g.plotLeft);
  const yt = yTicks(scale, logMax);

  const stageText = stageLegendText(stages);
  const stageLines = stageText
    ? wrapText(stageText, Math.max(30, Math.floor((width - 16) / (13 * 0.56))))
    : [];
  const height = g.plotBottom + 60 + stageLines.length * 19 + (stageLines.length ? 6 : 0);

  const control = series.map((s, i) => ({
    s,
    style: styleOf(s.key, i),
    points: rankPoints(s.ranks, nStates, scale),
  }));
  const inter = intervened.map((s, i) => ({
    s,
    style: styleOf(s.key, i),
    points: rankPoints(s.ranks, nStates, scale),
  }));

  // end-of-line labels at each control series' last known point
  const ends = control
    .map(({ s, points }) => {
      const last = [...points].reverse().find((p) => p.value !== null);
      return last ? { key: s.key, y: g.y(last.value ?? 1), x: g.x(last.x) } : null;
    })
    .filter((e): e is { key: string; y: number; x: number } => e !== null);
  // while streaming, the label follows the last arrived point
  const labelX = new Map(ends.map((e) => [e.key, e.x + 10]));
  const labelY = placeLabels(ends, 18, g.plotTop + 6, g.plotBottom - 2);

  const bandA = stages?.argumentFormation ? stageBand(stages.argumentFormation, nLayer) : null;
  const bandC = stages?.saturation ? stageBand(stages.saturation, nLayer) : null;
  const fa = stages?.functionApplication ?? null;

  const faX = fa ? g.x(functionApplicationX(fa.state)) : null;
  const faText = fa ? `B ${functionApplicationLabel(fa)}` : '';
  const labelXs = stageLabelXs({
    a: bandA ? (g.x(bandA.x0) + g.x(bandA.x1)) / 2 : null,
    b: faX,
    bWidth: faText.length * 15 * 0.62,
    c: bandC ? (g.x(bandC.x0) + g.x(bandC.x1)) / 2 : null,
    lo: g.plotLeft,
    hi: width - 4,
  });

  const yTitle = scale === 'reciprocal' ? 'reciprocal rank 1/(rank+1)' : 'rank (log scale, 1 = top)';

  return (
    <figure className="rank-plot" data-testid={testId} data-scale={scale} ref={wrapRef}>
      <div className="rank-plot-head">
        {title ? <figcaption className="chart-title">{title}</figcaption> : null}
        <fieldset className="seg-toggle" data-testid="rank-scale-toggle">
          <legend className="visually-hidden">Rank axis</legend>
          <button
            type="button"
            aria-pressed={scale === 'reciprocal'}
            data-testid="rank-scale-reciprocal"
            onClick={() => setScale('reciprocal')}
          >
            Reciprocal rank
          </button>
          <button
            type="button"
            aria-pressed={scale === 'log'}
            data-testid="rank-scale-log"
            onClick={() => setScale('log')}
          >
            Log rank
          </button>
        </fieldset>
      </div>
      <svg
        ref={props.svgRef}
        className="rank-plot-svg"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        xmlns="http://www.w3.org/2000/svg"
        role="img"
        aria-label={`Rank per layer of ${series.map((s) => seriesLegend(s)).join(', ')}${intervened.length ? ', with the intervened run dashed' : ''}. ${stageText}`}
      >
        <defs>
          <clipPath id={clipId}>
            <rect
              x={g.plotLeft - 8}
              y={g.plotTop - 8}
              width={g.plotRight - g.plotLeft + 16}
              height={plotHeight + 16}
            />
          </clipPath>
        </defs>
        <rect className="rank-bg" x={0} y={0} width={width} height={height} fill="#ffffff" />

        {/* legend */}
        <g className="rank-legend" data-testid="rank-legend">
          {legend.map((it) => {
            const ly = 4 + it.row * LEGEND_ROW + LEGEND_ROW / 2;
            const lx = g.plotLeft + it.x;
            return (
              <g key={it.key} data-legend={it.key}>
                <line
                  x1={lx}
                  x2={lx + 32}
                  y1={ly}
                  y2={ly}
                  stroke={it.color}
                  strokeWidth={2.5}
                  strokeDasharray={it.dashed ? '6 4' : undefined}
                />
                <path
                  d={symbol(SYMBOL_TYPES[it.symbol], 64)() ?? ''}
                  transform={`translate(${lx + 16} ${ly})`}
                  fill={it.dashed ? '#ffffff' : it.color}
                  stroke={it.color}
                  strokeWidth={1.5}
                />
                <text className="rank-legend-text" x={lx + 40} y={ly + 5}>
                  {it.text}
                </text>
              </g>
            );
          })}
        </g>

        {/* stage bands under everything else in the plot */}
        {bandA ? (
          <g data-testid="rank-stage" data-stage="A">
            <rect
              className="stage-band stage-a"
              x={g.x(bandA.x0)}
              y={g.plotTop}
              width={Math.max(2, g.x(bandA.x1) - g.x(bandA.x0))}
              height={plotHeight}
            />
            <text
              className="stage-letter stage-a-text"
              x={labelXs.a ?? 0}
              y={g.plotTop - 8}
              textAnchor="middle"
            >
              A
            </text>
          </g>
        ) : null}
        {bandC ? (
          <g data-testid="rank-stage" data-stage="C">
            <rect
              className="stage-band stage-c"
              x={g.x(bandC.x0)}
              y={g.plotTop}
              width={Math.max(2, g.x(bandC.x1) - g.x(bandC.x0))}
              height={plotHeight}
            />
            <text
              className="stage-letter stage-c-text"
              x={labelXs.c ?? 0}
              y={g.plotTop - 8}
              textAnchor="middle"
            >
              C
            </text>
          </g>
        ) : null}

        {/* grid and axes */}
        <g className="rank-axis rank-axis-y">
          {yt.map((t) => (
            <g key={t.value}>
              <line
                className="grid-line"
                x1={g.plotLeft}
                x2={g.plotRight}
                y1={g.y(t.value)}
                y2={g.y(t.value)}
              />
              <text className="tick-label" x={g.plotLeft - 8} y={g.y(t.value) + 5} textAnchor="end">
                {t.label}
              </text>
            </g>
          ))}
          <text
            className="axis-title"
            transform={`translate(18 ${(g.plotTop + g.plotBottom) / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {yTitle}
          </text>
        </g>
        <g className="rank-axis rank-axis-x">
          <line className="axis-line" x1={g.plotLeft} x2={g.plotRight} y1={g.plotBottom} y2={g.plotBottom} />
          {ticks.minor.map((v) => (
            <line
              key={`m${v}`}
              className="tick-minor"
              x1={g.x(v)}
              x2={g.x(v)}
              y1={g.plotBottom}
              y2={g.plotBottom + 4}
            />
          ))}
          {ticks.major.map((v) => (
            <g key={v}>
              <line className="tick-major" x1={g.x(v)} x2={g.x(v)} y1={g.plotBottom} y2={g.plotBottom + 8} />
              <text className="tick-label" x={g.x(v)} y={g.plotBottom + 24} textAnchor="middle">
                {xTickLabel(v)}
              </text>
            </g>
          ))}
          <text
            className="axis-title"
            x={(g.plotLeft + g.plotRight) / 2}
            y={g.plotBottom + 48}
            textAnchor="middle"
          >
            layer (n = after block n−1; minor ticks: after attention)
          </text>
        </g>

        {fa && faX !== null ? (
          <g data-testid="rank-stage" data-stage="B" data-state-index={fa.state}>
            <line className="stage-line" x1={faX} x2={faX} y1={g.plotTop - 2} y2={g.plotBottom} />
            <text
              className="stage-letter stage-b-text"
              x={labelXs.b ?? faX}
              y={g.plotTop - 8}
              textAnchor="middle"
            >
              {faText}
            </text>
          </g>
        ) : null}

        {/* series: intervened (dashed) below control */}
        <g clipPath={`url(#${clipId})`}>
          {inter.map(({ s, style, points }) => (
            <Series key={`i-${s.key}`} s={s} style={style} points={points} g={g} run="intervened" />
          ))}
          {control.map(({ s, style, points }) => (
            <Series key={s.key} s={s} style={style} points={points} g={g} run="control" />
          ))}
        </g>

        {control.map(({ s, style }) => {
          const y = labelY.get(s.key);
          if (y === undefined) return null;
          return (
            <text
              key={`l-${s.key}`}
              className="rank-end-label halo"
              x={labelX.get(s.key) ?? g.plotRight + 10}
              y={y + 5}
              fill={style.color}
            >
              {s.label}
            </text>
          );
        })}

        {stageLines.length > 0 ? (
          <text className="rank-stage-key" data-testid="rank-stage-text" x={8} y={g.plotBottom + 76}>
            {stageLines.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: wrapped lines of one string
              <tspan key={i} x={8} dy={i === 0 ? 0 : 19}>
                {l}
              </tspan>
            ))}
          </text>
        ) : null}
      </svg>
    </figure>
  );
}
