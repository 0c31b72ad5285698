/** The files a model is loaded from, as the loaders hand them to the engine. */
import type { FileBytes } from './fileBytes.ts';

/** A checkpoint as Hugging Face publishes it, already fetched or read from disk. */
export interface ModelFiles {
  /** e.g. "gpt2-medium" or "builtin". */
  name: string;
  /** Parsed config.json. */
  config: unknown;
  /** model.safetensors bytes, whole or in pieces (a big checkpoint never sits in one buffer). */
  safetensors: Uint8Array | FileBytes;
  /** Parsed tokenizer.json. */
  tokenizer: unknown;
}
