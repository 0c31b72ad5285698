/**
 * The paper's processing stages (section 3) read from the lens trace of the last position:
 * argument formation (the subject, e.g. " Poland", is the top-1 token at some intermediate states),
 * function application (the answer, e.g. " Warsaw", replaces it, typically through an FFN update),
 * saturation (the answer stays top-1 to the end). Pure functions: no DOM, no React.
 *
 * Data flow in the app:
 * 1. Run the lens with `track = argumentCandidates(promptTokenIds)` (the prompt's unique token ids).
 * 2. `answer = proposeAnswer(states)` (the model's prediction) and
 *    `argument = proposeArgument(candidateRanks(states, candidates), nLayer, { exclude: [answer] })`
 *    (the user may override either).
 * 3. `trace = traceFromStates(states, argument, answer)`. Detection only needs "is it top-1", which
 *    every state's `top[0]` answers, so `detectStages(trace, nLayer)` works on the first run already; the
 *    rank plot (`xShape`) wants exact ranks of both tokens, so the app then tracks [argument, answer].
 *
 * State indices follow `describeResidualState`: 0 = embeddings, 2i+1 = after block i's attention,
 * 2i+2 = after block i (its FFN). Blocks are 0-based, as in the paper (gpt2-medium: blocks 0-23).
 */
import { describeResidualState } from '../../models/gpt2/config.ts';
import type { StateResult } from '../engine/types.ts';

/** The paper's reciprocal rank, 1 / (rank + 1): 1 for the top token; NaN stays NaN (unknown rank). */
export function reciprocalRank(rank: number): number {
  return 1 / (rank + 1);
}

/**
 * Rank of `id` in one state: the tracked entry if the token was tracked, else its place in the top-k,
 * else NaN (unknown: below the top-k, so certainly not top-1 when the state has a top-k).
 */
export function rankInState(state: StateResult, id: number): number {
  const tracked = state.tracked.find((t) => t.id === id);
  if (tracked) return tracked.rank;
  const i = state.top.findIndex((t) => t.id === id);
  return i >= 0 ? i : Number.NaN;
}

/** Rank of `id` per state, in state order (NaN where unknown). */
export function rankSeries(states: readonly StateResult[], id: number): number[] {
  return states.map((s) => rankInState(s, id));
}

export interface CandidateOptions {
  /** Ids to leave out (e.g. very common tokens such as "\n", ":", " the"). */
  exclude?: Iterable<number>;
}

