/** Interventions: which library vector goes on which block's FFN or attention, how, and where. */

import type { Interventions, Slot, SublayerKind } from '../domain.ts';
import { assignSlots, clearSlots, updateSlot } from './slotRanges.ts';
import type { SliceCreator } from './types.ts';

export interface InterventionSlice {
  interventions: Interventions;
  /** Which sublayer the slots show and drops go to. */
  slotKind: SublayerKind;
  setSlotKind(kind: SublayerKind): void;
  setScope(scope: Interventions['scope']): void;
  assign(blocks: number[], kind: SublayerKind, vectorId: string): void;
  updateSlot(block: number, kind: SublayerKind, patch: Partial<Pick<Slot, 'mode' | 'scale'>>): void;
  clear(blocks: number[], kind: SublayerKind): void;
  clearAll(): void;
  setInterventions(interventions: Interventions): void;
}

export const createInterventionSlice: SliceCreator<InterventionSlice> = (set) => ({
  interventions: { scope: 'all', slots: [] },
  slotKind: 'ffn',
  setSlotKind: (slotKind) => set({ slotKind }),
  setScope: (scope) => set((s) => ({ interventions: { ...s.interventions, scope } })),
  assign: (blocks, kind, vectorId) =>
    set((s) => ({ interventions: assignSlots(s.interventions, blocks, kind, vectorId) })),
  updateSlot: (block, kind, patch) =>
    set((s) => ({ interventions: updateSlot(s.interventions, block, kind, patch) })),
  clear: (blocks, kind) => set((s) => ({ interventions: clearSlots(s.interventions, blocks, kind) })),
  clearAll: () => set((s) => ({ interventions: { ...s.interventions, slots: [] } })),
  setInterventions: (interventions) => set({ interventions }),
});
