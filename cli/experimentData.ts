/** Data sets for `lenslab experiment`: a CSV/JSONL file, or `builtin:NAME` from public/data/. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_DATASETS, builtinDataset } from '../workers/experiments/data/builtinData.ts';
import {
  describeRowErrors,
  formatOfFileName,
  parseExamples,
} from '../workers/experiments/data/parseExamples.ts';
import type { ExampleSet } from '../workers/experiments/types.ts';
import { CliError } from './modelDir.ts';

/** The app's public/data/, which the CLI reads in place (the CLI runs from the repository). */
const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data');

export function readExampleSet(spec: string): ExampleSet {
  if (spec.startsWith('builtin:')) {
    const name = spec.slice('builtin:'.length);
    const dataset = builtinDataset(name);
    if (!dataset) {
      throw new CliError(
        `--data: no built-in data set ${JSON.stringify(name)} (see lenslab experiment --list-data: ${BUILTIN_DATASETS.map((d) => d.name).join(', ')})`,
      );
    }
    const set = parseFile(join(DATA_DIR, dataset.file), spec);
    return dataset.filter ? { ...set, filter: dataset.filter } : set;
  }
  return parseFile(spec, basename(spec));
}

function parseFile(path: string, name: string): ExampleSet {
  if (!existsSync(path)) throw new CliError(`data file ${path} does not exist`);
  const format = formatOfFileName(path);
  if (!format) throw new CliError(`${path}: the data file must be .csv or .jsonl`);
  const { examples, errors } = parseExamples(readFileSync(path, 'utf8'), format);
  if (errors.length) throw new CliError(`${path}: ${describeRowErrors(errors)}`);
  return { name, examples };
}

/** `--list-data`: the built-in data sets with their counts and hashes (public/data/index.json). */
export function listBuiltinData(): unknown {
  const index = JSON.parse(readFileSync(join(DATA_DIR, 'index.json'), 'utf8')) as { datasets: unknown[] };
  return { dataDir: DATA_DIR, datasets: index.datasets };
}
