/**
 * The block-range sweep's figure: the heatmap, a metric to colour by, the best range and the control
 * in words, and the export menu (PNG, SVG, CSV of the cells, JSON of the outcome). Clicking a cell
 * sets the o-vector experiment's blocks to that range.
 */
import { type ReactElement, useRef, useState } from 'react';
import type { SweepResult } from '../../../workers/experiments/index.ts';
import { useElementWidth } from '../../charts/useElementWidth.ts';
import { ExportMenu } from '../../components/ExportMenu.tsx';
import { useLens } from '../../components/useLens.ts';
import { SweepHeatmap } from './SweepHeatmap.tsx';
import { SWEEP_METRICS, type SweepMetric, sweepCsv, sweepLayout } from './sweepLayout.ts';

export function SweepPanel({
  outcome,
  dataLabel,
}: {
  outcome: SweepResult;
  dataLabel: string;
}): ReactElement {
  const pick = useLens((s) => s.pickSweepRange);
  const wrapRef = useRef<HTMLElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const [metric, setMetric] = useState<SweepMetric>('meanReciprocalRank');
  const width = Math.max(360, Math.min(900, useElementWidth(wrapRef, 700)));
  const layout = sweepLayout(outcome, metric, width);
  const best = layout.best;
  const title = `o-vector block ranges · ${dataLabel} (${outcome.sample.length} examples)`;
  return (
    <figure className="experiment-figure" ref={wrapRef} data-testid="sweep-panel">
      <div className="sweep-controls">
        <label>
          Colour by{' '}
          <select
            data-testid="sweep-metric"
            value={metric}
            onChange={(e) => setMetric(e.target.value as SweepMetric)}
          >
            {(Object.keys(SWEEP_METRICS) as SweepMetric[]).map((m) => (
              <option key={m} value={m}>
                {SWEEP_METRICS[m]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <SweepHeatmap
        layout={layout}
        metric={metric}
        title={title}
        svgRef={svgRef}
        onPick={(cell) => pick(cell.from, cell.to)}
      />
      <figcaption data-testid="sweep-best">
        {best
          ? `Best range: blocks ${best.from}-${best.to} (mean reciprocal rank ${best.meanReciprocalRank.toFixed(3)}, accuracy ${best.accuracy.toFixed(2)}); without the o-vector: ${outcome.control.meanReciprocalRank.toFixed(3)}, ${outcome.control.accuracy.toFixed(2)}. Click a cell to run the o-vector experiment on its blocks.`
          : 'No ranges were run.'}
      </figcaption>
      <ExportMenu
        chart="sweep"
        svgRef={svgRef}
        csv={() => sweepCsv(outcome)}
        json={() => JSON.stringify(outcome, null, 2)}
        fileBase="lenslab-sweep"
      />
    </figure>
  );
}
