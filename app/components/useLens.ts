/** Store access for components: one field (or a shallow-compared pick) per subscription. */
import { useShallow } from 'zustand/react/shallow';
import { useLensStoreHook } from '../store/context.ts';
import type { LensState } from '../store/types.ts';

export function useLens<T>(selector: (s: LensState) => T): T {
  return useLensStoreHook()(selector);
}

export function useLensPick<T extends object>(selector: (s: LensState) => T): T {
  return useLensStoreHook()(useShallow(selector));
}
