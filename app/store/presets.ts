/** Prompt presets: the paper's tasks (Merullo et al., "Language Models Implement Simple Word2Vec-style Vector Arithmetic"). */
export interface PromptPreset {
  /** data-testid is `preset-<id>`. */
  id: string;
  label: string;
  prompt: string;
}

export const PRESETS: readonly PromptPreset[] = [
  {
    id: 'capital',
    label: 'Capital of Poland (one-shot)',
    prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
  },
  {
    id: 'colors',
    label: 'Colored objects',
    prompt:
      'Q: On the floor, I see a silver keychain, a red pair of sunglasses, a gold sheet of paper, a black dog ' +
      'leash, and a blue cat toy. What color is the keychain?\nA: Silver\nQ: On the table, you see a brown ' +
      'sheet of paper, a red fidget spinner, a blue pair of sunglasses, a teal dog leash, and a gold cup. What ' +
      'color is the sheet of paper?\nA:',
  },
  {
    id: 'past-tense',
    label: 'Past tense',
    prompt: 'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
  },
  {
    id: 'table-mug',
    label: 'table mug free China (intervention target)',
    prompt: 'table mug free China table mug free China table mug free',
  },
];

export const DEFAULT_PROMPT = PRESETS[0]!.prompt;
