/**
 * The GPT-2 family as OpenAI published it on the Hugging Face Hub. Whether a member runs here is
 * fit.ts's question (`checkFits`), answered before any download. Pure TS: no DOM.
 */

export const HUB_URL = 'https://huggingface.co';

/** The files LensLab loads from a GPT-2 repository, as the Hub publishes them. */
export const GPT2_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

export type Gpt2ModelId = 'gpt2' | 'gpt2-medium' | 'gpt2-large' | 'gpt2-xl';

export interface CatalogueEntry {
  id: Gpt2ModelId;
  /** Current repository id. The legacy id (`legacyRepo`) redirects to it (HTTP 307) on the Hub. */
  repo: string;
  legacyRepo: string;
  label: string;
  parameters: number;
  /** Approximate model.safetensors size (F32, with the `attn.bias` mask buffers); the Hub's size rules. */
  bytes: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nPositions: number;
  vocabSize: number;
  files: readonly string[];
  /** For fit messages: the short id. */
  name: string;
}

/** A buffer of `count` GPT-2 causal masks ([1, 1, 1024, 1024] F32 each), stored in every block. */
const MASK_BYTES = 1024 * 1024 * 4;
const HEADER_BYTES = 15_000;
const approxBytes = (parameters: number, nLayer: number): number =>
  parameters * 4 + nLayer * MASK_BYTES + HEADER_BYTES;

function entry(
  id: Gpt2ModelId,
  label: string,
  parameters: number,
  nLayer: number,
  nEmbd: number,
  nHead: number,
): CatalogueEntry {
  return {
    id,
    repo: `openai-community/${id}`,
    legacyRepo: id,
    label,
    parameters,
    bytes: approxBytes(parameters, nLayer),
    nLayer,
    nEmbd,
    nHead,
    nPositions: 1024,
    vocabSize: 50257,
    files: GPT2_FILES,
    name: id,
  };
}

/** ~548 MB, ~1.52 GB, ~3.25 GB, ~6.43 GB of safetensors. */
export const GPT2_CATALOGUE: readonly CatalogueEntry[] = [
  entry('gpt2', 'GPT-2 small (124M)', 124_439_808, 12, 768, 12),
  entry('gpt2-medium', 'GPT-2 medium (355M)', 354_823_168, 24, 1024, 16),
  entry('gpt2-large', 'GPT-2 large (774M)', 774_030_080, 36, 1280, 20),
  entry('gpt2-xl', 'GPT-2 XL (1.5B)', 1_557_611_200, 48, 1600, 25),
];

/** The paper's model: the default whenever the Hub is reachable. */
export const DEFAULT_HUB_MODEL: Gpt2ModelId = 'gpt2-medium';

/** By id ('gpt2-medium'), repo ('openai-community/gpt2-medium') or legacy repo id. */
export function findCatalogueEntry(idOrRepo: string): CatalogueEntry | undefined {
  return GPT2_CATALOGUE.find((e) => e.id === idOrRepo || e.repo === idOrRepo || e.legacyRepo === idOrRepo);
}
