/**
 * The built-in data sets (public/data/): the build script reproduces the committed files byte for
 * byte, the counts are the paper's, the variants differ as they should, and the past-tense filter
 * applies under the model's tokenizer at experiment time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';
import { buildDataFiles, DATA_DIR } from '../scripts/build-data.ts';
import { readWorldCapitalsCsv } from '../scripts/data/capitals.ts';
import { isRegularPast } from '../scripts/data/verbs.ts';
import {
  BUILTIN_DATASETS,
  datasetHash,
  type Example,
  parseExamples,
  prepareExamples,
} from '../workers/experiments/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedCapitals = path.resolve(repoRoot, '../shared/reference/world_capitals.csv');

let built: Map<string, string>;
const load = (name: string): Example[] => {
  const dataset = BUILTIN_DATASETS.find((d) => d.name === name)!;
  const { examples, errors } = parseExamples(
    readFileSync(path.join(DATA_DIR, dataset.file), 'utf8'),
    'jsonl',
  );
  expect(errors).toEqual([]);
  return examples;
};

beforeAll(() => {
  built = buildDataFiles();
});

describe('build-data', () => {
  it('re-running the script reproduces every committed file byte for byte', () => {
    expect([...built.keys()].sort()).toEqual([...BUILTIN_DATASETS.map((d) => d.file), 'index.json'].sort());
    for (const [file, text] of built) {
      expect(readFileSync(path.join(DATA_DIR, file), 'utf8'), file).toBe(text);
    }
  });

  it("the counts are the paper's; the index's hash is each file's data set hash", async () => {
    const index = JSON.parse(built.get('index.json')!) as {
      datasets: Array<{ name: string; count: number; sha256: string }>;
    };
    const counts = Object.fromEntries(index.datasets.map((d) => [d.name, d.count]));
    expect(counts).toMatchObject({
      'world-capitals': 248,
      'world-capitals-extractive': 248,
      'us-state-capitals': 50,
      'colored-objects': 200,
      'colored-objects-extractive': 200,
      'random-world-capitals': 248,
      'random-us-states': 50,
      'random-colors': 200,
      'random-words': 100,
      'random-irregular-verbs': 128,
    });
    expect(counts['past-tense']).toBeGreaterThan(1000);
    for (const entry of index.datasets) {
      const examples = load(entry.name);
      expect(examples, entry.name).toHaveLength(entry.count);
      expect(new Set(examples.map((e) => e.id)).size, `${entry.name} ids are unique`).toBe(entry.count);
      expect(await datasetHash(examples), entry.name).toBe(entry.sha256);
    }
  });

  it('each data folder has a README', () => {
    const folders = new Set(BUILTIN_DATASETS.map((d) => path.dirname(d.file)));
    for (const folder of folders)
      expect(existsSync(path.join(DATA_DIR, folder, 'README.md')), folder).toBe(true);
  });
});

describe('the data sets', () => {
  it('world capitals: the one-shot prompt of Section 2.2, and the extractive prefix of Figure 6', () => {
    const poland = load('world-capitals').find((e) => e.id === 'Poland')!;
    expect(poland).toEqual({
      id: 'Poland',
      prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
      answer: ' Warsaw',
      argument: ' Poland',
    });
    const extractive = load('world-capitals-extractive').find((e) => e.id === 'Poland')!;
    expect(extractive.prompt).toBe(
      `The capital of France is Paris. The capital of Poland is Warsaw.\n${poland.prompt}`,
    );
    // France is not its own worked example
    expect(load('world-capitals').find((e) => e.id === 'France')!.prompt).toMatch(
      /^Q: What is the capital of Poland\?\nA: Warsaw\n/,
    );
  });

  it('colored objects: abstractive and extractive differ in one character, the answer in case only', () => {
    const abstractive = load('colored-objects');
    const extractive = load('colored-objects-extractive');
    abstractive.forEach((a, i) => {
      const e = extractive[i]!;
      const differing = [...a.prompt].filter((ch, k) => ch !== e.prompt[k]);
      expect(differing, `example ${a.id}`).toHaveLength(1);
      expect(a.answer).toBe(` ${e.answer.trim().charAt(0).toUpperCase()}${e.answer.trim().slice(1)}`);
      expect(e.argument).toBe(e.answer);
      // BIG-bench's layout: a worked question and answer, then the question
      expect(a.prompt).toMatch(
        /^Q: On the \w+, (I see|you see|there is) .+\. What color is the [a-z ]+\?\nA: [A-Z][a-z]+\nQ: .+\nA:$/,
      );
      expect(a.prompt.includes(e.answer.trim()), 'the answer colour is in the question').toBe(true);
    });
  });

  it('random-token contexts: three tokens and the argument, repeated, ending before the argument', () => {
    for (const name of BUILTIN_DATASETS.filter((d) => d.figure === 5).map((d) => d.name)) {
      for (const e of load(name)) {
        const argument = e.argument!.trim();
        const cue = e.prompt.slice(0, e.prompt.indexOf(` ${argument} `));
        expect(cue.split(' '), `${name} ${e.id}`).toHaveLength(3);
        expect(e.prompt).toBe(`${cue} ${argument} ${cue} ${argument} ${cue}`);
      }
    }
  });

  it('past tense: regular pasts follow the -ed rules; the filter under GPT-2 drops present = past tokens', () => {
    const verbs = load('past-tense');
    expect(verbs[0]!.prompt).toMatch(/^Today I abandon\. Yesterday I abandoned\. Today I \w+\. Yesterday I$/);
    expect(verbs.map((v) => v.id)).not.toContain('abandon');
    for (const e of load('random-regular-verbs')) {
      expect(isRegularPast(e.argument!.trim(), e.answer.trim()), String(e.id)).toBe(true);
    }
    const tokenizer = TextTokenizer.fromJson(loadGpt2TokenizerJsonFromPackage());
    const gpt2 = {
      tokenize: (text: string) => tokenizer.encode(text).map((id) => ({ id, text: tokenizer.tokenText(id) })),
    };
    const filtered = prepareExamples(gpt2, { examples: verbs, filter: 'distinct-first-token' });
    const dropped = filtered.skipped.map((s) => s.id);
    expect(dropped).toEqual(expect.arrayContaining(['beat', 'cut', 'put']));
    for (const e of filtered.examples) expect(e.argument!.id).not.toBe(e.answer.id);
    expect(filtered.examples.length + dropped.length).toBe(verbs.length);
    // the out-of-domain irregular verbs were chosen so that all 128 pass on the GPT-2 family
    const ood = prepareExamples(gpt2, {
      examples: load('random-irregular-verbs'),
      filter: 'distinct-first-token',
    });
    expect(ood.examples).toHaveLength(128);
  });

  it.skipIf(!existsSync(sharedCapitals))(
    "the project's copy of world_capitals.csv holds the authors' rows (needs ../shared/reference)",
    () => {
      const ours = readWorldCapitalsCsv(
        readFileSync(path.join(DATA_DIR, 'capitals', 'world_capitals.csv'), 'utf8'),
      );
      expect(ours).toEqual(readWorldCapitalsCsv(readFileSync(sharedCapitals, 'utf8')));
    },
  );
});

if (!existsSync(sharedCapitals)) {
  console.info(`[dataBuild] ${sharedCapitals} is absent: the check against the authors' file is skipped`);
}
