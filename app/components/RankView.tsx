/** Reciprocal (or log) rank of the argument and the answer per state; the intervened run overlaid. */
import { type ReactElement, useRef } from 'react';
import { rankSeriesToCsv } from '../charts/exportChart.ts';
import { RankPlot } from '../charts/RankPlot.tsx';
import { trackedSeries } from '../charts/rankLayout.ts';
import { ExportMenu } from './ExportMenu.tsx';
import { StagesSummary } from './StagesSummary.tsx';
import { TrackedTokensForm } from './TrackedTokensForm.tsx';
import { useLensPick } from './useLens.ts';

export function RankView(): ReactElement {
  const s = useLensPick((st) => ({
    control: st.control,
    intervened: st.intervened,
    tracked: st.tracked,
    stages: st.stages,
    scale: st.view.rank,
    setScale: st.setRankScale,
    nLayer: st.info?.nLayer ?? 0,
    modelName: st.info?.name,
  }));
  const svgRef = useRef<SVGSVGElement>(null);
  const series = s.control ? trackedSeries(s.control.grid, s.tracked) : [];
  const intervened = s.intervened ? trackedSeries(s.intervened.grid, s.tracked) : [];
  const json = (): string =>
    JSON.stringify(
      {
        format: 'lenslab-rank-series',
        version: 1,
        nLayer: s.nLayer,
        tracked: s.tracked,
        stages: s.stages ?? null,
        series: series.map((x) => ({ ...x, ranks: [...x.ranks].map((r) => r ?? null) })),
        intervened: intervened.map((x) => ({ ...x, ranks: [...x.ranks].map((r) => r ?? null) })),
      },
      null,
      2,
    );
  return (
    <section className="rank-view" aria-label="Rank plot">
      <TrackedTokensForm />
      <div className="view-toolbar">
        <label className="check">
          <input
            type="checkbox"
            data-testid="rank-toggle"
            checked={s.scale === 'log'}
            onChange={(e) => s.setScale(e.target.checked ? 'log' : 'reciprocal')}
          />
          log rank
        </label>
        <ExportMenu
          chart="rank"
          svgRef={svgRef}
          fileBase={`lenslab-rank-${s.modelName ?? 'model'}`}
          disabled={series.length === 0}
          csv={() => rankSeriesToCsv(series, s.nLayer, intervened)}
          json={json}
        />
      </div>
      {s.control && series.length > 0 ? (
        <RankPlot
          nLayer={s.nLayer}
          series={series}
          {...(intervened.length > 0 ? { intervened } : {})}
          scale={s.scale}
          onScaleChange={s.setScale}
          stages={s.stages ?? null}
          testId="rank-plot"
          plotHeight={240}
          svgRef={svgRef}
        />
      ) : null}
      <StagesSummary />
    </section>
  );
}
