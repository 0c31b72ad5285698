/**
 * Talk decks, authoring side: pick a deck, add the current view as a slide, edit titles, captions,
 * the view in front and marks, reorder (drag the handle, or focus it and use Space + arrows, or
 * Alt+Up/Down on a slide), delete; import, export and share decks; prepare a talk; present.
 */
import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { type ReactElement, useState } from 'react';
import { formatBytes } from '../../models/hub/fit.ts';
import { useDecks, useTalk } from '../deck/deckContext.ts';
import { activeDeck, isEditable } from '../deck/deckStore.ts';
import type { PrepareReport } from '../deck/prepare.ts';
import { ProblemDetails } from './ProblemDetails.tsx';
import { SlideItem } from './SlideItem.tsx';
import { useLens } from './useLens.ts';

export function DeckPanel(): ReactElement | null {
  const talk = useTalk();
  const s = useDecks((st) => ({
    open: st.panelOpen,
    decks: st.decks,
    activeId: st.activeId,
    editable: isEditable(st, st.activeId),
    deck: activeDeck(st),
    error: st.error,
    notice: st.notice,
    problems: st.problems,
    link: st.link,
    builtinIds: st.builtinIds,
  }));
  const [preparing, setPreparing] = useState<string | undefined>();
  const [report, setReport] = useState<PrepareReport | undefined>();
  const backend = useLens((st) => st.backend);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  if (!s.open) return null;
  const d = talk.decks.getState();
  const deck = s.deck;
  const slides = deck?.slides ?? [];
  const onDragEnd = (event: DragEndEvent): void => {
    const over = event.over?.id;
    if (over === undefined || over === event.active.id) return;
    const to = slides.findIndex((x) => x.id === over);
    if (to >= 0) d.moveSlide(String(event.active.id), to);
  };
  const prepare = async (): Promise<void> => {
    setReport(undefined);
    setPreparing('Preparing…');
    try {
      setReport(await talk.prepare((m) => setPreparing(m)));
    } finally {
      setPreparing(undefined);
    }
  };

  return (
    <section className="deck-panel" data-testid="deck-panel" aria-label="Talk decks">
      <div className="deck-bar">
        <label>
          Deck{' '}
          <select
            data-testid="deck-select"
            value={s.activeId ?? ''}
            onChange={(e) => d.selectDeck(e.target.value)}
          >
            {s.decks.map((x) => (
              <option key={x.id} value={x.id}>
                {x.title}
                {s.builtinIds.includes(x.id) ? ' (built-in)' : ''}
              </option>
            ))}
          </select>
        </label>
        {deck && s.editable ? (
          <input
            type="text"
            data-testid="deck-title"
            aria-label="Deck title"
            value={deck.title}
            maxLength={120}
            onChange={(e) => d.renameDeck(deck.id, e.target.value)}
          />
        ) : null}
        <button type="button" data-testid="deck-new" onClick={() => d.newDeck()}>
          New deck
        </button>
        {deck ? (
          <button type="button" data-testid="deck-duplicate" onClick={() => d.duplicateDeck(deck.id)}>
            Duplicate
          </button>
        ) : null}
        {deck && s.editable ? (
          <button
            type="button"
            data-testid="deck-delete"
            onClick={() => {
              if (window.confirm(`Delete the deck “${deck.title}”? This cannot be undone.`))
                d.deleteDeck(deck.id);
            }}
          >
            Delete deck
          </button>
        ) : null}
        <button
          type="button"
          className="deck-close"
          aria-label="Close the deck panel"
          onClick={() => d.setPanelOpen(false)}
        >
          ×
        </button>
      </div>
      <div className="deck-actions">
        <button type="button" data-testid="deck-add-slide" onClick={() => d.addCurrentView()}>
          Add this view as a slide
        </button>
        <button
          type="button"
          className="primary"
          data-testid="deck-present"
          disabled={slides.length === 0}
          onClick={() => {
            d.present(0);
            void document.documentElement.requestFullscreen?.().catch(() => undefined);
          }}
        >
          Present
        </button>
        <button
          type="button"
          data-testid="deck-prepare"
          disabled={slides.length === 0 || !!preparing}
          onClick={() => void prepare()}
        >
          Prepare for talk
        </button>
        <button
          type="button"
          data-testid="deck-export"
          disabled={slides.length === 0}
          onClick={() => d.exportDeck()}
        >
          Export JSON
        </button>
        <label className="file-button">
          Import JSON
          <input
            type="file"
            accept=".json,application/json"
            data-testid="deck-import"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void d.importDeckFile(file);
            }}
          />
        </label>
        <button
          type="button"
          data-testid="deck-share"
          disabled={slides.length === 0}
          onClick={() => void d.shareDeck(talk.baseUrl())}
        >
          Copy deck link
        </button>
      </div>
      {s.link && 'url' in s.link ? (
        <div className="deck-link">
          <input
            type="text"
            readOnly
            data-testid="deck-link"
            aria-label="Link to this deck"
            value={s.link.url}
            onFocus={(e) => e.currentTarget.select()}
          />
          <span role="status">{s.link.copied ? 'copied' : 'select and copy'}</span>
        </div>
      ) : null}
      {s.link && 'tooLong' in s.link ? (
        <p className="deck-message" data-testid="deck-link-too-long" role="status">
          This deck is too long for a link ({s.link.tooLong.toLocaleString('en')} characters; links over{' '}
          {s.link.limit.toLocaleString('en')} get cut by chat and mail apps). Share the file instead:{' '}
          <button type="button" onClick={() => d.exportDeck()}>
            Export JSON
          </button>
        </p>
      ) : null}
      {s.error ? (
        <div className="error" role="alert" data-testid="deck-error">
          {s.error}{' '}
          <button type="button" className="link-button" onClick={() => d.dismissMessages()}>
            Dismiss
          </button>
        </div>
      ) : null}
      {s.notice ? (
        <p className="deck-message" data-testid="deck-notice" role="status">
          {s.notice}
        </p>
      ) : null}
      <ProblemDetails
        problems={s.problems}
        what="the deck could not be used as they were"
        className="deck-problems"
        testId="deck-problems"
      />
      {preparing ? (
        <p className="deck-message" role="status" data-testid="deck-preparing">
          {preparing}
        </p>
      ) : null}
      {report ? (
        <div className={report.ok ? 'deck-report' : 'deck-report is-bad'} data-testid="deck-prepare-report">
          <strong>{report.ok ? 'Ready for the talk' : 'Not ready'}</strong>: {formatBytes(report.totalBytes)}{' '}
          cached
          {backend ? `, running on ${backend}` : ''}.
          <ul>
            {report.items.map((i) => (
              <li key={`${i.kind}:${i.name}`} data-ok={i.ok ? 'true' : 'false'}>
                {i.ok ? '✓' : '✗'} {i.kind} {i.name}
                {i.bytes > 0 ? ` (${formatBytes(i.bytes)})` : ''}: {i.detail}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {deck && !s.editable ? (
        <p className="deck-hint">
          Built-in deck: read-only. Duplicate it to edit; “Add this view” starts a deck of your own.
        </p>
      ) : null}
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <SortableContext items={slides.map((x) => x.id)} strategy={verticalListSortingStrategy}>
          <ol className="deck-slides" data-testid="deck-slides">
            {slides.map((slide, i) => (
              <SlideItem key={slide.id} slide={slide} index={i} count={slides.length} editable={s.editable} />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
      {slides.length === 0 ? (
        <p className="placeholder">No slides yet: set up a view, then “Add this view as a slide”.</p>
      ) : null}
    </section>
  );
}
