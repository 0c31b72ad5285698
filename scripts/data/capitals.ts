/**
 * World capitals (the authors' 248 rows, from the project's attributed copy of world_capitals.csv) and
 * the 50 US states, as one-shot Q/A prompts (the paper's Section 2.2 format) and the extractive variant
 * of Figure 6 ("The capital of A is B. The capital of C is D." before the one-shot prompt).
 */
import { csvParse } from 'd3';
import { buildFromTemplate, type OneShotTemplate } from '../../workers/experiments/data/template.ts';
import type { Example } from '../../workers/experiments/types.ts';

export interface CapitalPair {
  place: string;
  capital: string;
}

/** The place's name, or "Bolivia (Sucre)" where a place has two capitals: ids must be unique. */
export function capitalIds(pairs: readonly CapitalPair[]): string[] {
  const count = new Map<string, number>();
  for (const { place } of pairs) count.set(place, (count.get(place) ?? 0) + 1);
  return pairs.map(({ place, capital }) => (count.get(place)! > 1 ? `${place} (${capital})` : place));
}

const TEMPLATE = 'Q: What is the capital of {argument}?\nA: {answer}';
/** The paper's worked example; France itself gets Poland as its shot. */
const SHOT = { argument: 'France', answer: 'Paris' };
const SHOT_FOR_FRANCE = { argument: 'Poland', answer: 'Warsaw' };

export function readWorldCapitalsCsv(text: string): CapitalPair[] {
  const rows = csvParse(text);
  for (const column of ['country', 'capital']) {
    if (!rows.columns.includes(column)) throw new Error(`world_capitals.csv: no "${column}" column`);
  }
  return rows.map((row) => ({ place: row.country!, capital: row.capital! }));
}

function shotFor(pair: CapitalPair): OneShotTemplate['shot'] {
  return pair.place === SHOT.argument ? SHOT_FOR_FRANCE : SHOT;
}

/** One-shot prompts; `extractive` puts both facts in the context first. Ids: capitalIds. */
export function capitalExamples(pairs: readonly CapitalPair[], extractive = false): Example[] {
  const ids = capitalIds(pairs);
  return pairs.map((pair, i) => {
    const shot = shotFor(pair);
    const prefix = extractive
      ? `The capital of ${shot.argument} is ${shot.answer}. The capital of ${pair.place} is ${pair.capital}.\n`
      : '';
    const { examples } = buildFromTemplate({ template: TEMPLATE, shot, ...(prefix ? { prefix } : {}) }, [
      { argument: pair.place, answer: pair.capital, id: ids[i]! },
    ]);
    return examples[0]!;
  });
}

/** The 50 states and their capitals (public facts), in alphabetical order of the state. */
export const US_STATE_CAPITALS: readonly CapitalPair[] = [
  ['Alabama', 'Montgomery'],
  ['Alaska', 'Juneau'],
  ['Arizona', 'Phoenix'],
  ['Arkansas', 'Little Rock'],
  ['California', 'Sacramento'],
  ['Colorado', 'Denver'],
  ['Connecticut', 'Hartford'],
  ['Delaware', 'Dover'],
  ['Florida', 'Tallahassee'],
  ['Georgia', 'Atlanta'],
  ['Hawaii', 'Honolulu'],
  ['Idaho', 'Boise'],
  ['Illinois', 'Springfield'],
  ['Indiana', 'Indianapolis'],
  ['Iowa', 'Des Moines'],
  ['Kansas', 'Topeka'],
  ['Kentucky', 'Frankfort'],
  ['Louisiana', 'Baton Rouge'],
  ['Maine', 'Augusta'],
  ['Maryland', 'Annapolis'],
  ['Massachusetts', 'Boston'],
  ['Michigan', 'Lansing'],
  ['Minnesota', 'Saint Paul'],
  ['Mississippi', 'Jackson'],
  ['Missouri', 'Jefferson City'],
  ['Montana', 'Helena'],
  ['Nebraska', 'Lincoln'],
  ['Nevada', 'Carson City'],
  ['New Hampshire', 'Concord'],
  ['New Jersey', 'Trenton'],
  ['New Mexico', 'Santa Fe'],
  ['New York', 'Albany'],
  ['North Carolina', 'Raleigh'],
  ['North Dakota', 'Bismarck'],
  ['Ohio', 'Columbus'],
  ['Oklahoma', 'Oklahoma City'],
  ['Oregon', 'Salem'],
  ['Pennsylvania', 'Harrisburg'],
  ['Rhode Island', 'Providence'],
  ['South Carolina', 'Columbia'],
  ['South Dakota', 'Pierre'],
  ['Tennessee', 'Nashville'],
  ['Texas', 'Austin'],
  ['Utah', 'Salt Lake City'],
  ['Vermont', 'Montpelier'],
  ['Virginia', 'Richmond'],
  ['Washington', 'Olympia'],
  ['West Virginia', 'Charleston'],
  ['Wisconsin', 'Madison'],
  ['Wyoming', 'Cheyenne'],
].map(([place, capital]) => ({ place: place!, capital: capital! }));
