/**
 * Examples as a model sees them: the prompt's token ids and the first token of the answer and of the
 * argument (the paper's definition: " Warsaw" is the answer's token as given, leading space included).
 * Examples that cannot run on this model, or that the data set's filter removes, are returned as
 * skipped with the reason.
 */
import type { ExampleSet, ExperimentEngine, PreparedExample, SkippedExample, TokenRef } from './types.ts';

export interface PreparedSet {
  examples: PreparedExample[];
  skipped: SkippedExample[];
}

export function prepareExamples(
  engine: Pick<ExperimentEngine, 'tokenize'>,
  set: Pick<ExampleSet, 'examples' | 'filter'>,
): PreparedSet {
  const examples: PreparedExample[] = [];
  const skipped: SkippedExample[] = [];
  for (const example of set.examples) {
    try {
      const ids = engine.tokenize(example.prompt).map((t) => t.id);
      const answer = firstToken(engine, example.answer, 'answer');
      const argument =
        example.argument === undefined ? null : firstToken(engine, example.argument, 'argument');
      if (set.filter === 'distinct-first-token' && argument && argument.id === answer.id) {
        skipped.push({
          id: example.id,
          reason: `the argument and the answer start with the same token (${JSON.stringify(answer.token)})`,
        });
        continue;
      }
      examples.push({ id: example.id, ids, answer, argument });
    } catch (error) {
      skipped.push({ id: example.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { examples, skipped };
}

/** The first token of a text under the model's tokenizer, as a continuation: never a BOS. */
export function firstToken(
  engine: Pick<ExperimentEngine, 'tokenize'>,
  text: string,
  what = 'text',
): TokenRef {
  const first = text === '' ? undefined : engine.tokenize(text, { addSpecialTokens: false })[0];
  if (!first) throw new Error(`the ${what} is empty`);
  return { id: first.id, token: first.text };
}
