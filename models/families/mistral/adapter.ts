/**
 * Mistral: Llama's layout (no biases, untied lm_head); its sliding window is not modelled, so
 * prompts are limited to it (where attention would differ).
 */
import type { FamilyAdapter } from '../../arch/family.ts';
import { type LlamaLikeSpec, llamaLikeSpec, llamaLikeWeights } from '../llama/adapter.ts';

export const mistralAdapter: FamilyAdapter = {
  modelType: 'mistral',
  spec: (config) =>
    llamaLikeSpec(config, {
      modelType: 'mistral',
      qkvBias: () => false,
      oBias: () => false,
      mlpBias: () => false,
      tiedDefault: false,
      nPositions: (c) => {
        const max = c.int('max_position_embeddings', 32768);
        return c.has('sliding_window') ? Math.min(max, c.int('sliding_window')) : max;
      },
    }),
  weights: (file, spec) => llamaLikeWeights(file, spec as LlamaLikeSpec),
};
