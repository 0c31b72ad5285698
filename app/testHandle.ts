/** window.__lenslab: data only (no functions), for e2e tests and debugging in the console. */
import type { LoadResult, WorkerRunResult } from '../workers/api.ts';
import type { Backend, ModelInfo } from '../workers/engine/types.ts';
import type { DeckStore, SlideStatus, SlideTiming } from './deck/deckStore.ts';
import type { Interventions, TrackedTokens } from './domain.ts';
import type { LensStore } from './store/lensStore.ts';
import type { RunStats } from './store/runSlice.ts';
import type { AppError } from './store/types.ts';

export interface LensLabWindowState {
  modelStatus: string;
  modelSource: unknown;
  backend?: Backend;
  backendNote?: string;
  info?: ModelInfo;
  load?: LoadResult;
  loadNotes: string[];
  hubUrl: string;
  hubReachable?: boolean;
  /** The latest finished control run. */
  result?: WorkerRunResult;
  /** The latest finished intervened run. */
  intervened?: WorkerRunResult;
  controlSeq?: number;
  intervenedSeq?: number;
  running: boolean;
  tracked: TrackedTokens;
  error?: AppError;
  runStats: RunStats;
  interventions: Interventions;
  vectors: Array<{ id: string; name: string; length: number; norm: number; promotes: string[] }>;
  /** The hash the URL holds (without '#'). */
  sharedHash?: string;
  linkProblems: string[];
  /** A link's model waiting for a click: its repo and what loading it would take. */
  pendingModel?: { repo: string; cached?: boolean; bytes?: number; fits?: boolean };
}

/** window.__lenslabDeck: talk mode's state, data only. */
export interface DeckWindowState {
  presenting: boolean;
  index: number;
  blank: boolean;
  activeId?: string;
  decks: Array<{ id: string; title: string; slides: Array<{ id: string; title: string }> }>;
  slideStatus?: SlideStatus;
  timings: SlideTiming[];
  aheadIndex?: number;
  error?: string;
}

export function exposeForTests(
  store: LensStore,
  target: { __lenslab?: LensLabWindowState; __lenslabDeck?: DeckWindowState } = window,
  decks?: DeckStore,
): void {
  if (decks) {
    const publishDecks = (): void => {
      const d = decks.getState();
      target.__lenslabDeck = {
        presenting: d.presenting,
        index: d.index,
        blank: d.blank,
        ...(d.activeId ? { activeId: d.activeId } : {}),
        decks: d.decks.map((x) => ({
          id: x.id,
          title: x.title,
          slides: x.slides.map((sl) => ({ id: sl.id, title: sl.title })),
        })),
        ...(d.slideStatus ? { slideStatus: d.slideStatus } : {}),
        timings: d.timings,
        ...(d.aheadIndex !== undefined ? { aheadIndex: d.aheadIndex } : {}),
        ...(d.error ? { error: d.error } : {}),
      };
    };
    decks.subscribe(publishDecks);
    publishDecks();
  }
  const publish = (): void => {
    const s = store.getState();
    target.__lenslab = {
      modelStatus: s.modelStatus,
      modelSource: s.modelSource,
      backend: s.backend,
      backendNote: s.backendNote,
      info: s.info,
      load: s.load,
      loadNotes: s.loadNotes,
      hubUrl: s.hubUrl,
      hubReachable: s.hubReachable,
      result: s.control?.result,
      intervened: s.intervened?.result,
      controlSeq: s.control?.seq,
      intervenedSeq: s.intervened?.seq,
      running: s.running,
      tracked: s.tracked,
      error: s.loadError ?? s.runError,
      runStats: s.runStats,
      interventions: s.interventions,
      vectors: s.vectors.map((v) => ({
        id: v.id,
        name: v.name,
        length: v.data.length,
        norm: v.norm,
        promotes: v.promotes.map((p) => p.token),
      })),
      sharedHash: s.sharedHash,
      linkProblems: s.linkProblems,
      ...(s.pendingModel
        ? {
            pendingModel: {
              repo: s.pendingModel.source.repo,
              ...(s.pendingModel.inspection
                ? {
                    cached: s.pendingModel.inspection.cached,
                    bytes: s.pendingModel.inspection.bytes,
                    ...(s.pendingModel.inspection.fit ? { fits: s.pendingModel.inspection.fit.ok } : {}),
                  }
                : {}),
            },
          }
        : {}),
    };
  };
  store.subscribe(publish);
  publish();
}
