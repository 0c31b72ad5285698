/**
 * Out-of-domain sets chosen with GPT-2's tokenizer: 100 non-colour nouns for o_upper (compromise's
 * lexicon entries tagged Singular), and 128 irregular verbs for o_past. Both are seeded samples, kept
 * alphabetical.
 */
import nlp from 'compromise';
import type { TextTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { sampleExamples } from '../../workers/experiments/blockSweep.ts';
import { COLORS, capitalize } from './coloredObjects.ts';
import type { VerbPair } from './verbs.ts';

const singleToken = (tokenizer: TextTokenizer, text: string): boolean => tokenizer.encode(text).length === 1;
const firstToken = (tokenizer: TextTokenizer, text: string): number => tokenizer.encode(text)[0]!;

/**
 * `count` lower-case nouns of 3-8 letters, no colour, where " word" and " Word" are each one GPT-2
 * token (a split word is a different task: the paper's " Crouch" -> " C" + "rouch").
 */
export function nonColorWords(tokenizer: TextTokenizer, count: number, seed: number): string[] {
  const lexicon = (nlp.model() as unknown as { one: { lexicon: Record<string, unknown> } }).one.lexicon;
  const colors = new Set<string>(COLORS);
  const candidates = Object.entries(lexicon)
    .filter(([word, tag]) => tag === 'Singular' && /^[a-z]{3,8}$/.test(word) && !colors.has(word))
    .map(([word]) => word)
    .filter((w) => singleToken(tokenizer, ` ${w}`) && singleToken(tokenizer, ` ${capitalize(w)}`))
    .sort();
  return sampleExamples(candidates, count, seed);
}

/**
 * `count` irregular verbs whose present and past start with different GPT-2 tokens (the paper's filter,
 * here at build time so that the set has its full size on the GPT-2 family).
 */
export function outOfDomainIrregularVerbs(
  tokenizer: TextTokenizer,
  verbs: readonly VerbPair[],
  count: number,
  seed: number,
): VerbPair[] {
  const distinct = verbs.filter(
    (v) => firstToken(tokenizer, ` ${v.present}`) !== firstToken(tokenizer, ` ${v.past}`),
  );
  if (distinct.length < count)
    throw new Error(`only ${distinct.length} irregular verbs pass the token filter`);
  return sampleExamples(distinct, count, seed);
}
