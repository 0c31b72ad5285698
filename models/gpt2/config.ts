/** GPT-2 family configuration as Hugging Face's config.json states it. */
import { CodedError } from '../errors.ts';

export interface Gpt2Config {
  readonly modelType: 'gpt2';
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly nPositions: number;
  readonly vocabSize: number;
  readonly layerNormEpsilon: number;
  readonly activation: 'gelu_new';
}

export const SUPPORTED_MODEL_TYPES = ['gpt2'] as const;

export class ModelConfigError extends CodedError<'bad-config'> {
  override name = 'ModelConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-config', options);
  }
}

const SUPPORTED_ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh'];

export function parseGpt2Config(json: unknown, fileName = 'config.json'): Gpt2Config {
  const fail = (why: string): never => {
    throw new ModelConfigError(`${fileName}: ${why}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('is not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.model_type !== 'gpt2') {
    fail(
      `model_type ${JSON.stringify(c.model_type)} is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      fail(`${key} must be a positive integer (got ${JSON.stringify(c[key])})`);
    }
    return v as number;
  };
  const nEmbd = int('n_embd', 768);
  const nHead = int('n_head', 12);
  if (nEmbd % nHead !== 0) fail(`n_embd ${nEmbd} is not divisible by n_head ${nHead}`);
  const eps = c.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) fail(`layer_norm_epsilon must be a positive number`);
  const activation = c.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !SUPPORTED_ACTIVATIONS.includes(activation)) {
    fail(
      `activation_function ${JSON.stringify(activation)} is not supported; supported: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
    );
  }
  if (c.n_inner !== undefined && c.n_inner !== null && c.n_inner !== 4 * nEmbd) {
    fail(`n_inner ${JSON.stringify(c.n_inner)} is not supported (only 4 * n_embd)`);
  }
  return {
    modelType: 'gpt2',
    nLayer: int('n_layer', 12),
    nHead,
    nEmbd,
    nPositions: int('n_positions', int('n_ctx', 1024)),
    vocabSize: int('vocab_size', 50257),
    layerNormEpsilon: eps as number,
    activation: 'gelu_new',
  };
}

/** Number of residual states the lens decodes: embeddings, then after each attention and each block. */
export function residualStateCount(config: Pick<Gpt2Config, 'nLayer'>): number {
  return 2 * config.nLayer + 1;
}

export type ResidualKind = 'embed' | 'attn' | 'block';

/** State 0 = embeddings, 2i+1 = after block i's attention, 2i+2 = after block i. */
export function describeResidualState(index: number): { index: number; layer: number; kind: ResidualKind } {
  if (index === 0) return { index, layer: -1, kind: 'embed' };
  const layer = Math.floor((index - 1) / 2);
  return { index, layer, kind: index % 2 === 1 ? 'attn' : 'block' };
}
