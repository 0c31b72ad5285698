/**
 * Figure 5 on a slide: the latest finished o-vector transfer of this page (the Experiments view's
 * run, else the one "Reproduce the paper" made), in and out of domain side by side on the slide's
 * 1024 px stage. Null when there is none yet: the slide then shows its live views.
 */
import type { ReactElement } from 'react';
import type { OvectorResult } from '../../workers/experiments/index.ts';
import { useLensPick } from '../components/useLens.ts';
import type { ExperimentPart } from '../store/experimentSlice.ts';
import { datasetLabel } from './experimentSettings.ts';
import { figure5Spec } from './figures/figureSpecs.ts';
import { LineChart } from './figures/LineChart.tsx';

/** Two panels in the slide's 1024 px stage. */
const PANEL_WIDTH = 490;

type Finished = ExperimentPart & { outcome: OvectorResult };

function finishedTransfer(parts: readonly ExperimentPart[]): Finished[] {
  const done = parts.filter((p): p is Finished => p.outcome?.experiment === 'ovector');
  return done.length > 0 && done.length === parts.length ? done : [];
}

export function useLatestFigure5(): Finished[] {
  const { parts, sections } = useLensPick((s) => ({
    parts: s.experimentParts,
    sections: s.reproduce.sections,
  }));
  const own = finishedTransfer(parts);
  if (own.length) return own;
  return finishedTransfer(sections.find((x) => x.figure === 5)?.parts ?? []);
}

export function SlideFigure5({ parts }: { parts: readonly Finished[] }): ReactElement {
  return (
    <div className="slide-figure" data-testid="slide-figure5">
      {parts.map((part) => (
        <LineChart
          key={part.key}
          spec={figure5Spec(part.outcome, datasetLabel(part.ref), part.role)}
          width={PANEL_WIDTH}
          plotHeight={220}
          testId={`slide-figure5-${part.role.replace(/\s+/g, '-')}`}
        />
      ))}
    </div>
  );
}
