/**
 * Under Figure 3: other models' finished runs of the same data set and settings (from the store of
 * results), picked from a list, drawn with this run on a relative-depth axis (depthOverlay.ts).
 */
import { type ReactElement, useEffect } from 'react';
import type { StagesResult } from '../../workers/experiments/index.ts';
import { useLensPick } from '../components/useLens.ts';
import { type DepthRun, depthOverlaySpec } from './figures/depthOverlay.ts';
import { FigurePanel } from './figures/FigurePanel.tsx';
import { modelLabel, parseExperimentKey } from './overlayRuns.ts';

export interface DepthOverlayProps {
  partKey: string;
  outcome: StagesResult;
  dataLabel: string;
}

export function DepthOverlay({ partKey, outcome, dataLabel }: DepthOverlayProps): ReactElement {
  const s = useLensPick((st) => ({
    runs: st.overlayRuns,
    selected: st.overlaySelected,
    find: st.findOverlayRuns,
    toggle: st.toggleOverlayRun,
  }));
  const { find } = s;
  useEffect(() => {
    void find(partKey);
  }, [find, partKey]);
  const mine = modelLabel(parseExperimentKey(partKey)?.model ?? outcome.model.name);
  const shown: DepthRun[] = [
    { label: mine, outcome },
    ...s.runs
      .filter((r) => s.selected.includes(r.key))
      .map((r) => ({ label: modelLabel(r.model), outcome: r.outcome })),
  ];
  return (
    <section className="depth-overlay" data-testid="depth-overlay">
      <fieldset className="depth-overlay-list">
        <legend>Overlay other models (same data set and settings, from the stored runs)</legend>
        {s.runs.length === 0 ? (
          <p data-testid="depth-overlay-empty">
            No other model has a finished run of this data set with these settings yet: load another model and
            run the same settings, then come back.
          </p>
        ) : (
          s.runs.map((r) => (
            <label key={r.key}>
              <input
                type="checkbox"
                data-testid={`overlay-run-${r.model}`}
                checked={s.selected.includes(r.key)}
                onChange={() => s.toggle(r.key)}
              />{' '}
              {modelLabel(r.model)} ({r.outcome.model.nLayer} blocks, {r.outcome.summary.count} examples)
            </label>
          ))
        )}
      </fieldset>
      {shown.length > 1 ? (
        <FigurePanel spec={depthOverlaySpec(shown, dataLabel)} name="figure3-depth" data={shown} />
      ) : null}
    </section>
  );
}
