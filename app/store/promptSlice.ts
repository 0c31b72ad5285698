/** The prompt text (its tokens, as the current control run split it, are in the run slice). */
import { DEFAULT_PROMPT, PRESETS } from './presets.ts';
import type { SliceCreator } from './types.ts';

export interface PromptSlice {
  prompt: string;
  /** Bumped by each edit, so the run controller can tell typing (debounced) from other changes. */
  promptEditedAt: number;
  setPrompt(prompt: string): void;
  applyPreset(id: string): void;
}

export const createPromptSlice: SliceCreator<PromptSlice> = (set) => ({
  prompt: DEFAULT_PROMPT,
  promptEditedAt: 0,
  setPrompt: (prompt) => set({ prompt, promptEditedAt: Date.now() }),
  applyPreset: (id) => {
    const preset = PRESETS.find((p) => p.id === id);
    if (preset) set({ prompt: preset.prompt, promptEditedAt: Date.now() });
  },
});
