/** "Only the first N examples": empty means all; anything below 1 counts as empty. */
import type { ReactElement } from 'react';

export interface LimitInputProps {
  label: string;
  value: number | undefined;
  onChange: (limit: number | undefined) => void;
  testId: string;
  disabled?: boolean;
}

export function LimitInput({ label, value, onChange, testId, disabled }: LimitInputProps): ReactElement {
  return (
    <label>
      {label}{' '}
      <input
        type="number"
        min={1}
        data-testid={testId}
        value={value ?? ''}
        placeholder="all"
        disabled={disabled}
        onChange={(e) => {
          const n = Math.floor(Number(e.target.value));
          onChange(e.target.value === '' || !(n >= 1) ? undefined : n);
        }}
      />
    </label>
  );
}
