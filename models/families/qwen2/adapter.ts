/** Qwen2 (Qwen2.5 0.5B-7B): Llama's layout plus q/k/v biases; small ones tie the embeddings. */
import type { ConfigFields } from '../../arch/configFields.ts';
import type { FamilyAdapter } from '../../arch/family.ts';
import { type LlamaLikeSpec, llamaLikeSpec, llamaLikeWeights } from '../llama/adapter.ts';

/** With use_sliding_window, attention beyond the window differs: prompts stay within it. */
function qwen2Positions(config: ConfigFields): number {
  const max = config.int('max_position_embeddings', 32768);
  if (!config.bool('use_sliding_window', false)) return max;
  return Math.min(max, config.int('sliding_window', max));
}

export const qwen2Adapter: FamilyAdapter = {
  modelType: 'qwen2',
  spec: (config) =>
    llamaLikeSpec(config, {
      modelType: 'qwen2',
      qkvBias: () => true,
      oBias: () => false,
      mlpBias: () => false,
      tiedDefault: false,
      nPositions: qwen2Positions,
    }),
  weights: (file, spec) => llamaLikeWeights(file, spec as LlamaLikeSpec),
};
