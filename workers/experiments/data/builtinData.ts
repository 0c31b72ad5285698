/**
 * The data sets LensLab ships in public/data/ (built by scripts/build-data.ts; each folder has a
 * README: source, licence, how it was built, counts), and how the paper's figures use them. The app
 * fetches `data/<file>`; the CLI reads them as `builtin:<name>`.
 */
import type { ExampleSet } from '../types.ts';

export interface BuiltinDataset {
  name: string;
  /** Under public/data/. */
  file: string;
  description: string;
  /** The paper's figure it reproduces. */
  figure: 3 | 5 | 7;
  filter?: ExampleSet['filter'];
}

const capitals = (file: string) => `capitals/${file}`;
const colored = (file: string) => `colored-objects/${file}`;
const random = (file: string) => `random-contexts/${file}`;

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {
    name: 'world-capitals',
    file: capitals('world-capitals.jsonl'),
    description: "The paper's 248 countries and territories, one-shot Q/A (abstractive)",
    figure: 3,
  },
  {
    name: 'world-capitals-extractive',
    file: capitals('world-capitals-extractive.jsonl'),
    description: 'world-capitals with "The capital of A is B. The capital of C is D." before it (extractive)',
    figure: 7,
  },
  {
    name: 'us-state-capitals',
    file: capitals('us-state-capitals.jsonl'),
    description: 'The 50 US states, one-shot Q/A like world-capitals',
    figure: 3,
  },
  {
    name: 'colored-objects',
    file: colored('colored-objects.jsonl'),
    description: 'BIG-bench colored-objects format, one-shot, in-context answer capitalised (abstractive)',
    figure: 3,
  },
  {
    name: 'colored-objects-extractive',
    file: colored('colored-objects-extractive.jsonl'),
    description: 'colored-objects with the in-context answer in lower case (extractive)',
    figure: 7,
  },
  {
    name: 'past-tense',
    file: 'past-tense/past-tense.jsonl',
    description: 'Regular and irregular verbs, one-shot "Today I abandon. Yesterday I abandoned. ..."',
    figure: 3,
    filter: 'distinct-first-token',
  },
  {
    name: 'random-world-capitals',
    file: random('world-capitals.jsonl'),
    description: 'Countries in random-token contexts (o_city, in domain)',
    figure: 5,
  },
  {
    name: 'random-us-states',
    file: random('us-states.jsonl'),
    description: 'US states in random-token contexts (o_city, out of domain)',
    figure: 5,
  },
  {
    name: 'random-colors',
    file: random('colors.jsonl'),
    description: "colored-objects' answers in random-token contexts (o_upper, in domain)",
    figure: 5,
  },
  {
    name: 'random-words',
    file: random('words.jsonl'),
    description: '100 non-colour words in random-token contexts (o_upper, out of domain)',
    figure: 5,
  },
  {
    name: 'random-regular-verbs',
    file: random('regular-verbs.jsonl'),
    description: 'Regular verbs in random-token contexts (o_past, in domain)',
    figure: 5,
    filter: 'distinct-first-token',
  },
  {
    name: 'random-irregular-verbs',
    file: random('irregular-verbs.jsonl'),
    description: '128 irregular verbs in random-token contexts (o_past, out of domain)',
    figure: 5,
    filter: 'distinct-first-token',
  },
];

export function builtinDataset(name: string): BuiltinDataset | undefined {
  return BUILTIN_DATASETS.find((d) => d.name === name);
}

/** Figure 5's panels: an o-vector (a file under public/vectors/), its in- and out-of-domain data. */
export const FIGURE5_TASKS = [
  {
    task: 'capitals',
    vector: 'paper/city_capital_o19_gpt2-medium.npy',
    inDomain: 'random-world-capitals',
    outOfDomain: 'random-us-states',
  },
  {
    task: 'uppercasing',
    vector: 'paper/uppercase_o19_gpt2-medium.npy',
    inDomain: 'random-colors',
    outOfDomain: 'random-words',
  },
  {
    task: 'past tense',
    vector: 'paper/regular_past_o18_gpt2-medium.npy',
    inDomain: 'random-regular-verbs',
    outOfDomain: 'random-irregular-verbs',
  },
] as const;

/** Figure 7's pairs: the same task abstractive and extractive. */
export const FIGURE7_PAIRS = [
  { task: 'colored objects', abstractive: 'colored-objects', extractive: 'colored-objects-extractive' },
  { task: 'world capitals', abstractive: 'world-capitals', extractive: 'world-capitals-extractive' },
] as const;
