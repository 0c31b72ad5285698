/**
 * Talk mode's store: the decks (the built-in paper deck and the user's, saved in IndexedDB), the one
 * being edited, authoring (add the current view as a slide, reorder, edit, delete), files and links,
 * and where the presentation is (slide, blank). Slides are shown by the presenter (presenter.ts),
 * which applies them to the lens store; this store never runs the model.
 */

import { create } from 'zustand';
import { downloadBlob } from '../download.ts';
import type { SharedStateV1 } from '../url/stateSchema.ts';
import {
  deckFromJson,
  deckLinkOrReason,
  deckToJson,
  decodeDeckLink,
  MAX_DECK_LINK_LENGTH,
} from './deckCodec.ts';
import type { DeckPersistence } from './deckPersistence.ts';
import { DECK_LIMITS, newDeckId, newSlideId } from './deckSchema.ts';
import { DECK_KIND, type DeckV1, type Slide, type SlideMark } from './deckTypes.ts';

export interface DeckStoreDeps {
  persistence?: DeckPersistence;
  /** The current view as a shareable state (the lens store's toSharedState). */
  currentState: () => SharedStateV1;
  /** Decks the app ships (read-only: duplicate one to edit it). */
  builtinDecks?: () => DeckV1[];
  /** Saves a file; default an <a download>. */
  download?: (blob: Blob, filename: string) => void;
  /** Copies text; resolves false when the clipboard refuses. */
  copyText?: (text: string) => Promise<boolean>;
}

/** What the present view shows about the slide on screen (set by the presenter). */
export interface SlideStatus {
  slideId: string;
  /** The slide's model could not be loaded: why; the slide runs on the built-in model (or offers it). */
  modelProblem?: string;
  /** It runs on the built-in model in place of its own. */
  onBuiltin: boolean;
  /** Something of the slide could not be used (a vector, a block out of range). */
  problems: string[];
  /** The slide's views are finished. */
  ready: boolean;
}

/** Time from a key press to the slide's finished views (talk-mode figures). */
export interface SlideTiming {
  index: number;
  ms: number;
  /** Both views came from the cache (look-ahead or an earlier visit). */
  cached: boolean;
  lookAhead: boolean;
}

export type DeckLinkOutcome = { url: string; copied: boolean } | { tooLong: number; limit: number };

export interface DeckState {
  decks: DeckV1[];
  /** Ids of the decks that ship with the app (not editable, not saved). */
  builtinIds: string[];
  activeId?: string;
  loaded: boolean;
  /** A deck file or link could not be read: what is wrong (nothing saved was touched). */
  error?: string;
  /** What happened last (imported, saved, link made). */
  notice?: string;
  /** Parts of an imported deck that were dropped or changed. */
  problems: string[];
  link?: DeckLinkOutcome;
  /** The authoring panel is open. */
  panelOpen: boolean;

  presenting: boolean;
  index: number;
  blank: boolean;
  /** Bumped by resetSlide(): the presenter applies the slide's saved state again. */
  resetNonce: number;
  lookAhead: boolean;
  slideStatus?: SlideStatus;
  timings: SlideTiming[];
  /** The slide whose runs the look-ahead has finished computing. */
  aheadIndex?: number;
  /** Slides (by id) the user moved to the built-in model after their own failed. */
  builtinSlides: string[];

  load(): Promise<void>;
  setPanelOpen(open: boolean): void;
  selectDeck(id: string): void;
  newDeck(title?: string): DeckV1;
  duplicateDeck(id: string): DeckV1 | undefined;
  renameDeck(id: string, title: string): void;
  deleteDeck(id: string): void;
  addCurrentView(): Slide | undefined;
  updateSlide(slideId: string, patch: Partial<Pick<Slide, 'title' | 'caption' | 'marks' | 'state'>>): void;
  /** Replaces the slide's state with the current view, keeping the view it puts in front. */
  updateSlideFromView(slideId: string): void;
  deleteSlide(slideId: string): void;
  moveSlide(slideId: string, toIndex: number): void;
  importDeckFile(file: File): Promise<boolean>;
  exportDeck(id?: string): void;
  shareDeck(baseUrl: string): Promise<DeckLinkOutcome | undefined>;
  openDeckLink(hash: string): Promise<boolean>;
  dismissMessages(): void;

