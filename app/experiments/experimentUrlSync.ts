/**
 * Keeps the query string in step with the page and the experiment's settings (replaceState: no new
 * history entries; the hash, the workspace's state, is left as it is), and applies a link's on open.
 */
import type { LensStore } from '../store/lensStore.ts';
import { readExperimentParams, writeExperimentParams } from './experimentUrl.ts';

export interface SearchTarget {
  getSearch(): string;
  replaceSearch(search: string): void;
}

export function windowSearchTarget(win: Window = window): SearchTarget {
  return {
    getSearch: () => win.location.search,
    replaceSearch: (search) => {
      const url = new URL(win.location.href);
      url.search = search;
      win.history.replaceState(win.history.state, '', url.href);
    },
  };
}

/** Applies the link's settings (returns its problems), then follows the store. */
export function startExperimentUrlSync(store: LensStore, target: SearchTarget): string[] {
  const link = readExperimentParams(target.getSearch());
  if (link) {
    const s = store.getState();
    s.setExperimentSettings(link.settings);
    s.setPage(link.page);
  }
  store.subscribe((s, prev) => {
    if (s.page === prev.page && s.experimentSettings === prev.experimentSettings) return;
    const next = writeExperimentParams(target.getSearch(), s.page, s.experimentSettings);
    if (next !== target.getSearch()) target.replaceSearch(next);
  });
  return link?.problems ?? [];
}