/** The ids to track in the first run: the prompt's unique token ids, in first-seen order. */
export function argumentCandidates(
  promptTokenIds: readonly number[],
  options: CandidateOptions = {},
): number[] {
  const exclude = new Set(options.exclude ?? []);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const id of promptTokenIds) {
    if (seen.has(id) || exclude.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** Per-state ranks of each candidate id, for `proposeArgument`. */
export function candidateRanks(states: readonly StateResult[], ids: Iterable<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const id of ids) out.set(id, rankSeries(states, id));
  return out;
}

/**
 * The window of states where the paper sees argument formation: blocks [floor(L/3), ceil(5L/6)),
 * both the attention state and the block output of each (gpt2-medium: blocks 8-19, states 17-40).
 */
export function middleStates(nLayer: number): { from: number; to: number } {
  const first = Math.floor(nLayer / 3);
  const last = Math.max(first, Math.ceil((5 * nLayer) / 6) - 1);
  return { from: 2 * first + 1, to: 2 * last + 2 };
}

export interface ArgumentOptions {
  /** Ids that cannot be the argument (e.g. the answer, when the prompt contains it as an example). */
  exclude?: Iterable<number>;
}

/**
 * The input token that ranks best in the middle layers: highest mean reciprocal rank over
 * `middleStates(nLayer)`, ties broken by lower mean log rank, then first in the map. Reciprocal rank
 * rather than raw rank because raw ranks span 0..50k: a token that is top-1 for half the window and
 * rank 30,000 elsewhere (the argument) must beat one that sits at rank 500 throughout. Unknown (NaN)
 * ranks are skipped; null when no candidate has a known rank in the window.
 */
export function proposeArgument(
  ranks: ReadonlyMap<number, readonly number[]>,
  nLayer: number,
  options: ArgumentOptions = {},
): number | null {
  const exclude = new Set(options.exclude ?? []);
  const { from, to } = middleStates(nLayer);
  let best: { id: number; rr: number; logRank: number } | null = null;
  for (const [id, series] of ranks) {
    if (exclude.has(id)) continue;
    let rr = 0;
    let logRank = 0;
    let n = 0;
    for (let s = from; s <= to && s < series.length; s++) {
      const r = series[s];
      if (r === undefined || !Number.isFinite(r) || r < 0) continue;
      rr += reciprocalRank(r);
      logRank += Math.log1p(r);
      n++;
    }
    if (n === 0) continue;
    rr /= n;
    logRank /= n;
    if (!best || rr > best.rr || (rr === best.rr && logRank < best.logRank)) best = { id, rr, logRank };
  }
  return best ? best.id : null;
}

/** The model's answer: the final state's top-1 id (null for an empty trace). */
export function proposeAnswer(states: readonly StateResult[]): number | null {
  const last = states[states.length - 1];
  return last?.top[0]?.id ?? null;
}

export interface StageTrace {
  /** Rank of the argument token per state, in state order (NaN where unknown). */
  argumentRanks: readonly number[];
  /** Rank of the answer token per state, in state order. */
  answerRanks: readonly number[];
  /** Optional ids: when both are given and equal, there is no argument to replace. */
  argumentId?: number;
  answerId?: number;
}

/** Both tokens' ranks from the lens states. */
export function traceFromStates(
  states: readonly StateResult[],
  argumentId: number,
  answerId: number,
): StageTrace {
  return {
    argumentRanks: rankSeries(states, argumentId),
    answerRanks: rankSeries(states, answerId),
    argumentId,
    answerId,
  };
}

export interface StateRange {
  /** First and last state index, inclusive. */
  from: number;
  to: number;
}

export interface FunctionApplication {
  /** The state where the answer becomes top-1 for good (the start of saturation). */
  state: number;
  block: number;
  /** Odd state 2i+1: block i's attention; even state 2i+2: block i's FFN. */
  sublayer: 'attn' | 'ffn';
  /** The argument was top-1 in the state just before: the answer replaced it (the X). */
  replacesArgument: boolean;
}

export interface Stages {
  argumentFormation: StateRange | null;
  functionApplication: FunctionApplication | null;
  saturation: StateRange | null;
  /** The argument and answer are the same token: nothing is transformed. */
  argumentIsAnswer: boolean;
}

const isTop = (rank: number | undefined): boolean => rank === 0;

/**
 * Detects the three stages. Saturation: the answer is top-1 from some state to the last one (after a
 * flicker, from the last regain). Function application: the state that starts saturation, unless that
 * is the embeddings (then no block applied anything). Argument formation: the longest run of states
 * before function application (the whole trace without one) where the argument is top-1; of equally
 * long runs the last, the one nearest the application.
 */
export function detectStages(trace: StageTrace, nLayer: number): Stages {
  const n = 2 * nLayer + 1;
  if (!Number.isInteger(nLayer) || nLayer < 1) throw new RangeError(`nLayer must be a positive integer`);
  if (trace.answerRanks.length !== n || trace.argumentRanks.length !== n) {
    throw new RangeError(
      `a trace for ${nLayer} blocks has ${n} states (got ${trace.argumentRanks.length} argument and ` +
        `${trace.answerRanks.length} answer ranks)`,
    );
  }
  const argumentIsAnswer =
    trace.argumentId !== undefined && trace.answerId !== undefined && trace.argumentId === trace.answerId;

  let saturation: StateRange | null = null;
  if (isTop(trace.answerRanks[n - 1])) {
    let from = n - 1;
    while (from > 0 && isTop(trace.answerRanks[from - 1])) from--;
    saturation = { from, to: n - 1 };
  }

  let functionApplication: FunctionApplication | null = null;
  if (saturation && saturation.from > 0) {
    const state = saturation.from;
    const { layer, kind } = describeResidualState(state);
    functionApplication = {
      state,
      block: layer,
      sublayer: kind === 'attn' ? 'attn' : 'ffn',
      replacesArgument: !argumentIsAnswer && isTop(trace.argumentRanks[state - 1]),
    };
  }

  let argumentFormation: StateRange | null = null;
  if (!argumentIsAnswer) {
    const end = saturation ? saturation.from : n;
    let runStart = -1;
    for (let s = 0; s <= end; s++) {
      const top = s < end && isTop(trace.argumentRanks[s]);
      if (top && runStart < 0) runStart = s;
      if (!top && runStart >= 0) {
        const run = { from: runStart, to: s - 1 };
        const len = run.to - run.from;
        if (!argumentFormation || len >= argumentFormation.to - argumentFormation.from)
          argumentFormation = run;
        runStart = -1;
      }
    }
  }

  return { argumentFormation, functionApplication, saturation, argumentIsAnswer };
}

/** Block of a state for prose: -1 for the embeddings. */
const blockOf = (state: number): number => describeResidualState(state).layer;

/**
 * Whole blocks compactly ("blocks 15-18"), partial ones named: state 31..39 is
 * "blocks 15-18 and block 19's attention", state 40 alone is "block 19's output".
 */
function describeRange(range: StateRange): string {
  let lo = range.from;
  let hi = range.to;
  const parts: string[] = [];
  let tail = '';
  if (lo === 0) {
    parts.push('the embeddings');
    lo = 1;
  } else if (lo % 2 === 0) {
    parts.push(`block ${blockOf(lo)}'s output`);
    lo++;
  }
  if (hi >= lo && hi % 2 === 1) {
    tail = `block ${blockOf(hi)}'s attention`;
    hi--;
  }
  if (hi > lo) {
    const a = blockOf(lo);
    const b = blockOf(hi);
    parts.push(a === b ? `block ${a}` : `blocks ${a}-${b}`);
  }
  if (tail) parts.push(tail);
  return parts.length > 1
    ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
    : (parts[0] ?? '');
}

/**
 * One line for people, e.g. "Argument formation: blocks 15-18 · Function application: FFN of block 19
 * (replaces the argument) · Saturation: block 19 to the end".
 */
export function describeStages(stages: Stages): string {
  const parts: string[] = [];
  if (stages.argumentIsAnswer) parts.push('Argument formation: the argument is the answer');
  else if (stages.argumentFormation)
    parts.push(`Argument formation: ${describeRange(stages.argumentFormation)}`);
  else parts.push('Argument formation: not seen (the argument is never top-1 before the answer)');

  const app = stages.functionApplication;
  if (app) {
    const where = `${app.sublayer === 'ffn' ? 'FFN' : 'attention'} of block ${app.block}`;
    parts.push(`Function application: ${where}${app.replacesArgument ? ' (replaces the argument)' : ''}`);
  } else if (stages.saturation) {
    parts.push('Function application: none (the answer is top-1 from the embeddings on)');
  } else {
    parts.push('Function application: not seen (the answer is not top-1 at the end)');
  }

  const sat = stages.saturation;
  if (sat) {
    const from = sat.from === 0 ? 'the embeddings' : `block ${blockOf(sat.from)}`;
    parts.push(`Saturation: ${from} to the end`);
  } else {
    parts.push('Saturation: none');
  }
  return parts.join(' · ');
}

export interface XShapePoint {
  state: number;
  /** Position on the x axis: embeddings 0, block i's attention i + 0.5, block i's output i + 1. */
  x: number;
  /** Reciprocal ranks; null where the rank is unknown (a gap in the line). */
  argumentRR: number | null;
  answerRR: number | null;
}

/** The rank plot's points: the X of the argument falling while the answer rises. */
export function xShape(trace: Pick<StageTrace, 'argumentRanks' | 'answerRanks'>): XShapePoint[] {
  const n = Math.max(trace.argumentRanks.length, trace.answerRanks.length);
  const rr = (rank: number | undefined): number | null =>
    rank === undefined || !Number.isFinite(rank) || rank < 0 ? null : reciprocalRank(rank);
  const out: XShapePoint[] = [];
  // state s sits at s / 2: 2i+1 -> i + 0.5, 2i+2 -> i + 1
  for (let s = 0; s < n; s++) {
    out.push({
      state: s,
      x: s / 2,
      argumentRR: rr(trace.argumentRanks[s]),
      answerRR: rr(trace.answerRanks[s]),
    });
  }
  return out;
}
