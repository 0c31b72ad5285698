/** Layout only: every part reads the store itself. Sized for talks at 1280x800. */
import type { ReactElement } from 'react';
import { BackendBadge, BackendNote } from './components/BackendBadge.tsx';
import { CapturePanel } from './components/CapturePanel.tsx';
import { DebugPanel } from './components/DebugPanel.tsx';
import { DeckPanel } from './components/DeckPanel.tsx';
import { useDecks } from './deck/deckContext.ts';
import './components/deck.css';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { LensView, TopKView } from './components/LensView.tsx';
import { LinkProblems } from './components/LinkProblems.tsx';
import { LoadProgress } from './components/LoadProgress.tsx';
import { ModelLabel, ModelPicker } from './components/ModelPicker.tsx';
import { PendingModel } from './components/PendingModel.tsx';
import { PresentView } from './components/PresentView.tsx';
import { PromptEditor } from './components/PromptEditor.tsx';
import { RankView } from './components/RankView.tsx';
import { ShareButton } from './components/ShareButton.tsx';
import { useLens } from './components/useLens.ts';
import { VectorsPanel } from './components/VectorsPanel.tsx';
import { ExperimentsView } from './experiments/ExperimentsView.tsx';
import { PageTabs } from './experiments/PageTabs.tsx';
import { ReproduceView } from './experiments/reproduce/ReproduceView.tsx';

export function App({ debug = false }: { debug?: boolean }): ReactElement {
  const compare = useLens((s) => s.intervened !== undefined);
  const page = useLens((s) => s.page);
  const talk = useDecks((s) => ({ presenting: s.presenting, open: s.panelOpen, setOpen: s.setPanelOpen }));
  // one live view at a time: the slide replaces the workspace while presenting
  if (talk.presenting) return <PresentView />;
  return (
    <div className="app">
      {/* every part of the page is in a landmark (banner, region, main), so none is skipped by them */}
      <header>
        <div className="header">
          <h1>LensLab</h1>
          <ModelPicker />
          <BackendBadge />
          <ShareButton />
          <PageTabs />
          <button
            type="button"
            data-testid="deck-open"
            aria-expanded={talk.open}
            onClick={() => talk.setOpen(!talk.open)}
          >
            Talk decks
          </button>
        </div>
        <div className="subheader">
          <ModelLabel />
          <BackendNote />
        </div>
      </header>
      <DeckPanel />
      <main>
        <LoadProgress />
        <PendingModel />
        <ErrorBanner />
        <LinkProblems />
        {page === 'experiments' ? <ExperimentsView /> : null}
        {page === 'reproduce' ? <ReproduceView /> : null}
        {/* the workspace stays mounted (hidden) so its runs and scroll survive a look at an experiment */}
        <div hidden={page !== 'workspace'} data-testid="workspace">
          <PromptEditor />
          <div className={compare ? 'main is-compare' : 'main'}>
            <div className="main-left">
              <LensView />
              <CapturePanel />
            </div>
            <aside className="main-right">
              <RankView />
              <TopKView />
            </aside>
          </div>
          <VectorsPanel />
        </div>
        {debug ? <DebugPanel /> : null}
      </main>
    </div>
  );
}
