/** A figure with its export menu (PNG, SVG, CSV of the plotted series, JSON of the outcome). */
import { type ReactElement, useRef } from 'react';
import { useElementWidth } from '../../charts/useElementWidth.ts';
import { ExportMenu } from '../../components/ExportMenu.tsx';
import { LineChart } from './LineChart.tsx';
import { type ChartSpec, chartCsv } from './lineChartLayout.ts';

export interface FigurePanelProps {
  spec: ChartSpec;
  /** Part of test ids and file names: 'figure3', 'figure5-in-domain', ... */
  name: string;
  /** The outcome(s) behind the figure, for the JSON export. */
  data: unknown;
}

export function FigurePanel({ spec, name, data }: FigurePanelProps): ReactElement {
  const wrapRef = useRef<HTMLElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = Math.max(420, Math.min(1100, useElementWidth(wrapRef, 900)));
  return (
    <figure className="experiment-figure" ref={wrapRef} data-testid={`${name}-panel`}>
      <LineChart spec={spec} width={width} testId={name} svgRef={svgRef} />
      <ExportMenu
        chart={name}
        svgRef={svgRef}
        csv={() => chartCsv(spec)}
        json={() => JSON.stringify(data, null, 2)}
        fileBase={`lenslab-${name}`}
      />
    </figure>
  );
}
