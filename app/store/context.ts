import { createContext, useContext } from 'react';
import type { LensStore } from './lensStore.ts';

export const LensStoreContext = createContext<LensStore | null>(null);

export function useLensStoreHook(): LensStore {
  const store = useContext(LensStoreContext);
  if (!store)
    throw new Error('LensStoreContext is missing: wrap the app in <LensStoreContext value={store}>');
  return store;
}
