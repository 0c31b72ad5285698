/**
 * A link's model that is not in the cache: what it is, how big, whether it fits here, and a button.
 * Nothing downloads until the user clicks; the built-in model runs meanwhile.
 */
import type { ReactElement } from 'react';
import { formatBytes } from '../../models/hub/fit.ts';
import { sourceName } from '../store/modelSlice.ts';
import { useLensPick } from './useLens.ts';

export function PendingModel(): ReactElement | null {
  const { pending, accept, dismiss } = useLensPick((s) => ({
    pending: s.pendingModel,
    accept: s.acceptPendingModel,
    dismiss: s.dismissPendingModel,
  }));
  if (!pending) return null;
  const name = pending.inspection?.name ?? sourceName(pending.source);
  const fit = pending.inspection?.fit;
  const refused = fit?.ok === false;
  let detail: string;
  if (pending.error) detail = `Its files could not be looked up: ${pending.error.message}`;
  else if (!pending.inspection) detail = 'Looking up its size…';
  else {
    const size = `${formatBytes(pending.inspection.bytes)}, not in this browser's cache yet`;
    detail = !fit
      ? `${size}.`
      : fit.ok
        ? `${size}. It fits this device${fit.blockWeights === 'float16' ? ' with float16 block weights (an approximation)' : ''}.`
        : `${size}. It cannot run here: ${fit.reason}`;
  }
  return (
    <section
      className="pending-model"
      data-testid="pending-model"
      data-fits={fit ? String(fit.ok) : undefined}
      aria-label="Model named by the link"
    >
      <p>
        This link uses <strong>{name}</strong>. {detail} The built-in model runs meanwhile.
      </p>
      <button type="button" data-testid="pending-model-load" disabled={refused} onClick={() => void accept()}>
        Download and load {name}
      </button>
      <button type="button" className="link-button" onClick={dismiss}>
        Stay on the built-in model
      </button>
    </section>
  );
}
