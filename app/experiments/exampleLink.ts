/**
 * Clicking an example of an experiment opens it in the single-prompt views with the same
 * intervention: its prompt, its argument and answer pinned, and the experiment's slots (the o-vector
 * on its blocks, or the ablation step's zeroed sublayers). Pure: the slice applies what this says.
 */
import type { ExampleOutcome } from '../../workers/api.ts';
import { blocksOf, type Example } from '../../workers/experiments/index.ts';
import type { Interventions, Slot } from '../domain.ts';
import type { Pins } from '../store/tracking.ts';

export interface ExampleView {
  prompt: string;
  pins: Pins;
  interventions: Interventions;
  /** Which single-prompt view goes in front: control beside intervened when there is an intervention. */
  front: 'rank' | 'compare';
}

/**
 * `vectorId`: the library vector the o-vector run used; `step`: the ablation step to show (default
 * the first that removes anything).
 */
export function exampleView(
  outcome: ExampleOutcome,
  example: Example,
  options: { vectorId?: string; step?: number } = {},
): ExampleView | undefined {
  const result = outcome.examples.find((e) => e.id === example.id);
  if (!result) return undefined;
  const pins: Pins = { answer: { id: result.answer.id, text: result.answer.token } };
  if ('argument' in result && result.argument)
    pins.argument = { id: result.argument.id, text: result.argument.token };
  let slots: Slot[] = [];
  let scope: Interventions['scope'] = 'all';
  if (outcome.experiment === 'ovector' && options.vectorId) {
    const used = outcome.settings;
    scope = used.positions;
    slots = blocksOf(used.blocks).map((block) => ({
      block,
      kind: used.sublayer,
      mode: used.mode,
      vectorId: options.vectorId,
      ...(used.mode === 'add' ? { scale: used.scale } : {}),
    }));
  } else if (outcome.experiment === 'ablate') {
    const step = Math.min(options.step ?? 1, outcome.steps.length - 1);
    const removed = outcome.steps[step]?.removed ?? [];
    slots = removed.map((block) => ({ block, kind: outcome.settings.sublayer, mode: 'zero' }));
  }
  return {
    prompt: example.prompt,
    pins,
    interventions: { scope, slots },
    front: slots.length ? 'compare' : 'rank',
  };
}
