/**
 * One engine run for a batch of examples: every residual state of the last position decoded, the
 * answer and argument tokens tracked per prompt, top-1 only (all an experiment reads besides ranks).
 */
import type { InterventionSpec, PromptResult } from '../engine/types.ts';
import type { ExperimentEngine, PreparedExample, TokenRef } from './types.ts';

/** What an experiment reads from one prompt's run. */
export interface ExampleTrace {
  /** Rank of the answer token per state (state order: embeddings, then attn and block per block). */
  answerRanks: number[];
  /** Rank of the argument token per state; null when the example names no argument. */
  argumentRanks: number[] | null;
  /** The final state's top-1 token: the model's prediction. */
  top1: TokenRef;
}

export async function traceBatch(
  engine: ExperimentEngine,
  batch: readonly PreparedExample[],
  intervention: InterventionSpec | undefined,
  signal: AbortSignal | undefined,
): Promise<ExampleTrace[]> {
  if (batch.length === 0) return [];
  const result = await engine.run(
    {
      prompts: batch.map((e) => e.ids),
      track: batch.map((e) => (e.argument ? [e.answer.id, e.argument.id] : [e.answer.id])),
      topK: 1,
      positions: 'last',
      ...(intervention ? { intervention } : {}),
    },
    signal ? { signal } : {},
  );
  return result.prompts.map((prompt, i) => traceOf(prompt, batch[i]!));
}

function traceOf(prompt: PromptResult, example: PreparedExample): ExampleTrace {
  const rankOf = (id: number): number[] =>
    prompt.states.map((state) => {
      const entry = state.tracked.find((t) => t.id === id);
      if (!entry) throw new Error(`the engine did not return the rank of token ${id}`);
      return entry.rank;
    });
  const top = prompt.states[prompt.states.length - 1]!.top[0]!;
  return {
    answerRanks: rankOf(example.answer.id),
    argumentRanks: example.argument ? rankOf(example.argument.id) : null,
    top1: { id: top.id, token: top.token },
  };
}
