/** React access to the deck store and to talk mode's actions that need the app (prepare, links). */
import { createContext, useContext } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DeckState, DeckStore } from './deckStore.ts';
import type { PrepareReport } from './prepare.ts';

export interface TalkServices {
  decks: DeckStore;
  /** Fetches and verifies everything the active deck needs. */
  prepare(onProgress: (message: string) => void): Promise<PrepareReport | undefined>;
  /** The page's URL without its hash (deck links are made from it). */
  baseUrl(): string;
}

export const TalkContext = createContext<TalkServices | null>(null);

export function useTalk(): TalkServices {
  const talk = useContext(TalkContext);
  if (!talk) throw new Error('TalkContext is missing: wrap the app in <TalkContext value={...}>');
  return talk;
}

export function useDecks<T extends object>(selector: (s: DeckState) => T): T {
  return useTalk().decks(useShallow(selector));
}
