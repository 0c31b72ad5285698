/**
 * The tokens the rank plot follows: proposals from a lens run (answer = final top-1, argument = the
 * prompt token ranking best in the middle layers) unless the user pinned one. Pure.
 */

import type { StateResult, Token } from '../../workers/engine/types.ts';
import {
  argumentCandidates,
  candidateRanks,
  detectStages,
  proposeAnswer,
  proposeArgument,
  type Stages,
  traceFromStates,
} from '../analysis/stages.ts';
import type { TrackedTokens } from '../domain.ts';

/** Candidates tracked in the control run: enough for any real prompt, bounded for the lens's [N, K] ranks. */
export const MAX_CANDIDATES = 64;

/** A token the user typed; text is filled once known (a link carries ids only). */
export interface PinnedToken {
  id: number;
  text?: string;
}

export interface Pins {
  argument?: PinnedToken;
  answer?: PinnedToken;
}

export function candidatesFor(ids: readonly number[]): number[] {
  return argumentCandidates(ids).slice(0, MAX_CANDIDATES);
}

/** What the control run tracks: the candidates and the pinned tokens, each once. */
export function trackList(candidates: readonly number[], pins: Pins): number[] {
  const out = [...candidates];
  for (const pin of [pins.argument, pins.answer]) if (pin && !out.includes(pin.id)) out.push(pin.id);
  return out;
}

/** A token's text from the run: a tracked entry, a top-k entry, or a prompt token. */
export function tokenTextIn(states: readonly StateResult[], tokens: readonly Token[], id: number): string {
  for (const st of states) {
    const hit = st.tracked.find((t) => t.id === id) ?? st.top.find((t) => t.id === id);
    if (hit) return hit.token;
  }
  return tokens.find((t) => t.id === id)?.text ?? `#${id}`;
}

/**
 * The argument and answer for `states` (the last position, state order). Pins win; the argument is
 * never the answer unless pinned so.
 */
export function chooseTracked(
  states: readonly StateResult[],
  tokens: readonly Token[],
  candidates: readonly number[],
  pins: Pins,
  nLayer: number,
): TrackedTokens {
  const answerId = pins.answer?.id ?? proposeAnswer(states);
  const argumentId =
    pins.argument?.id ??
    proposeArgument(candidateRanks(states, candidates), nLayer, {
      exclude: answerId === null ? [] : [answerId],
    });
  const out: TrackedTokens = {};
  if (argumentId !== null && argumentId !== undefined)
    out.argument = {
      id: argumentId,
      text: tokenTextIn(states, tokens, argumentId),
      proposed: !pins.argument,
    };
  if (answerId !== null && answerId !== undefined)
    out.answer = { id: answerId, text: tokenTextIn(states, tokens, answerId), proposed: !pins.answer };
  return out;
}

/** Stages of the last position's trace, when both tokens are known and every state arrived. */
export function stagesFor(
  states: readonly StateResult[],
  tracked: TrackedTokens,
  nLayer: number,
): Stages | undefined {
  if (!tracked.argument || !tracked.answer || states.length !== 2 * nLayer + 1) return undefined;
  return detectStages(traceFromStates(states, tracked.argument.id, tracked.answer.id), nLayer);
}

/** Default name of a captured vector: "o: Poland→Warsaw FFN 19", else "FFN 19 · <last 3 tokens>". */
export function defaultVectorName(
  block: number,
  kind: 'ffn' | 'attn',
  tracked: TrackedTokens,
  tokens: readonly Token[],
): string {
  const sub = kind === 'ffn' ? 'FFN' : 'attn';
  const arg = tracked.argument?.text.trim();
  const ans = tracked.answer?.text.trim();
  if (arg && ans && arg !== ans) return `o: ${arg}→${ans} ${sub} ${block}`;
  const tail = tokens
    .slice(-3)
    .map((t) => t.text)
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return tail ? `${sub} ${block} · ${tail}` : `${sub} ${block}`;
}
