/** The experiment's settings: which experiment, its data sets (built-in or uploaded), limit, vector, blocks, ... */
import { type ChangeEvent, type ReactElement, useState } from 'react';
import type { ExperimentKind } from '../../workers/api.ts';
import { BUILTIN_DATASETS, defaultOvectorBlocks, FIGURE5_TASKS } from '../../workers/experiments/index.ts';
import { useLens, useLensPick } from '../components/useLens.ts';
import { datasetRole, datasetSlots, EXPERIMENT_TITLES } from './experimentSettings.ts';
import { LimitInput } from './LimitInput.tsx';
import { TemplateBuilder } from './TemplateBuilder.tsx';

const KINDS: ExperimentKind[] = ['stages', 'ovector', 'ablate', 'sweep'];

export function ExperimentForm(): ReactElement {
  const s = useLensPick((st) => ({
    settings: st.experimentSettings,
    running: st.experimentRunning,
    uploads: st.uploads,
    uploadErrors: st.uploadErrors,
    vectors: st.vectors,
    info: st.info,
    set: st.setExperimentSettings,
    choose: st.chooseExperiment,
    upload: st.uploadDataset,
  }));
  const capture = useLens((st) => st.captureVector);
  const nLayer = s.info?.nLayer ?? 1;
  const defaultBlocks = defaultOvectorBlocks(nLayer);
  const [captureBlock, setCaptureBlock] = useState<number | undefined>(undefined);
  const { settings } = s;
  const kind = settings.experiment;

  const onUpload = async (event: ChangeEvent<HTMLInputElement>, slot: number): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const errors = s.upload(file.name, await file.text());
    if (errors.length === 0) {
      const datasets = [...settings.datasets];
      datasets[slot] = `upload:${file.name}`;
      s.set({ datasets });
    }
  };
  const setDataset = (slot: number, ref: string): void => {
    const datasets = [...settings.datasets];
    datasets[slot] = ref;
    s.set({ datasets });
  };
  const onCapture = async (): Promise<void> => {
    const entry = await capture(captureBlock ?? defaultBlocks.from, 'ffn');
    if (entry) s.set({ vector: entry.id });
  };
  const paperVectors = s.info?.nEmbd === 1024 ? FIGURE5_TASKS.map((t) => t.vector) : [];

  return (
    <fieldset className="experiment-form" disabled={s.running} data-testid="experiment-form">
      <legend className="visually-hidden">Experiment settings</legend>
      <label>
        Experiment{' '}
        <select
          data-testid="experiment-kind"
          value={kind}
          onChange={(e) => s.choose(e.target.value as ExperimentKind)}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {EXPERIMENT_TITLES[k]}
            </option>
          ))}
        </select>
      </label>
      {Array.from({ length: datasetSlots(kind) }, (_, slot) => {
        const role = datasetRole(kind, slot);
        const value = settings.datasets[slot] ?? '';
        return (
          <span key={role} className="experiment-dataset">
            <label>
              Data ({role}){' '}
              <select
                data-testid={`experiment-data-${slot}`}
                value={value}
                onChange={(e) => setDataset(slot, e.target.value)}
              >
                {BUILTIN_DATASETS.map((d) => (
                  <option key={d.name} value={`builtin:${d.name}`} title={d.description}>
                    {d.name}
                  </option>
                ))}
                {Object.keys(s.uploads).map((name) => (
                  <option key={name} value={`upload:${name}`}>
                    {name} (uploaded)
                  </option>
                ))}
              </select>
            </label>
            <label className="file-button">
              Upload CSV/JSONL
              <input
                type="file"
                accept=".csv,.jsonl,.ndjson"
                data-testid={`experiment-upload-${slot}`}
                onChange={(e) => void onUpload(e, slot)}
              />
            </label>
          </span>
        );
      })}
      <TemplateBuilder onBuilt={(ref) => setDataset(0, ref)} />
      <LimitInput
        label="Limit"
        testId="experiment-limit"
        value={settings.limit}
        onChange={(limit) => s.set({ limit })}
      />
      {kind === 'ovector' || kind === 'sweep' ? (
        <>
          <label>
            o-vector{' '}
            <select
              data-testid="experiment-vector"
              value={settings.vector ?? ''}
              onChange={(e) => s.set({ vector: e.target.value || undefined })}
            >
              <option value="">(choose)</option>
              {s.vectors.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
              {paperVectors.map((path) => (
                <option key={path} value={`asset:${path}`}>
                  paper: {path.replace(/^paper\//, '')}
                </option>
              ))}
            </select>
          </label>
          <span className="experiment-capture">
            <label>
              capture FFN of block{' '}
              <input
                type="number"
                min={0}
                max={nLayer - 1}
                value={captureBlock ?? defaultBlocks.from}
                data-testid="experiment-capture-block"
                onChange={(e) => setCaptureBlock(Number(e.target.value))}
              />
            </label>{' '}
            <button type="button" data-testid="experiment-capture" onClick={() => void onCapture()}>
              from the workspace prompt
            </button>
          </span>
          {kind === 'sweep' ? (
            <LimitInput
              label="Sample"
              testId="experiment-sample"
              value={settings.sample}
              onChange={(sample) => s.set({ sample })}
            />
          ) : (
            <label>
              Blocks{' '}
              <input
                data-testid="experiment-blocks"
                size={6}
                value={settings.blocks ?? ''}
                placeholder={`${defaultBlocks.from}-${defaultBlocks.to}`}
                onChange={(e) => s.set({ blocks: e.target.value.trim() || undefined })}
              />
            </label>
          )}
          <label>
            Mode{' '}
            <select
              value={settings.mode}
              data-testid="experiment-mode"
              onChange={(e) => s.set({ mode: e.target.value as 'replace' | 'add' })}
            >
              <option value="replace">replace</option>
              <option value="add">add × scale</option>
            </select>
          </label>
          {settings.mode === 'add' ? (
            <label>
              Scale{' '}
              <input
                type="number"
                step="any"
                value={settings.scale}
                onChange={(e) => s.set({ scale: Number(e.target.value) || 0 })}
              />
            </label>
          ) : null}
          <label>
            Positions{' '}
            <select
              value={settings.positions}
              onChange={(e) => s.set({ positions: e.target.value as 'all' | 'last' })}
            >
              <option value="all">every position</option>
              <option value="last">last only</option>
            </select>
          </label>
        </>
      ) : null}
      {kind === 'ablate' ? (
        <label>
          Steps (K){' '}
          <input
            type="number"
            min={1}
            max={48}
            data-testid="experiment-steps"
            value={settings.steps}
            onChange={(e) => s.set({ steps: Math.max(1, Math.floor(Number(e.target.value) || 1)) })}
          />
        </label>
      ) : null}
      {kind !== 'stages' ? (
        <label>
          Sublayer{' '}
          <select
            value={settings.sublayer}
            onChange={(e) => s.set({ sublayer: e.target.value as 'ffn' | 'attn' })}
          >
            <option value="ffn">FFN</option>
            <option value="attn">attention</option>
          </select>
        </label>
      ) : null}
      {s.uploadErrors ? (
        <div className="experiment-upload-errors" role="alert" data-testid="upload-errors">
          {s.uploadErrors.name} was not used: {s.uploadErrors.errors.length} bad row
          {s.uploadErrors.errors.length === 1 ? '' : 's'}
          <ul>
            {s.uploadErrors.errors.slice(0, 20).map((e) => (
              <li key={`${e.line}-${e.message}`}>
                line {e.line}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </fieldset>
  );
}
