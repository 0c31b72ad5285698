/**
 * An IndexedDB database opened on first use and shared by later calls. When another tab upgrades the
 * schema, this page closes its handle (so the upgrade can proceed) and reopens on the next call; a
 * failed open is not remembered.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

export function lazyDatabase<T extends DBSchema>(
  name: string,
  version: number,
  upgrade: (db: IDBPDatabase<T>) => void,
): () => Promise<IDBPDatabase<T>> {
  let opening: Promise<IDBPDatabase<T>> | undefined;
  return () => {
    opening ??= openDB<T>(name, version, {
      upgrade: (db) => upgrade(db),
      blocking() {
        void opening?.then((db) => db.close());
        opening = undefined;
      },
    }).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
}
