/**
 * English verbs and their simple past, from two npm packages: compromise's lexicon (MIT) gives the
 * verbs (every entry tagged Infinitive) and conjugates the regular ones; english-verbs-irregular
 * (Apache-2.0, RosaeNLG) lists the irregular verbs and the regular verbs that double their final
 * consonant. A verb is regular when its past is the present plus -ed by the spelling rules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import nlp from 'compromise';

export interface VerbPair {
  present: string;
  past: string;
}

interface CompromiseInternals {
  one: { lexicon: Record<string, string | string[]> };
}
type Conjugate = (verb: string, model: unknown) => { PastTense?: string };

const require = createRequire(import.meta.url);

function packageJson<T>(path: string): T {
  return JSON.parse(readFileSync(require.resolve(path), 'utf8')) as T;
}

/** The irregular list: present -> [[preterit, participle], ...] (the first form is the usual one). */
function irregularForms(): Record<string, string[][]> {
  return packageJson('english-verbs-irregular/resources/irregularVerbs.json');
}

const WORD = /^[a-z]+$/;

/** -ed by the spelling rules: +ed, +d after e, y -> ied, a doubled consonant, c -> cked. */
export function isRegularPast(present: string, past: string): boolean {
  return (
    past === `${present}ed` ||
    (present.endsWith('e') && past === `${present}d`) ||
    (/[^aeiou]y$/.test(present) && past === `${present.slice(0, -1)}ied`) ||
    past === `${present}${present.at(-1)}ed` ||
    (present.endsWith('c') && past === `${present}ked`)
  );
}

/** Regular verbs, alphabetical: compromise's infinitives that are not irregular, past by its rules. */
export function regularVerbs(): VerbPair[] {
  const model = nlp.model() as unknown as CompromiseInternals;
  const conjugate = (nlp.methods() as unknown as { two: { transform: { verb: { conjugate: Conjugate } } } })
    .two.transform.verb.conjugate;
  const irregular = irregularForms();
  const doubled = new Set(packageJson<string[]>('english-verbs-irregular/resources/consonantDoubled.json'));
  const out: VerbPair[] = [];
  for (const [present, tag] of Object.entries(model.one.lexicon)) {
    if (tag !== 'Infinitive' || !WORD.test(present) || present in irregular) continue;
    const past = doubled.has(present)
      ? `${present}${present.at(-1)}ed`
      : conjugate(present, nlp.model()).PastTense;
    // compromise's guesses that break the rules (e.g. "debunk" -> "debunk") are left out
    if (past && isRegularPast(present, past)) out.push({ present, past });
  }
  return out.sort((a, b) => (a.present < b.present ? -1 : 1));
}

/** Irregular verbs, alphabetical, with their usual simple past; verbs whose usual past is -ed are left out. */
export function irregularVerbs(): VerbPair[] {
  return Object.entries(irregularForms())
    .map(([present, forms]) => ({ present, past: forms[0]![0]! }))
    .filter(({ present, past }) => WORD.test(present) && WORD.test(past) && !past.endsWith('ed'))
    .sort((a, b) => (a.present < b.present ? -1 : 1));
}
