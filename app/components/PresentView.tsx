/**
 * Present mode: the slide full screen, live. The slide's title and caption on top, its view in front
 * (heatmap, rank plot, or control beside intervened) with its marks, slide number and progress below.
 * Keys: → ↓ Space PageDown next; ← ↑ PageUp previous; Home/End; B (or .) blanks; Esc leaves.
 * Laid out on a 1024x576 stage and zoomed to the screen, so type and marks grow with the projector
 * (x1.25 at 1280x720, x1.875 at 1920x1080).
 */

import { type ReactElement, useEffect, useState } from 'react';
import { findCatalogueEntry } from '../../models/hub/catalogue.ts';
import { displayedStates } from '../charts/heatmapLayout.ts';
import { useElementSize } from '../charts/useElementWidth.ts';
import { useDecks } from '../deck/deckContext.ts';
import { activeDeck } from '../deck/deckStore.ts';
import type { SlideMark } from '../deck/deckTypes.ts';
import { markedStates, presentRowHeight, revealedScrollTop } from '../deck/presentFit.ts';
import { SlideFigure5, useLatestFigure5 } from '../experiments/SlideFigure5.tsx';
import { LensView, TopKView } from './LensView.tsx';
import { LoadProgress } from './LoadProgress.tsx';
import { ProblemDetails } from './ProblemDetails.tsx';
import { PromptEditor } from './PromptEditor.tsx';
import { RankView } from './RankView.tsx';
import { useLens } from './useLens.ts';
import { VectorsPanel } from './VectorsPanel.tsx';

export const STAGE_WIDTH = 1024;
export const STAGE_HEIGHT = 576;

const STAGE_KEY: Record<string, string> = { argument: 'A', function: 'B', saturation: 'C' };

/**
 * CSS for the slide's marks, by the charts' data attributes. Every value is a checked integer or one
 * of three names (deckSchema), so nothing from a deck file reaches the style sheet as text.
 */
export function marksCss(marks: readonly SlideMark[], positions: number, nLayer: number | undefined): string {
  const maxState = nLayer !== undefined ? 2 * nLayer : Number.POSITIVE_INFINITY;
  const rules: string[] = [];
  for (const m of marks) {
    if (m.kind === 'stage') {
      const key = STAGE_KEY[m.stage];
      if (key)
        rules.push(
          `.present [data-testid="rank-stage"][data-stage="${key}"] { filter: drop-shadow(0 0 3px #d9480f); }`,
        );
      rules.push(`.present .stages [data-stage-name="${m.stage}"] { outline: 3px solid #d9480f; }`);
      continue;
    }
    if (!Number.isSafeInteger(m.state) || m.state < 0 || m.state > maxState) continue;
    const row = `.present [data-testid="lens-row"][data-state-index="${m.state}"]`;
    const label = `.present [data-testid="lens-row-label"][data-state-index="${m.state}"]`;
    if (m.kind === 'row') {
      rules.push(`${row} rect { stroke: #d9480f; stroke-width: 3px; }`);
      rules.push(`${label} text { fill: #d9480f; font-weight: 700; }`);
    } else {
      const p = m.position === 'last' ? positions - 1 : m.position;
      if (!Number.isSafeInteger(p) || p < 0) continue;
      rules.push(`${row} [data-position="${p}"] rect { stroke: #d9480f; stroke-width: 4px; }`);
      rules.push(`${label} text { fill: #d9480f; font-weight: 700; }`);
      rules.push(
        `.present [data-testid="rank-point"][data-state-index="${m.state}"] { stroke: #d9480f; stroke-width: 3px; }`,
      );
    }
  }
  return rules.join('\n');
}

const measureZoom = (): number =>
  Math.max(0.5, Math.min(window.innerWidth / STAGE_WIDTH, window.innerHeight / STAGE_HEIGHT));

/**
 * Marks written for the slide's own model, moved onto the model that runs it (a smaller built-in
 * stand-in): block b of L becomes block floor(b * L' / L); embeddings stay embeddings.
 */
export function mapMarks(
  marks: readonly SlideMark[],
  fromLayers: number | undefined,
  toLayers: number | undefined,
): SlideMark[] {
  if (fromLayers === undefined || toLayers === undefined || fromLayers === toLayers) return [...marks];
  const mapState = (state: number): number => {
    if (state === 0) return 0;
    const block = Math.floor((state - 1) / 2);
    const mapped = Math.min(toLayers - 1, Math.floor((block * toLayers) / fromLayers));
    return state % 2 === 1 ? 2 * mapped + 1 : 2 * mapped + 2;
  };
  return marks.map((m) => (m.kind === 'stage' ? m : { ...m, state: mapState(m.state) }));
}

