/** Sharing: the link's problems when it was opened, the current hash, and the copied URL. */
import type { SliceCreator } from './types.ts';

export interface ShareSlice {
  /** What was wrong with the link this page was opened with (and found later, e.g. wrong sizes). */
  linkProblems: string[];
  /** The hash (without '#') that the URL holds now. */
  sharedHash?: string;
  /** The last link made by "Copy link". */
  shareUrl?: string;
  /** Whether the clipboard took it (it can refuse: permissions, no focus). */
  shareCopied?: boolean;
  setSharedHash(hash: string): void;
  setShareUrl(url: string, copied: boolean): void;
  addLinkProblems(problems: string[]): void;
  dismissLinkProblems(): void;
}

export const createShareSlice: SliceCreator<ShareSlice> = (set) => ({
  linkProblems: [],
  setSharedHash: (sharedHash) => set({ sharedHash }),
  setShareUrl: (shareUrl, shareCopied) => set({ shareUrl, shareCopied }),
  addLinkProblems: (problems) =>
    set((s) => (problems.length > 0 ? { linkProblems: [...s.linkProblems, ...problems] } : {})),
  dismissLinkProblems: () => set({ linkProblems: [] }),
});
