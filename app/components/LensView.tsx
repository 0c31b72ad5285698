/**
 * The logit lens: the control heatmap (rows stream in), the intervened one beside it with differences
 * marked, and the top-k of the last position. Clicking a row label captures that block's output.
 */
import { type ReactElement, useRef } from 'react';
import { describeResidualState } from '../../models/gpt2/config.ts';
import { gridToCsv, gridToJson, type TrackedColumn } from '../charts/exportChart.ts';
import { LensHeatmap } from '../charts/LensHeatmap.tsx';
import { TopKTable } from '../charts/TopKTable.tsx';
import { useLinkedScroll } from '../charts/useLinkedScroll.ts';
import type { LensGrid, TrackedTokens } from '../domain.ts';
import { ExportMenu } from './ExportMenu.tsx';
import { useLensPick } from './useLens.ts';

function trackedColumns(tracked: TrackedTokens): TrackedColumn[] {
  const out: TrackedColumn[] = [];
  if (tracked.argument) out.push({ name: 'argument', id: tracked.argument.id });
  if (tracked.answer) out.push({ name: 'answer', id: tracked.answer.id });
  return out;
}

export function LensView(props: { rowHeight?: number } = {}): ReactElement {
  const s = useLensPick((st) => ({
    control: st.control,
    intervened: st.intervened,
    rows: st.view.rows,
    setRows: st.setRows,
    tracked: st.tracked,
    stages: st.stages,
    capture: st.captureVector,
    captureKind: st.captureKind,
    modelName: st.info?.name,
  }));
  const svgRef = useRef<SVGSVGElement>(null);
  const pairRef = useRef<HTMLDivElement>(null);
  const control = s.control;
  // control and intervened side by side scroll together, so their columns stay the same tokens
  useLinkedScroll(pairRef, '.lens-heatmap-scroll', !!control && !!s.intervened);

  const onRowSelect = (stateIndex: number): void => {
    const { layer, kind } = describeResidualState(stateIndex);
    if (layer < 0) return;
    // an attention row names the attention output; a block row the chosen sublayer (FFN by default)
    void s.capture(layer, kind === 'attn' ? 'attn' : s.captureKind);
  };

  const exportData = (grid: LensGrid) => ({
    csv: () => gridToCsv(grid, { tracked: trackedColumns(s.tracked) }),
    json: () => gridToJson(grid, { tracked: trackedColumns(s.tracked) }),
  });

  return (
    <section className="lens-view" aria-label="Logit lens">
      <div className="view-toolbar">
        <label className="check">
          <input
            type="checkbox"
            data-testid="rows-toggle"
            checked={s.rows === 'all'}
            onChange={(e) => s.setRows(e.target.checked ? 'all' : 'blocks')}
          />
          with attention states
        </label>
        <ExportMenu
          chart="heatmap"
          svgRef={svgRef}
          fileBase={`lenslab-heatmap-${s.modelName ?? 'model'}`}
          disabled={!control}
          {...exportData(control?.grid ?? { tokens: [], nLayer: 0, grid: [], complete: false })}
        />
      </div>
      {control ? (
        <div className={s.intervened ? 'heatmaps is-compare' : 'heatmaps'} ref={pairRef}>
          <LensHeatmap
            grid={control.grid}
            rows={s.rows}
            onRowSelect={onRowSelect}
            stages={s.stages ?? null}
            testId="lens-heatmap"
            title={s.intervened ? 'Control' : 'Logit lens (click a row label to capture its output)'}
            svgRef={svgRef}
            rowHeight={props.rowHeight}
          />
          {s.intervened ? (
            <LensHeatmap
              grid={s.intervened.grid}
              rows={s.rows}
              diff={control.grid}
              testId="lens-heatmap-intervened"
              title="Intervened (outlined: top-1 differs from the control)"
              rowHeight={props.rowHeight}
              stageGutter={!!s.stages}
            />
          ) : null}
        </div>
      ) : (
        <p className="placeholder" data-testid="lens-placeholder">
          The heatmap appears once a model is loaded and the prompt has run.
        </p>
      )}
    </section>
  );
}

export function TopKView(): ReactElement | null {
  const { control, rows, tracked } = useLensPick((st) => ({
    control: st.control,
    rows: st.view.rows,
    tracked: st.tracked,
  }));
  if (!control) return null;
  const marks = [
    ...(tracked.argument ? [{ id: tracked.argument.id, tag: 'arg' }] : []),
    ...(tracked.answer ? [{ id: tracked.answer.id, tag: 'ans' }] : []),
  ];
  return (
    <TopKTable
      grid={control.grid}
      rows={rows}
      k={5}
      marks={marks}
      testId="topk-table"
      title="Top 5 at the last position"
    />
  );
}
