/**
 * `npm run build-data`: writes the built-in data sets of public/data/ (see each folder's README) and
 * public/data/index.json (names, files, counts, SHA-256). Deterministic: every draw is seeded, every
 * list sorted, so a re-run writes the same bytes (tests/dataBuild.test.ts checks the committed files).
 *
 *   npx tsx scripts/build-data.ts [--out DIR]     (default: public/data)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';
import { BUILTIN_DATASETS } from '../workers/experiments/data/builtinData.ts';
import { canonicalJsonl } from '../workers/experiments/data/datasetHash.ts';
import { buildFromTemplate } from '../workers/experiments/data/template.ts';
import type { Example } from '../workers/experiments/types.ts';
import { capitalExamples, capitalIds, readWorldCapitalsCsv, US_STATE_CAPITALS } from './data/capitals.ts';
import { capitalize, coloredObjects } from './data/coloredObjects.ts';
import { type ArgumentAnswer, randomContexts, randomTokenPool } from './data/randomContexts.ts';
import { irregularVerbs, regularVerbs, type VerbPair } from './data/verbs.ts';
import { nonColorWords, outOfDomainIrregularVerbs } from './data/words.ts';

export const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data');
/** The project's attributed copy of the authors' file (see public/data/capitals/README.md). */
export const WORLD_CAPITALS_CSV = join(DATA_DIR, 'capitals', 'world_capitals.csv');

const COLORED_OBJECTS = 200;
const NON_COLOR_WORDS = 100;
const IRREGULAR_OUT_OF_DOMAIN = 128;
/** One seed per draw, so that changing one data set never reshuffles another. */
const SEEDS = {
  words: 101,
  irregular: 102,
  contexts: { capitals: 201, states: 202, colors: 203, words: 204, regular: 205, irregular: 206 },
};

const PAST_TEMPLATE = 'Today I {argument}. Yesterday I {answer}.';
const PAST_SHOT = { argument: 'abandon', answer: 'abandoned' };

/** Every data file by its path under public/data/, with its contents. */
export function buildDataFiles(): Map<string, string> {
  const tokenizer = TextTokenizer.fromJson(loadGpt2TokenizerJsonFromPackage());
  const capitals = readWorldCapitalsCsv(readFileSync(WORLD_CAPITALS_CSV, 'utf8'));
  const colored = coloredObjects(COLORED_OBJECTS);
  const regular = regularVerbs();
  const irregular = irregularVerbs();
  const oodIrregular = outOfDomainIrregularVerbs(
    tokenizer,
    irregular,
    IRREGULAR_OUT_OF_DOMAIN,
    SEEDS.irregular,
  );
  const words = nonColorWords(tokenizer, NON_COLOR_WORDS, SEEDS.words);
  const pool = randomTokenPool(tokenizer);
  const verbPairs = (verbs: readonly VerbPair[]): ArgumentAnswer[] =>
    verbs.map((v) => ({ id: v.present, argument: v.present, answer: v.past }));
  const capitalPairs = (list: typeof capitals): ArgumentAnswer[] => {
    const ids = capitalIds(list);
    return list.map((c, i) => ({ id: ids[i]!, argument: c.place, answer: c.capital }));
  };

  const pastTense = buildFromTemplate(
    { template: PAST_TEMPLATE, shot: PAST_SHOT, separator: ' ' },
    [...regular, ...irregular]
      .filter((v) => v.present !== PAST_SHOT.argument)
      .sort((a, b) => (a.present < b.present ? -1 : 1))
      .map((v) => ({ id: v.present, argument: v.present, answer: v.past })),
  ).examples;

  const byName: Record<string, Example[]> = {
    'world-capitals': capitalExamples(capitals),
    'world-capitals-extractive': capitalExamples(capitals, true),
    'us-state-capitals': capitalExamples(US_STATE_CAPITALS),
    'colored-objects': colored.map((c) => c.abstractive),
    'colored-objects-extractive': colored.map((c) => c.extractive),
    'past-tense': pastTense,
    'random-world-capitals': randomContexts(capitalPairs(capitals), pool, SEEDS.contexts.capitals),
    'random-us-states': randomContexts(capitalPairs([...US_STATE_CAPITALS]), pool, SEEDS.contexts.states),
    'random-colors': randomContexts(
      colored.map(({ abstractive: e }) => {
        const color = e.argument!.trim();
        return { id: e.id, argument: color, answer: capitalize(color) };
      }),
      pool,
      SEEDS.contexts.colors,
    ),
    'random-words': randomContexts(
      words.map((w) => ({ id: w, argument: w, answer: capitalize(w) })),
      pool,
      SEEDS.contexts.words,
    ),
    'random-regular-verbs': randomContexts(verbPairs(regular), pool, SEEDS.contexts.regular),
    'random-irregular-verbs': randomContexts(verbPairs(oodIrregular), pool, SEEDS.contexts.irregular),
  };

  const files = new Map<string, string>();
  const index = BUILTIN_DATASETS.map((dataset) => {
    const examples = byName[dataset.name];
    if (!examples) throw new Error(`build-data: nothing builds ${dataset.name}`);
    const text = canonicalJsonl(examples);
    files.set(dataset.file, text);
    return {
      ...dataset,
      count: examples.length,
      sha256: createHash('sha256').update(text).digest('hex'),
    };
  });
  files.set('index.json', `${JSON.stringify({ version: 1, datasets: index }, null, 2)}\n`);
  return files;
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  const out = resolve(values.out ?? DATA_DIR);
  const started = performance.now();
  const files = buildDataFiles();
  for (const [path, text] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  console.log(
    `build-data: wrote ${files.size} files to ${out} in ${Math.round(performance.now() - started)} ms`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
