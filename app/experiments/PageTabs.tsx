/** The header's page switch: the single-prompt workspace, Experiments, Reproduce the paper. */
import type { ReactElement } from 'react';
import { useLensPick } from '../components/useLens.ts';
import type { AppPage } from './experimentSettings.ts';

const PAGES: Array<{ page: AppPage; label: string }> = [
  { page: 'workspace', label: 'Single prompt' },
  { page: 'experiments', label: 'Experiments' },
  { page: 'reproduce', label: 'Reproduce the paper' },
];

export function PageTabs(): ReactElement {
  const { page, setPage } = useLensPick((s) => ({ page: s.page, setPage: s.setPage }));
  return (
    <nav className="page-tabs" aria-label="Pages">
      {PAGES.map((p) => (
        <button
          key={p.page}
          type="button"
          data-testid={`page-${p.page}`}
          aria-current={page === p.page ? 'page' : undefined}
          onClick={() => setPage(p.page)}
        >
          {p.label}
        </button>
      ))}
    </nav>
  );
}
