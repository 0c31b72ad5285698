/** A folded list of what could not be used (of a deck, of a slide), opened on demand. */
import type { ReactElement } from 'react';

export function ProblemDetails(p: {
  problems: readonly string[];
  /** e.g. "the deck could not be used as they were": follows "N part(s) of". */
  what: string;
  className: string;
  testId: string;
}): ReactElement | null {
  if (p.problems.length === 0) return null;
  return (
    <details className={p.className} data-testid={p.testId}>
      <summary>
        {p.problems.length} part(s) of {p.what}
      </summary>
      <ul>
        {p.problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </details>
  );
}
