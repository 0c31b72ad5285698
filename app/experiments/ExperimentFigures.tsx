/** The finished parts of a run as the paper's figure, each with its per-example table. */
import type { ReactElement } from 'react';
import type { AblationResult } from '../../workers/experiments/index.ts';
import { useLens } from '../components/useLens.ts';
import type { ExperimentPart } from '../store/experimentSlice.ts';
import { DepthOverlay } from './DepthOverlay.tsx';
import { ExampleTable } from './ExampleTable.tsx';
import { datasetLabel } from './experimentSettings.ts';
import { FigurePanel } from './figures/FigurePanel.tsx';
import { figure3Spec, figure5Spec, figure7Spec } from './figures/figureSpecs.ts';
import { SweepPanel } from './figures/SweepPanel.tsx';

const slug = (role: string): string => role.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

export function ExperimentFigures({ parts }: { parts: readonly ExperimentPart[] }): ReactElement | null {
  const openExample = useLens((s) => s.openExample);
  const finished = parts.map((part, index) => ({ part, index })).filter((p) => p.part.outcome);
  const sweep = finished.find((p) => p.part.outcome?.experiment === 'sweep');
  if (sweep?.part.outcome?.experiment === 'sweep')
    return (
      <section className="experiment-figures" aria-label="Block-range sweep">
        <SweepPanel outcome={sweep.part.outcome} dataLabel={datasetLabel(sweep.part.ref)} />
      </section>
    );
  const done = finished.flatMap(({ part, index }) =>
    part.outcome && part.outcome.experiment !== 'sweep' ? [{ part, index, outcome: part.outcome }] : [],
  );
  if (done.length === 0) return null;
  const tables = done.map(({ part, index, outcome }) => (
    <details key={part.key} className="experiment-examples" open={index === 0}>
      <summary>
        Examples · {part.role}: {datasetLabel(part.ref)} ({outcome.examples.length})
        {outcome.skipped.length ? `, ${outcome.skipped.length} skipped` : ''}
      </summary>
      <ExampleTable outcome={outcome} partIndex={index} onOpen={openExample} />
    </details>
  ));
  const first = done[0]!.outcome;
  if (first.experiment === 'ablate') {
    const variants = done.map(({ part }) => ({
      role: part.role,
      dataLabel: datasetLabel(part.ref),
      outcome: part.outcome as AblationResult,
    }));
    return (
      <section className="experiment-figures" aria-label="Figure 7">
        <FigurePanel spec={figure7Spec(variants)} name="figure7" data={variants} />
        {tables}
      </section>
    );
  }
  return (
    <section
      className="experiment-figures"
      aria-label={first.experiment === 'stages' ? 'Figure 3' : 'Figure 5'}
    >
      <div className="experiment-figure-row">
        {done.map(({ part }) => {
          const outcome = part.outcome!;
          const label = datasetLabel(part.ref);
          if (outcome.experiment === 'stages')
            return (
              <FigurePanel key={part.key} spec={figure3Spec(outcome, label)} name="figure3" data={outcome} />
            );
          if (outcome.experiment === 'ovector')
            return (
              <FigurePanel
                key={part.key}
                spec={figure5Spec(outcome, label, part.role)}
                name={`figure5-${slug(part.role)}`}
                data={outcome}
              />
            );
          return null;
        })}
      </div>
      {first.experiment === 'stages' && done[0]!.part.key ? (
        <DepthOverlay
          partKey={done[0]!.part.key}
          outcome={first}
          dataLabel={datasetLabel(done[0]!.part.ref)}
        />
      ) : null}
      {tables}
    </section>
  );
}
