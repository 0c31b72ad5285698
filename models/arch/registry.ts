/** model_type -> family adapter. GPT-2 keeps its own path (models/gpt2/); it is listed as supported. */
import { bloomAdapter } from '../families/bloom/adapter.ts';
import { gptNeoxAdapter } from '../families/gpt_neox/adapter.ts';
import { gptjAdapter } from '../families/gptj/adapter.ts';
import { llamaAdapter } from '../families/llama/adapter.ts';
import { mistralAdapter } from '../families/mistral/adapter.ts';
import { qwen2Adapter } from '../families/qwen2/adapter.ts';
import { ModelConfigError, parseGpt2Config } from '../gpt2/config.ts';
import { ConfigFields } from './configFields.ts';
import type { FamilyAdapter } from './family.ts';
import type { ArchSpec } from './spec.ts';

const ADAPTERS: readonly FamilyAdapter[] = [
  llamaAdapter,
  qwen2Adapter,
  gptNeoxAdapter,
  mistralAdapter,
  gptjAdapter,
  bloomAdapter,
];

/** Every model_type LensLab runs, GPT-2 first. */
export const SUPPORTED_FAMILIES: readonly string[] = ['gpt2', ...ADAPTERS.map((a) => a.modelType)];

export function modelTypeOf(config: unknown): unknown {
  return typeof config === 'object' && config !== null
    ? (config as Record<string, unknown>).model_type
    : undefined;
}

/** The adapter for a non-GPT-2 config, or an error naming the supported model types. */
export function familyAdapter(config: unknown, fileName = 'config.json'): FamilyAdapter {
  const type = modelTypeOf(config);
  const adapter = ADAPTERS.find((a) => a.modelType === type);
  if (!adapter) {
    throw new ModelConfigError(
      `${fileName}: model_type ${JSON.stringify(type)} is not supported; supported: ${SUPPORTED_FAMILIES.join(', ')}`,
    );
  }
  return adapter;
}

/** config.json -> ArchSpec for a non-GPT-2 family. */
export function parseArchSpec(
  config: unknown,
  fileName = 'config.json',
): { adapter: FamilyAdapter; spec: ArchSpec } {
  const adapter = familyAdapter(config, fileName);
  return { adapter, spec: adapter.spec(ConfigFields.of(config, fileName)) };
}

/** The shape every caller before the engine needs (CLI checks, the fit check), for any supported family. */
export interface ConfigShape {
  modelType: string;
  nLayer: number;
  nEmbd: number;
  /** Embedding rows (a padded vocabulary counts its padding: it takes memory). */
  vocabSize: number;
  nPositions: number;
}

export function configShape(config: unknown, fileName = 'config.json'): ConfigShape {
  if (modelTypeOf(config) === 'gpt2') {
    const c = parseGpt2Config(config, fileName);
    return {
      modelType: 'gpt2',
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      vocabSize: c.vocabSize,
      nPositions: c.nPositions,
    };
  }
  const { spec } = parseArchSpec(config, fileName);
  return {
    modelType: spec.modelType,
    nLayer: spec.nLayer,
    nEmbd: spec.dModel,
    vocabSize: spec.embeddingRows,
    nPositions: spec.nPositions,
  };
}
