/**
 * The Experiments page: settings, Run / Cancel, each data set's progress, and the figure with its
 * per-example tables. The stored results of these settings are looked up as soon as they change,
 * so a finished run (or a link to one) shows without running.
 */
import { type ReactElement, useEffect } from 'react';
import { useLensPick } from '../components/useLens.ts';
import { ExperimentFigures } from './ExperimentFigures.tsx';
import { ExperimentForm } from './ExperimentForm.tsx';
import { ExperimentProgress } from './ExperimentProgress.tsx';
import './experiments.css';

export function ExperimentsView(): ReactElement {
  const s = useLensPick((st) => ({
    settings: st.experimentSettings,
    parts: st.experimentParts,
    running: st.experimentRunning,
    error: st.experimentError,
    ready: st.modelStatus === 'ready',
    generation: st.modelGeneration,
    builtin: st.modelSource.source === 'builtin',
    run: st.runExperiment,
    cancel: st.cancelExperiment,
    reopen: st.reopenExperiment,
    uploads: st.uploads,
    vectors: st.vectors.length,
  }));
  const { ready, running, reopen, settings, generation, uploads, vectors } = s;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new model, new settings, uploads or vectors mean other stored results
  useEffect(() => {
    if (ready && !running) void reopen();
  }, [ready, settings, generation, uploads, vectors]);

  return (
    <section className="experiments" aria-labelledby="experiments-title" data-testid="experiments-view">
      <h2 id="experiments-title">Experiments: the paper's figures over a data set</h2>
      {s.builtin ? (
        <p className="experiment-banner" role="note" data-testid="builtin-banner">
          The built-in model has random weights: these runs show the interface, the numbers mean nothing.
        </p>
      ) : null}
      <ExperimentForm />
      <div className="experiment-actions">
        <button
          type="button"
          data-testid="experiment-run"
          disabled={!ready || running}
          onClick={() => void s.run()}
        >
          {s.parts.some((p) => p.status === 'stored' || p.status === 'cancelled') ? 'Resume' : 'Run'}
        </button>
        <button type="button" data-testid="experiment-cancel" disabled={!running} onClick={s.cancel}>
          Cancel
        </button>
        <span data-testid="experiment-status" data-running={running}>
          {running ? 'running in the engine worker…' : ''}
        </span>
      </div>
      {s.error ? (
        <p className="error" role="alert" data-testid="experiment-error">
          {s.error}
        </p>
      ) : null}
      <ExperimentProgress parts={s.parts} />
      <ExperimentFigures parts={s.parts} />
    </section>
  );
}