  present(index?: number): void;
  goTo(index: number): void;
  next(): void;
  prev(): void;
  toggleBlank(): void;
  exitPresent(): void;
  resetSlide(): void;
  setLookAhead(on: boolean): void;
  useBuiltinFor(slideId: string): void;
  setSlideStatus(status: SlideStatus | undefined): void;
  addTiming(timing: SlideTiming): void;
  setAheadIndex(index: number | undefined): void;
}

export const isEditable = (s: DeckState, id: string | undefined): boolean =>
  id !== undefined && !s.builtinIds.includes(id) && s.decks.some((d) => d.id === id);

export const activeDeck = (s: DeckState): DeckV1 | undefined => s.decks.find((d) => d.id === s.activeId);

async function defaultCopy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A file name from a title: letters, digits and dashes. */
export function deckFileName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'deck'}.lenslab-deck.json`;
}

/** A slide title from a prompt: its last line, cut. */
function titleFromPrompt(prompt: string): string {
  const lines = prompt.split('\n').filter((l) => l.trim() !== '');
  const last = (lines[lines.length - 1] ?? 'Slide').trim();
  return last.length > 60 ? `${last.slice(0, 59)}…` : last;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function createDeckStore(deps: DeckStoreDeps) {
  const download = deps.download ?? downloadBlob;
  const copyText = deps.copyText ?? defaultCopy;
  const builtins = deps.builtinDecks?.() ?? [];

  return create<DeckState>()((set, get) => {
    const save = (deck: DeckV1): void => {
      void deps.persistence?.save(deck).catch((error: unknown) => {
        set({ error: `Saving the deck failed: ${error instanceof Error ? error.message : String(error)}` });
      });
    };

    /** Applies `change` to an editable deck, saves it, and returns the new deck. */
    const edit = (id: string | undefined, change: (deck: DeckV1) => DeckV1): DeckV1 | undefined => {
      const s = get();
      if (!isEditable(s, id)) return undefined;
      let updated: DeckV1 | undefined;
      set((st) => ({
        decks: st.decks.map((d) => {
          if (d.id !== id) return d;
          updated = change(d);
          return updated;
        }),
      }));
      if (updated) save(updated);
      return updated;
    };

    /** Adds a deck read from a file or link; an id already in use gets a new one (nothing is overwritten). */
    const adopt = (deck: DeckV1): DeckV1 => {
      const s = get();
      const same = s.decks.find((d) => d.id === deck.id);
      if (same && sameJson(same, deck)) return same;
      const taken = new Set(s.decks.map((d) => d.id));
      const added = taken.has(deck.id) ? { ...deck, id: newDeckId() } : deck;
      set((st) => ({ decks: [...st.decks, added] }));
      save(added);
      return added;
    };

    const clampIndex = (index: number): number => {
      const deck = activeDeck(get());
      const n = deck?.slides.length ?? 0;
      return Math.max(0, Math.min(n - 1, Math.trunc(index)));
    };

    return {
      decks: [...builtins],
      builtinIds: builtins.map((d) => d.id),
      ...(builtins[0] ? { activeId: builtins[0].id } : {}),
      loaded: false,
      problems: [],
      panelOpen: false,
      presenting: false,
      index: 0,
      blank: false,
      resetNonce: 0,
      lookAhead: true,
      timings: [],
      builtinSlides: [],

      load: async () => {
        try {
          const stored = (await deps.persistence?.load()) ?? [];
          set((s) => {
            const present = new Set(s.decks.map((d) => d.id));
            const mine = stored.map((x) => x.deck).filter((d) => !present.has(d.id));
            const decks = [...s.decks, ...mine];
            // the newest of the user's decks is the one most likely being worked on
            const last = mine[mine.length - 1];
            return {
              decks,
              loaded: true,
              ...(last && s.activeId === s.builtinIds[0] ? { activeId: last.id } : {}),
            };
          });
        } catch (error) {
          set({
            loaded: true,
            error: `Reading saved decks failed: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      },

      setPanelOpen: (panelOpen) => set({ panelOpen }),

      selectDeck: (id) => {
        if (get().decks.some((d) => d.id === id)) set({ activeId: id, index: 0, link: undefined });
      },

      newDeck: (title = 'My talk') => {
        const deck: DeckV1 = { v: 1, kind: DECK_KIND, id: newDeckId(), title, slides: [] };
        set((s) => ({ decks: [...s.decks, deck], activeId: deck.id, index: 0, link: undefined }));
        save(deck);
        return deck;
      },

      duplicateDeck: (id) => {
        const source = get().decks.find((d) => d.id === id);
        if (!source) return undefined;
        const deck: DeckV1 = { ...structuredClone(source), id: newDeckId(), title: `${source.title} (copy)` };
        set((s) => ({ decks: [...s.decks, deck], activeId: deck.id, index: 0, link: undefined }));
        save(deck);
        return deck;
      },

      renameDeck: (id, title) => {
        const t = title.slice(0, DECK_LIMITS.title);
        edit(id, (d) => ({ ...d, title: t }));
      },

      deleteDeck: (id) => {
        if (!isEditable(get(), id)) return;
        set((s) => {
          const decks = s.decks.filter((d) => d.id !== id);
          return { decks, activeId: s.activeId === id ? decks[0]?.id : s.activeId, index: 0 };
        });
        void deps.persistence?.remove(id).catch(() => undefined);
      },

      addCurrentView: () => {
        let s = get();
        // the built-in deck is read-only: the first slide added starts a deck of one's own
        if (!isEditable(s, s.activeId)) {
          get().newDeck();
          s = get();
        }
        const deck = activeDeck(s);
        if (!deck) return undefined;
        if (deck.slides.length >= DECK_LIMITS.slides) {
          set({ error: `A deck holds at most ${DECK_LIMITS.slides} slides.` });
          return undefined;
        }
        const state = deps.currentState();
        const slide: Slide = {
          id: newSlideId(new Set(deck.slides.map((x) => x.id))),
          title: titleFromPrompt(state.prompt),
          caption: '',
          state,
          marks: [],
        };
        edit(deck.id, (d) => ({ ...d, slides: [...d.slides, slide] }));
        set({ notice: `Added slide ${deck.slides.length + 1} to “${deck.title}”.`, error: undefined });
        return slide;
      },

      updateSlide: (slideId, patch) => {
        const title = patch.title?.slice(0, DECK_LIMITS.title);
        const caption = patch.caption?.slice(0, DECK_LIMITS.caption);
        const marks: SlideMark[] | undefined = patch.marks?.slice(0, DECK_LIMITS.marks);
        edit(get().activeId, (d) => ({
          ...d,
          slides: d.slides.map((x) =>
            x.id === slideId
              ? {
                  ...x,
                  ...(title !== undefined ? { title } : {}),
                  ...(caption !== undefined ? { caption } : {}),
                  ...(marks ? { marks } : {}),
                  ...(patch.state ? { state: patch.state } : {}),
                }
              : x,
          ),
        }));
      },

      updateSlideFromView: (slideId) => {
        const slide = activeDeck(get())?.slides.find((x) => x.id === slideId);
        if (!slide) return;
        const now = deps.currentState();
        get().updateSlide(slideId, {
          state: { ...now, view: { ...now.view, front: slide.state.view.front } },
        });
      },

      deleteSlide: (slideId) => {
        edit(get().activeId, (d) => ({ ...d, slides: d.slides.filter((x) => x.id !== slideId) }));
        set((s) => ({ index: Math.min(s.index, Math.max(0, (activeDeck(s)?.slides.length ?? 1) - 1)) }));
      },

      moveSlide: (slideId, toIndex) => {
        edit(get().activeId, (d) => {
          const from = d.slides.findIndex((x) => x.id === slideId);
          if (from < 0) return d;
          const to = Math.max(0, Math.min(d.slides.length - 1, Math.trunc(toIndex)));
          if (to === from) return d;
          const slides = [...d.slides];
          const [moved] = slides.splice(from, 1);
          slides.splice(to, 0, moved!);
          return { ...d, slides };
        });
      },

      importDeckFile: async (file) => {
        let text: string;
        try {
          text = await file.text();
        } catch (error) {
          set({
            error: `Could not read ${file.name}: ${error instanceof Error ? error.message : String(error)}`,
          });
          return false;
        }
        const result = deckFromJson(text);
        if (!result.ok) {
          set({ error: `Could not import ${file.name}: ${result.error}`, problems: [], notice: undefined });
          return false;
        }
        const deck = adopt(result.deck);
        set({
          activeId: deck.id,
          index: 0,
          error: undefined,
          problems: result.problems,
          notice: `Imported “${deck.title}” (${deck.slides.length} slide${deck.slides.length === 1 ? '' : 's'}).`,
          link: undefined,
        });
        return true;
      },

      exportDeck: (id) => {
        const deck = get().decks.find((d) => d.id === (id ?? get().activeId));
        if (!deck || deck.slides.length === 0) return;
        download(new Blob([deckToJson(deck)], { type: 'application/json' }), deckFileName(deck.title));
      },

      shareDeck: async (baseUrl) => {
        const deck = activeDeck(get());
        if (!deck || deck.slides.length === 0) return undefined;
        const made = await deckLinkOrReason(deck, baseUrl);
        let outcome: DeckLinkOutcome;
        if ('url' in made) outcome = { url: made.url, copied: await copyText(made.url) };
        else outcome = { tooLong: made.tooLong, limit: MAX_DECK_LINK_LENGTH };
        set({ link: outcome });
        return outcome;
      },

      openDeckLink: async (hash) => {
        const result = await decodeDeckLink(hash);
        if (!result.ok) {
          set({ error: `This deck link cannot be opened: ${result.error}`, panelOpen: true, problems: [] });
          return false;
        }
        const deck = adopt(result.deck);
        set({
          activeId: deck.id,
          index: 0,
          panelOpen: true,
          error: undefined,
          problems: result.problems,
          notice: `Opened the deck “${deck.title}” from a link: ready to present.`,
        });
        return true;
      },

      dismissMessages: () => set({ error: undefined, notice: undefined, problems: [] }),

      present: (index) => {
        const deck = activeDeck(get());
        if (!deck || deck.slides.length === 0) return;
        set({
          presenting: true,
          blank: false,
          index: Math.max(0, Math.min(deck.slides.length - 1, index ?? get().index)),
        });
      },
      goTo: (index) => set({ index: clampIndex(index), blank: false }),
      next: () => get().goTo(get().index + 1),
      prev: () => get().goTo(get().index - 1),
      toggleBlank: () => set((s) => ({ blank: !s.blank })),
      exitPresent: () => set({ presenting: false, blank: false, slideStatus: undefined }),
      resetSlide: () => set((s) => ({ resetNonce: s.resetNonce + 1 })),
      setLookAhead: (lookAhead) => set({ lookAhead }),
      useBuiltinFor: (slideId) =>
        set((s) => ({
          builtinSlides: [...new Set([...s.builtinSlides, slideId])],
          resetNonce: s.resetNonce + 1,
        })),
      setSlideStatus: (slideStatus) => set({ slideStatus }),
      setAheadIndex: (aheadIndex) => set({ aheadIndex }),
      addTiming: (timing) => set((s) => ({ timings: [...s.timings.slice(-199), timing] })),
    };
  });
}

export type DeckStore = ReturnType<typeof createDeckStore>;
