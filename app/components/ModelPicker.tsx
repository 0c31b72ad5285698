/**
 * Which model: the built-in one (offline, random weights) or a GPT-2 from the Hub, with sizes from the
 * catalogue and what fits this device. Loading is a click: nothing large downloads by itself.
 */
import { type ReactElement, useEffect, useState } from 'react';
import { GPT2_CATALOGUE } from '../../models/hub/catalogue.ts';
import { checkFits, formatBytes } from '../../models/hub/fit.ts';
import type { ModelChoice } from '../store/modelSlice.ts';
import { useLensPick } from './useLens.ts';

/** The built-in model's weights (public/generated/builtin/model.safetensors, ~13.7 MB). */
const BUILTIN_BYTES = 13_703_320;

function HubSettings(): ReactElement {
  const { hubUrl, hubReachable, setHubUrl } = useLensPick((s) => ({
    hubUrl: s.hubUrl,
    hubReachable: s.hubReachable,
    setHubUrl: s.setHubUrl,
  }));
  const [draft, setDraft] = useState(hubUrl);
  useEffect(() => setDraft(hubUrl), [hubUrl]);
  const status = hubReachable === undefined ? 'checking…' : hubReachable ? 'reachable' : 'unreachable';
  return (
    <details className="hub-settings">
      <summary>
        Hub{' '}
        <span data-testid="hub-status" data-reachable={String(hubReachable ?? '')}>
          {status}
        </span>
      </summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setHubUrl(draft);
        }}
      >
        <label>
          Hub URL
          <input
            type="url"
            data-testid="hub-url"
            value={draft}
            spellCheck={false}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={() => setHubUrl(draft)}
          />
        </label>
      </form>
    </details>
  );
}

export function ModelPicker(): ReactElement {
  const s = useLensPick((st) => ({
    selected: st.selectedModel,
    select: st.selectModel,
    loadSelected: st.loadSelected,
    limits: st.deviceLimits,
    hubReachable: st.hubReachable,
  }));
  const fitOf = (id: ModelChoice): string => {
    if (id === 'builtin' || !s.limits) return '';
    const entry = GPT2_CATALOGUE.find((e) => e.id === id)!;
    const fit = checkFits(entry, s.limits);
    if (!fit.ok) return ' · too large here';
    return fit.blockWeights === 'float16' ? ' · float16 weights here' : '';
  };
  return (
    <div className="model-picker">
      <label className="model-select">
        <span className="visually-hidden">Model</span>
        <select
          data-testid="model-select"
          value={s.selected}
          onChange={(e) => s.select(e.target.value as ModelChoice)}
        >
          <option value="builtin">Built-in · random weights, offline · {formatBytes(BUILTIN_BYTES)}</option>
          {GPT2_CATALOGUE.map((e) => (
            <option key={e.id} value={e.id}>
              {e.id} · {e.label} · {formatBytes(e.bytes)}
              {e.id === 'gpt2-medium' ? ' · the paper’s model' : ''}
              {fitOf(e.id)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        data-testid="model-load"
        onClick={() => void s.loadSelected()}
        title="Download (or read from the cache) and load the chosen model"
      >
        Load
      </button>
      <HubSettings />
    </div>
  );
}

/** What is loaded: name, size, and a warning when the weights are random. */
export function ModelLabel(): ReactElement {
  const { info, status, loadingName } = useLensPick((st) => ({
    info: st.info,
    status: st.modelStatus,
    loadingName: st.loadProgress?.name,
  }));
  const label = info
    ? `${info.name}: GPT-2, ${info.nLayer} layers, d=${info.nEmbd}` +
      (info.blockWeights === 'float16'
        ? ' · float16 block weights (an approximation: float32 does not fit this device)'
        : '') +
      (info.randomWeights ? ' (random weights: shows how the app works, the predictions mean nothing)' : '')
    : status === 'loading'
      ? `loading ${loadingName ?? ''}…`
      : 'no model loaded';
  return (
    <span className="model" data-testid="model-label">
      {label}
    </span>
  );
}
