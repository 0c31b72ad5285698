/** How the views draw: heatmap rows, rank scale, which view is in front. */
import type { ViewSettings } from '../domain.ts';
import type { SliceCreator } from './types.ts';

export interface ViewSlice {
  view: ViewSettings;
  setRows(rows: ViewSettings['rows']): void;
  setRankScale(rank: ViewSettings['rank']): void;
  setFront(front: ViewSettings['front']): void;
  /** All settings at once (a link or a slide). */
  setView(view: ViewSettings): void;
}

export const createViewSlice: SliceCreator<ViewSlice> = (set) => ({
  view: { rows: 'blocks', rank: 'reciprocal', front: 'heatmap' },
  setRows: (rows) => set((s) => ({ view: { ...s.view, rows } })),
  setRankScale: (rank) => set((s) => ({ view: { ...s.view, rank } })),
  setFront: (front) => set((s) => ({ view: { ...s.view, front } })),
  setView: (view) => set({ view: { ...view } }),
});
