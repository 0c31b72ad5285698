/** The backend (webgpu / wasm) and the model's status; why the backend is not WebGPU when it fell back. */
import type { ReactElement } from 'react';
import { useLens, useLensPick } from './useLens.ts';

export function BackendBadge(): ReactElement {
  const { backend, modelStatus, load } = useLensPick((s) => ({
    backend: s.backend,
    modelStatus: s.modelStatus,
    load: s.load,
  }));
  const title = [load?.backendNote, load?.adapter ? `adapter: ${load.adapter}` : '']
    .filter((t) => t)
    .join('\n');
  return (
    <>
      <span className={`badge badge-${backend ?? 'none'}`} data-testid="backend" title={title}>
        {backend ?? (modelStatus === 'loading' ? 'loading…' : 'no backend')}
      </span>
      <span className="status" data-testid="model-status" data-status={modelStatus}>
        {modelStatus}
      </span>
    </>
  );
}

/** Why the model does not run on WebGPU (no adapter, failed, device lost). */
export function BackendNote(): ReactElement | null {
  const note = useLens((s) => s.backendNote);
  if (!note) return null;
  return (
    <span className="note backend-note" data-testid="backend-note" role="status">
      {note}
    </span>
  );
}
