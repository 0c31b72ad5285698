/**
 * Writes a checkpoint folder in the Hugging Face Hub layout (config.json, model.safetensors,
 * tokenizer.json), so the app's built-in model, tests and benches all read the same files.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fixture } from '../models/fixtures.ts';

export const HUB_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

/** Write to a temporary name then rename: an interrupted run never leaves a file that looks complete. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeHubFolder(dir: string, fixture: Fixture, tokenizerJson: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tokenizer = typeof tokenizerJson === 'string' ? tokenizerJson : JSON.stringify(tokenizerJson);
  // config.json last: generate-builtin treats a matching config as "folder complete"
  await writeAtomic(join(dir, 'model.safetensors'), fixture.safetensors);
  await writeAtomic(join(dir, 'tokenizer.json'), tokenizer);
  await writeAtomic(join(dir, 'config.json'), `${JSON.stringify(fixture.config, null, 2)}\n`);
}