function useStageZoom(): number {
  const [zoom, setZoom] = useState(measureZoom);
  useEffect(() => {
    const onResize = (): void => setZoom(measureZoom());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return zoom;
}

/**
 * Scrolls the slide body so the marked rows of the (first) heatmap are in view (revealedScrollTop
 * says where). Only the body scrolls: the heatmap keeps its horizontal position (the last tokens).
 */
function revealMarkedRows(body: HTMLElement, states: readonly number[]): void {
  const heatmap = body.querySelector('[data-testid="lens-heatmap"]');
  if (!heatmap) return;
  const rowBox = (st: number): DOMRect | undefined =>
    heatmap
      .querySelector(`[data-testid="lens-row-label"][data-state-index="${st}"]`)
      ?.getBoundingClientRect();
  const rects = states.flatMap((st) => rowBox(st) ?? []);
  const labels = heatmap.querySelectorAll('[data-testid="lens-row-label"]');
  const last = labels[labels.length - 1]?.getBoundingClientRect();
  if (rects.length === 0 || !last) return;
  const view = body.getBoundingClientRect();
  body.scrollTop = revealedScrollTop({
    scrollTop: body.scrollTop,
    viewTop: view.top,
    viewHeight: view.height,
    scale: body.offsetHeight > 0 ? view.height / body.offsetHeight : 1,
    targetTop: Math.min(...rects.map((r) => r.top)),
    targetBottom: Math.max(...rects.map((r) => r.bottom)),
    gridBottom: last.bottom,
  });
}

const isTyping = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

export function PresentView(): ReactElement | null {
  const s = useDecks((st) => ({
    presenting: st.presenting,
    deck: activeDeck(st),
    index: st.index,
    blank: st.blank,
    status: st.slideStatus,
    lookAhead: st.lookAhead,
    timing: st.timings[st.timings.length - 1],
  }));
  const talk = useDecks((st) => ({
    next: st.next,
    prev: st.prev,
    goTo: st.goTo,
    toggleBlank: st.toggleBlank,
    exit: st.exitPresent,
    reset: st.resetSlide,
    setLookAhead: st.setLookAhead,
    builtinFor: st.useBuiltinFor,
  }));
  const positions = useLens((st) => st.tokens.length);
  const nLayer = useLens((st) => st.info?.nLayer);
  const modelName = useLens((st) => st.info?.name);
  const backend = useLens((st) => st.backend);
  const rows = useLens((st) => st.view.rows);
  const zoom = useStageZoom();
  const count = s.deck?.slides.length ?? 0;
  // a callback ref: the body mounts when presenting starts, long after this component
  const [body, setBody] = useState<HTMLDivElement | null>(null);
  const bodyHeight = useElementSize(body, 'height', 0);
  const rowHeight = presentRowHeight(
    bodyHeight,
    nLayer === undefined ? 0 : displayedStates(nLayer, rows).length,
  );

  useEffect(() => {
    if (!s.presenting) return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        talk.exit();
        if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
        return;
      }
      if (isTyping(e.target)) return;
      switch (e.key) {
        case 'ArrowRight':
        case 'ArrowDown':
        case 'PageDown':
        case ' ':
          talk.next();
          break;
        case 'ArrowLeft':
        case 'ArrowUp':
        case 'PageUp':
          talk.prev();
          break;
        case 'Home':
          talk.goTo(0);
          break;
        case 'End':
          talk.goTo(count - 1);
          break;
        case 'b':
        case 'B':
        case '.':
          talk.toggleBlank();
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    // leaving full screen by the browser's own Esc leaves the presentation too
    let wasFull = !!document.fullscreenElement;
    const onFull = (): void => {
      if (wasFull && !document.fullscreenElement) talk.exit();
      wasFull = !!document.fullscreenElement;
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('fullscreenchange', onFull);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFull);
    };
  }, [s.presenting, count, talk]);

  const slide = s.presenting ? s.deck?.slides[s.index] : undefined;
  const status = slide && s.status?.slideId === slide.id ? s.status : undefined;
  const ownModel = slide?.state.model;
  const ownLayers =
    ownModel?.source === 'hub'
      ? findCatalogueEntry(ownModel.repo)?.nLayer
      : status?.onBuiltin
        ? undefined
        : nLayer;
  const marks = slide ? (status?.onBuiltin ? mapMarks(slide.marks, ownLayers, nLayer) : slide.marks) : [];
  const ready = !!status?.ready;
  const markedKey = markedStates(marks).join(',');

  // once the slide's views are in (and whenever the rows change height), its marks are brought into view
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowHeight: rows that change height move the marks
  useEffect(() => {
    if (!ready || !body || markedKey === '') return;
    revealMarkedRows(body, markedKey.split(',').map(Number));
  }, [ready, markedKey, rowHeight, body]);

  const latestFigure5 = useLatestFigure5();
  if (!s.deck || !slide) return null;
  const front = slide.state.view.front;
  const figure5 = slide.figure === 'figure5' ? latestFigure5 : [];

  return (
    <div className="present" role="dialog" aria-modal="true" aria-label={`Presentation: ${s.deck.title}`}>
      <style>{marksCss(marks, positions, nLayer)}</style>
      <div
        className={`present-stage front-${front}`}
        style={{ width: STAGE_WIDTH, height: STAGE_HEIGHT, zoom }}
        data-testid="slide"
        data-index={s.index}
        data-slide-id={slide.id}
        data-ready={ready ? 'true' : 'false'}
        data-front={front}
      >
        <header className="present-head">
          <h2 data-testid="slide-title">{slide.title}</h2>
          {slide.caption ? (
            <p className="present-caption" data-testid="slide-caption">
              {slide.caption}
            </p>
          ) : null}
        </header>
        {status?.onBuiltin ? (
          <p className="present-banner" data-testid="slide-builtin-banner" role="status">
            Built-in model: random weights, the interface only.
            {status.modelProblem ? ` ${status.modelProblem}.` : ''}
          </p>
        ) : null}
        {status?.modelProblem && !status.onBuiltin ? (
          <div className="present-problem" data-testid="slide-model-problem" role="alert">
            {status.modelProblem}.{' '}
            <button type="button" data-testid="slide-use-builtin" onClick={() => talk.builtinFor(slide.id)}>
              Use the built-in model
            </button>
          </div>
        ) : null}
        <ProblemDetails
          problems={status?.problems ?? []}
          what="this slide could not be used"
          className="present-notes"
          testId="slide-problems"
        />
        <LoadProgress />
        <div className="present-body" ref={setBody} data-testid="slide-body">
          {figure5.length ? (
            <SlideFigure5 parts={figure5} />
          ) : slide.figure === 'figure5' ? (
            <p className="present-figure-note" data-testid="slide-figure-note">
              No finished Figure 5 run yet (Experiments or Reproduce the paper): the live views show.
            </p>
          ) : null}
          {figure5.length ? null : front === 'rank' ? (
            <div className="present-rank">
              <RankView />
              <TopKView />
            </div>
          ) : (
            <div className="present-lens">
              <LensView rowHeight={rowHeight} />
              {front === 'heatmap' ? <RankView /> : null}
            </div>
          )}
          <details className="present-live">
            <summary>Change it live: prompt, vectors, layers</summary>
            <PromptEditor />
            <VectorsPanel />
          </details>
        </div>
        <footer className="present-foot">
          <button
            type="button"
            data-testid="slide-prev"
            aria-label="Previous slide"
            disabled={s.index === 0}
            onClick={talk.prev}
          >
            ◀
          </button>
          <span className="present-number" data-testid="slide-number">
            {s.index + 1} / {count}
          </span>
          <progress max={count} value={s.index + 1} aria-label="Progress through the deck" />
          <button
            type="button"
            data-testid="slide-next"
            aria-label="Next slide"
            disabled={s.index >= count - 1}
            onClick={talk.next}
          >
            ▶
          </button>
          <span className="present-meta">
            {modelName ?? '…'}
            {backend ? ` · ${backend}` : ''}
            {s.timing && s.timing.index === s.index
              ? ` · ${Math.round(s.timing.ms)} ms${s.timing.cached ? ' (ahead)' : ''}`
              : ''}
          </span>
          <label className="check present-lookahead">
            <input
              type="checkbox"
              data-testid="slide-lookahead"
              checked={s.lookAhead}
              onChange={(e) => talk.setLookAhead(e.target.checked)}
            />
            look ahead
          </label>
          <button type="button" data-testid="slide-reset" onClick={talk.reset}>
            Reset slide
          </button>
          <button
            type="button"
            data-testid="slide-exit"
            onClick={() => {
              talk.exit();
              if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
            }}
          >
            Esc
          </button>
        </footer>
      </div>
      {s.blank ? (
        <div
          className="present-blank"
          data-testid="slide-blank"
          role="status"
          aria-label="Screen blanked (B to show)"
        />
      ) : null}
    </div>
  );
}
