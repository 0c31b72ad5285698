/**
 * "Reproduce the paper": runs Figures 3, 5 and 7 on the loaded model and draws each beside the
 * paper's reported values, with the run's identity; exports one self-contained HTML file and JSON.
 */
import { type ReactElement, useMemo } from 'react';
import packageJson from '../../../package.json';
import { useLensPick } from '../../components/useLens.ts';
import { downloadBlob } from '../../download.ts';
import { sourceName } from '../../store/modelSlice.ts';
import { ExperimentProgress } from '../ExperimentProgress.tsx';
import { FigurePanel } from '../figures/FigurePanel.tsx';
import { LimitInput } from '../LimitInput.tsx';
import { reportHtmlFile, reportJsonFile } from './reportFiles.tsx';
import { buildReport, sectionSpecs } from './reportModel.ts';

export function ReproduceView(): ReactElement {
  const s = useLensPick((st) => ({
    reproduce: st.reproduce,
    info: st.info,
    source: st.modelSource,
    backend: st.backend,
    ready: st.modelStatus === 'ready',
    generation: st.modelGeneration,
    run: st.runReproduction,
    cancel: st.cancelReproduction,
    setLimit: st.setReproduceLimit,
  }));
  const { reproduce, info, source } = s;
  const builtin = source.source === 'builtin';
  const current = reproduce.modelGeneration === s.generation;
  const report = useMemo(
    () =>
      info && current && reproduce.sections.length
        ? buildReport({
            version: packageJson.version,
            date: new Date(reproduce.finishedAt ?? reproduce.startedAt ?? Date.now()),
            model: {
              name: sourceName(source),
              revision: source.source === 'hub' ? source.revision : 'builtin',
              nLayer: info.nLayer,
              nEmbd: info.nEmbd,
              builtin,
            },
            backend: s.backend ?? 'unknown',
            sections: reproduce.sections,
          })
        : undefined,
    [info, current, reproduce, source, builtin, s.backend],
  );
  const running = reproduce.status === 'running';
  const save = (format: 'html' | 'json'): void => {
    if (!report) return;
    const text = format === 'html' ? reportHtmlFile(report) : reportJsonFile(report);
    const type = format === 'html' ? 'text/html;charset=utf-8' : 'application/json';
    downloadBlob(new Blob([text], { type }), `lenslab-reproduction-${report.model.name}.${format}`);
  };

  return (
    <section className="reproduce" aria-labelledby="reproduce-title" data-testid="reproduce-view">
      <h2 id="reproduce-title">Reproduce the paper on {info ? sourceName(source) : 'the loaded model'}</h2>
      {builtin ? (
        <p className="experiment-banner" role="note" data-testid="reproduce-banner">
          The built-in model has random weights: the numbers mean nothing; this shows the pipeline end to end.
          Load gpt2-medium for the paper's own model.
        </p>
      ) : null}
      <div className="experiment-actions">
        <LimitInput
          label="Examples per data set"
          testId="reproduce-limit"
          value={reproduce.limit}
          onChange={s.setLimit}
          disabled={running}
        />
        <button
          type="button"
          data-testid="reproduce-run"
          disabled={!s.ready || running}
          onClick={() => void s.run()}
        >
          Run Figures 3, 5 and 7
        </button>
        <button type="button" data-testid="reproduce-cancel" disabled={!running} onClick={s.cancel}>
          Cancel
        </button>
        <span data-testid="reproduce-status" data-status={current ? reproduce.status : 'idle'}>
          {current ? reproduce.status : ''}
        </span>
        <button
          type="button"
          data-testid="reproduce-export-html"
          disabled={!report || running}
          onClick={() => save('html')}
        >
          Export HTML
        </button>
        <button
          type="button"
          data-testid="reproduce-export-json"
          disabled={!report || running}
          onClick={() => save('json')}
        >
          Export JSON
        </button>
      </div>
      {report ? (
        <table className="paper-table" data-testid="reproduce-meta">
          <tbody>
            <tr>
              <th>Model</th>
              <td>
                {report.model.name} @ {report.model.revision} ({report.model.nLayer} blocks, d_model{' '}
                {report.model.nEmbd})
              </td>
            </tr>
            <tr>
              <th>Backend</th>
              <td>{report.backend}</td>
            </tr>
            <tr>
              <th>LensLab</th>
              <td>{report.lenslabVersion}</td>
            </tr>
            <tr>
              <th>Date</th>
              <td>{report.date}</td>
            </tr>
          </tbody>
        </table>
      ) : null}
      {report?.sections.map((section, i) => {
        const parts = reproduce.sections[i]?.parts ?? [];
        return (
          <section
            key={section.figure}
            data-testid={`reproduce-figure-${section.figure}`}
            data-status={reproduce.sections[i]?.status}
          >
            <h3>{section.title}</h3>
            {section.vectorNote ? <p>{section.vectorNote}</p> : null}
            {reproduce.sections[i]?.error ? <p className="error">{reproduce.sections[i]?.error}</p> : null}
            <ExperimentProgress parts={parts} />
            <div className="experiment-figure-row">
              {sectionSpecs(section).map((spec, j) => (
                <FigurePanel
                  key={spec.title}
                  spec={spec}
                  name={`reproduce-${section.figure}-${j}`}
                  data={section.outcomes}
                />
              ))}
            </div>
            {section.rows.length ? (
              <table className="paper-table" data-testid={`paper-table-${section.figure}`}>
                <thead>
                  <tr>
                    <th>metric</th>
                    <th>paper</th>
                    <th>this run</th>
                  </tr>
                </thead>
                <tbody>
                  {section.rows.map((r) => (
                    <tr key={r.metric}>
                      <td>{r.metric}</td>
                      <td>{r.paper}</td>
                      <td>{r.thisRun}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            <table className="paper-table">
              <thead>
                <tr>
                  <th>data set</th>
                  <th>name</th>
                  <th>examples</th>
                  <th>SHA-256</th>
                </tr>
              </thead>
              <tbody>
                {section.data.map((d) => (
                  <tr key={d.ref}>
                    <td>{d.role}</td>
                    <td>{d.ref}</td>
                    <td>{d.examples}</td>
                    <td className="mono">{d.sha256.slice(0, 16)}…</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </section>
  );
}
