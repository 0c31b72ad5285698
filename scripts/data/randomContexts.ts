/**
 * Figure 5's contexts with no task cue: three random tokens (with leading spaces), then the argument,
 * repeated, so that the model predicts the argument next and an o-vector can act on it:
 *
 *   "table mug free China table mug free China table mug free"   argument " China", answer " Beijing"
 *
 * The tokens are drawn (seeded) from GPT-2's vocabulary: the tokens that are a space and three or more
 * lower-case letters, never one equal to the argument or the answer.
 */
import { seededRandom } from '../../models/fixtures.ts';
import type { TextTokenizer } from '../../models/tokenizer/tokenizer.ts';
import type { Example } from '../../workers/experiments/types.ts';

export interface ArgumentAnswer {
  id: string | number;
  /** As it appears after a space: "China". */
  argument: string;
  answer: string;
}

/** The words random tokens are drawn from, in vocabulary order. */
export function randomTokenPool(tokenizer: TextTokenizer): string[] {
  const pool: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const text = tokenizer.tokenText(id);
    if (/^ [a-z]{3,}$/.test(text)) pool.push(text.slice(1));
  }
  return pool;
}

export function randomContexts(
  pairs: readonly ArgumentAnswer[],
  pool: readonly string[],
  seed: number,
): Example[] {
  const random = seededRandom(seed);
  return pairs.map((pair) => {
    const avoid = new Set([pair.argument.toLowerCase(), pair.answer.toLowerCase()]);
    const words: string[] = [];
    while (words.length < 3) {
      const word = pool[Math.floor(random() * pool.length)]!;
      if (!avoid.has(word) && !words.includes(word)) words.push(word);
    }
    const cue = words.join(' ');
    return {
      id: pair.id,
      prompt: `${cue} ${pair.argument} ${cue} ${pair.argument} ${cue}`,
      answer: ` ${pair.answer}`,
      argument: ` ${pair.argument}`,
    };
  });
}
