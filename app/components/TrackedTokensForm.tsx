/**
 * The argument and answer the rank plot follows: proposed by the app, or typed by the user (one token,
 * resolved by the model's tokenizer in the worker). Empty field = back to the proposal.
 */
import { type ReactElement, useEffect, useState } from 'react';
import type { PinField } from '../store/runSlice.ts';
import { visibleToken } from '../tokenText.ts';
import { useLensPick } from './useLens.ts';

function TrackField({ field, label }: { field: PinField; label: string }): ReactElement {
  const { token, pin, setPin, clearPin, error } = useLensPick((s) => ({
    token: s.tracked[field],
    pin: s.pins[field],
    setPin: s.setPin,
    clearPin: s.clearPin,
    error: s.pinError?.field === field ? s.pinError.message : undefined,
  }));
  const [draft, setDraft] = useState(pin?.text ?? '');
  useEffect(() => setDraft(pin?.text ?? ''), [pin?.text]);
  const commit = (): void => {
    if (draft === (pin?.text ?? '')) return;
    void setPin(field, draft);
  };
  return (
    <div className="track-field">
      <label>
        {label}
        <input
          type="text"
          data-testid={`track-${field}`}
          value={draft}
          spellCheck={false}
          placeholder={token ? `${JSON.stringify(token.text)} (proposed)` : 'a token, e.g. " Warsaw"'}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
          }}
        />
      </label>
      <span
        className="track-current mono"
        data-testid={`tracked-${field}`}
        data-token-id={token?.id}
        data-proposed={token ? String(token.proposed) : undefined}
      >
        {token ? `${visibleToken(token.text)} ${token.proposed ? '(proposed)' : '(yours)'}` : '–'}
      </span>
      {pin ? (
        <button type="button" data-testid={`track-${field}-clear`} onClick={() => clearPin(field)}>
          Use proposal
        </button>
      ) : null}
      {error ? (
        <span className="field-error" role="alert" data-testid="track-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function TrackedTokensForm(): ReactElement {
  return (
    <fieldset className="tracked-form" aria-label="Tracked tokens">
      <TrackField field="argument" label="Argument" />
      <TrackField field="answer" label="Answer" />
    </fieldset>
  );
}
