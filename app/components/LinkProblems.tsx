/** What could not be used from the link this page was opened with. */
import type { ReactElement } from 'react';
import { useLensPick } from './useLens.ts';

export function LinkProblems(): ReactElement | null {
  const { problems, dismiss } = useLensPick((s) => ({
    problems: s.linkProblems,
    dismiss: s.dismissLinkProblems,
  }));
  if (problems.length === 0) return null;
  return (
    <div className="link-problems" data-testid="link-problems" role="status">
      <strong>
        The link was opened with {problems.length === 1 ? 'a problem' : `${problems.length} problems`}:
      </strong>
      <ul>
        {problems.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: messages may repeat
          <li key={i}>{p}</li>
        ))}
      </ul>
      <button type="button" className="link-button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
