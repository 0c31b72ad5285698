/** The error to act on: a failed load (with the built-in model offered) or a failed run. */
import type { ReactElement } from 'react';
import { useLensPick } from './useLens.ts';

export function ErrorBanner(): ReactElement | null {
  const { loadError, runError, chooseBuiltin, dismiss, modelSource, status } = useLensPick((s) => ({
    loadError: s.loadError,
    runError: s.runError,
    chooseBuiltin: s.chooseBuiltin,
    dismiss: s.dismissLoadError,
    modelSource: s.modelSource,
    status: s.modelStatus,
  }));
  const error = loadError ?? runError;
  if (!error) return null;
  const builtinLoaded = status === 'ready' && modelSource.source === 'builtin';
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code}>
      <span className="error-message">{error.message}</span>
      {loadError ? (
        <>
          <button type="button" data-testid="use-builtin" onClick={() => void chooseBuiltin()}>
            {builtinLoaded ? 'Keep using the built-in model' : 'Use the built-in model'}
          </button>
          <button type="button" className="link-button" onClick={dismiss}>
            Dismiss
          </button>
        </>
      ) : null}
    </div>
  );
}
