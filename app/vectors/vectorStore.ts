/**
 * The o-vector library in IndexedDB, so captured and imported vectors survive a reload.
 * Entries are stored as they are: structured clone keeps the Float32Array.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { VectorEntry } from '../domain.ts';
import { lazyDatabase } from '../storage/lazyDatabase.ts';

const DB_NAME = 'lenslab';
const DB_VERSION = 1;
const STORE = 'vectors';

interface VectorDb extends DBSchema {
  vectors: { key: string; value: VectorEntry; indexes: { createdAt: number } };
}

export type VectorDbHandle = IDBPDatabase<VectorDb>;

/** The database, opened once per page (later calls share it). */
export const openVectorDb = lazyDatabase<VectorDb>(DB_NAME, DB_VERSION, (db) => {
  const store = db.createObjectStore(STORE, { keyPath: 'id' });
  store.createIndex('createdAt', 'createdAt');
});

export async function saveVector(entry: VectorEntry): Promise<void> {
  const db = await openVectorDb();
  // a copy: a view into a larger buffer would otherwise store the whole buffer
  await db.put(STORE, { ...entry, data: new Float32Array(entry.data), promotes: [...entry.promotes] });
}

export async function deleteVector(id: string): Promise<void> {
  const db = await openVectorDb();
  await db.delete(STORE, id);
}

/** Every stored vector, oldest first. */
export async function loadVectors(): Promise<VectorEntry[]> {
  const db = await openVectorDb();
  return db.getAllFromIndex(STORE, 'createdAt');
}
