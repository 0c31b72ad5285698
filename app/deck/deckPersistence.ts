/**
 * Decks in IndexedDB, so a talk prepared yesterday is there today. A database of its own: the
 * vector library's schema (and its upgrade path) stays untouched.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../storage/lazyDatabase.ts';
import type { DeckV1 } from './deckTypes.ts';

const DB_NAME = 'lenslab-decks';
const DB_VERSION = 1;
const STORE = 'decks';

/** A deck as stored: when it was last saved, to list the newest first. */
export interface StoredDeck {
  deck: DeckV1;
  savedAt: number;
}

interface DeckDb extends DBSchema {
  decks: { key: string; value: StoredDeck & { id: string }; indexes: { savedAt: number } };
}

/** Where decks live between visits (IndexedDB in the app, memory in tests). */
export interface DeckPersistence {
  load(): Promise<StoredDeck[]>;
  save(deck: DeckV1): Promise<void>;
  remove(id: string): Promise<void>;
}

const openDeckDb = lazyDatabase<DeckDb>(DB_NAME, DB_VERSION, (db) => {
  const store = db.createObjectStore(STORE, { keyPath: 'id' });
  store.createIndex('savedAt', 'savedAt');
});

export const indexedDbDecks: DeckPersistence = {
  load: async () => {
    const db = await openDeckDb();
    const rows = await db.getAllFromIndex(STORE, 'savedAt');
    return rows.map(({ deck, savedAt }) => ({ deck, savedAt }));
  },
  save: async (deck) => {
    const db = await openDeckDb();
    // structured clone of plain JSON data: the stored deck cannot alias the live one
    await db.put(STORE, { id: deck.id, deck: structuredClone(deck), savedAt: Date.now() });
  },
  remove: async (id) => {
    const db = await openDeckDb();
    await db.delete(STORE, id);
  },
};

/** For tests and private windows: decks last as long as the page. */
export function memoryDecks(initial: StoredDeck[] = []): DeckPersistence & { saved: Map<string, DeckV1> } {
  const saved = new Map(initial.map((s) => [s.deck.id, structuredClone(s.deck)]));
  return {
    saved,
    load: async () => [...saved.values()].map((deck) => ({ deck: structuredClone(deck), savedAt: 0 })),
    save: async (deck) => {
      saved.set(deck.id, structuredClone(deck));
    },
    remove: async (id) => {
      saved.delete(id);
    },
  };
}
