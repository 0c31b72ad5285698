/**
 * What the run controller computes: the control run and the intervened run of one input, each ONE
 * engine run that decodes the last position first (rank plot, top-k, proposals) and then the rest of
 * the heatmap. Progress goes to a RunStream as it comes; the outcome is everything the store shows.
 * No store access here: runController.ts decides when these run and where their results go.
 */
import { CodedError, type WorkerRunResult } from '../../workers/api.ts';
import type { StateResult, Token } from '../../workers/engine/types.ts';
import type { Interventions, LensGrid, TrackedTokens, VectorEntry } from '../domain.ts';
import type { EngineClient } from '../engineClient.ts';
import { gridFromResult } from './grid.ts';
import { interventionKey, toInterventionSpec } from './interventionSpec.ts';
import type { HeldCapture, LastPositionView } from './runSlice.ts';
import { candidatesFor, chooseTracked, type Pins, stagesFor, trackList } from './tracking.ts';
import { type LensState, toAppError } from './types.ts';

/** What a run depends on, fixed when it starts: the same input gives the same outcome. */
export interface RunInput {
  generation: number;
  nLayer: number;
  nEmbd: number;
  prompt: string;
  pins: Pins;
  interventions: Interventions;
  vectors: readonly VectorEntry[];
}

type InputState = Pick<
  LensState,
  'modelGeneration' | 'prompt' | 'pins' | 'interventions' | 'vectors' | 'rerunNonce'
>;

export function runInputOf(s: InputState, info: { nLayer: number; nEmbd: number }): RunInput {
  const { modelGeneration: generation, prompt, pins, interventions, vectors } = s;
  return { generation, nLayer: info.nLayer, nEmbd: info.nEmbd, prompt, pins, interventions, vectors };
}

type KeyState = Pick<LensState, 'modelGeneration' | 'prompt' | 'pins' | 'rerunNonce'>;

/** The control run's key: what its outcome depends on (the same key, the same outcome). */
export function controlKeyOf(s: KeyState): string {
  return JSON.stringify([
    s.modelGeneration,
    s.prompt,
    s.pins.argument?.id ?? null,
    s.pins.answer?.id ?? null,
    s.rerunNonce,
  ]);
}

export function intervenedKeyOf(s: Pick<LensState, 'interventions' | 'vectors'>, controlKey: string): string {
  return `${controlKey}|${interventionKey(s.interventions, s.vectors)}`;
}

/** A finished control run: everything it sets in the store. */
export interface ControlOutcome extends LastPositionView {
  ids: number[];
  tokens: Token[];
  grid: LensGrid;
  result: WorkerRunResult;
  capture: HeldCapture | undefined;
}

/** What the intervened run needs of the control run: known once its last position is decoded. */
export type ControlBasis = Pick<ControlOutcome, 'ids' | 'tokens' | 'tracked'>;

/** A finished intervened run; no view when no slot applies (the control is all there is). */
export interface IntervenedOutcome {
  skipped: string[];
  view?: { grid: LensGrid; result: WorkerRunResult };
}

/**
 * A run's progress as it comes: its tokens (and more) once known, heatmap rows, and once the last
 * position is complete what it tells (the control run's proposals; nothing more for the intervened).
 */
export interface RunStream<B, H> {
  start(begin: B): void;
  rows(states: StateResult[]): void;
  lastPosition(head: H): void;
}

export type ControlBegin = { tokens: Token[] };
export type IntervenedBegin = { tokens: Token[]; skipped: string[] };
export type ControlStream = RunStream<ControlBegin, LastPositionView>;
export type IntervenedStream = RunStream<IntervenedBegin, null>;

/** What the compute functions need from the controller. */
export interface RunEngine {
  client: EngineClient;
  topK: number;
  statesPerChunk: number;
  noteFallback(result: WorkerRunResult): void;
}

/** Coded like the engine's own cancellation, so every follower treats both alike. */
export class Cancelled extends CodedError<'cancelled'> {
  constructor(message: string) {
    super(message, 'cancelled');
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled('the run was cancelled');
}

export const isCancel = (error: unknown, signal: AbortSignal): boolean =>
  signal.aborted || toAppError(error).code === 'cancelled';

/**
 * Chunks of one run, passed on unless it was aborted (the worker may still send one); `onLast` gets
 * the last position's 2L+1 states once they are all in (the engine sends them first).
 */
function chunkHandler(
  signal: AbortSignal,
  lastPosition: number,
  nLayer: number,
  rows: (states: StateResult[]) => void,
  onLast: (states: StateResult[]) => void,
): (states: StateResult[]) => void {
  const last: StateResult[] = [];
  let missing = 2 * nLayer + 1;
  return (states) => {
    if (signal.aborted) return;
    rows(states);
    if (missing === 0) return;
    for (const st of states) {
      if (st.position !== lastPosition || last[st.index]) continue;
      last[st.index] = st;
      missing--;
    }
    if (missing === 0) onLast(last);
  };
}

/** The proposals of a control run's last position: argument candidates, tracked tokens, stages. */
function lastPositionView(
  states: readonly StateResult[],
  tokens: readonly Token[],
  candidates: number[],
  pins: Pins,
  nLayer: number,
): LastPositionView {
  const tracked: TrackedTokens = chooseTracked(states, tokens, candidates, pins, nLayer);
  return { candidates, tracked, stages: stagesFor(states, tracked, nLayer) };
}

/**
 * The control run of `input`, one engine run over every position: the last position first with the
 * argument candidates and the model's prediction tracked there (unless the answer is pinned), the
 * pinned tokens tracked everywhere; rows to `stream` as they come. Throws when aborted or on an
 * engine error.
 */
export async function computeControl(
  engine: RunEngine,
  input: RunInput,
  signal: AbortSignal,
  stream?: ControlStream,
): Promise<ControlOutcome> {
  const { client, topK, statesPerChunk } = engine;
  const { nLayer, prompt, pins, generation } = input;
  const tokens = await client.tokenize(prompt);
  throwIfAborted(signal);
  const ids = tokens.map((t) => t.id);
  const candidates = candidatesFor(ids);
  stream?.start({ tokens });
  const onChunk = chunkHandler(
    signal,
    ids.length - 1,
    nLayer,
    (states) => stream?.rows(states),
    (last) => stream?.lastPosition(lastPositionView(last, tokens, candidates, pins, nLayer)),
  );
  const result = await client.run(
    {
      prompts: [ids],
      // the candidates at the last position only: the lens counts ranks as [rows, tracked, vocab]
      track: trackList([], pins),
      trackAtLast: candidates,
      trackPrediction: !pins.answer,
      topK,
      positions: 'all',
      lastPositionFirst: true,
      statesPerChunk,
      capture: true,
      reuseTrunk: true,
    },
    { signal, onChunk },
  );
  engine.noteFallback(result);
  throwIfAborted(signal);
  const { capture, ...prompt0 } = result.prompts[0]!;
  return {
    ids,
    tokens,
    ...lastPositionView(prompt0.states, tokens, candidates, pins, nLayer),
    grid: gridFromResult(result, nLayer),
    // the capture stays out of the result: the store holds it
    result: { ...result, prompts: [prompt0] },
    capture: capture ? { prompt, generation, tokens, ...capture } : undefined,
  };
}

/**
 * The intervened run of `input` on the control's tokens, tracking its argument and answer, last
 * position first. `control` resolves once the control's last position is known (its heatmap may still
 * be coming); resolving null (the control failed or was cancelled) cancels this one.
 */
export async function computeIntervened(
  engine: RunEngine,
  input: RunInput,
  control: Promise<ControlBasis | null>,
  signal: AbortSignal,
  stream?: IntervenedStream,
): Promise<IntervenedOutcome> {
  const { client, topK, statesPerChunk } = engine;
  const { nLayer, nEmbd } = input;
  const { spec, skipped } = toInterventionSpec(input.interventions, input.vectors, nEmbd, nLayer);
  const outcome = await control;
  if (!outcome) throw new Cancelled('the control run did not finish');
  throwIfAborted(signal);
  if (!spec) return { skipped };
  stream?.start({ tokens: outcome.tokens, skipped });
  const ids = [outcome.tracked.argument?.id, outcome.tracked.answer?.id].filter(
    (id): id is number => id !== undefined,
  );
  const result = await client.run(
    {
      prompts: [outcome.ids],
      track: [...new Set(ids)],
      topK,
      positions: 'all',
      lastPositionFirst: true,
      statesPerChunk,
      intervention: spec,
      reuseTrunk: true,
    },
    {
      signal,
      onChunk: chunkHandler(
        signal,
        outcome.ids.length - 1,
        nLayer,
        (states) => stream?.rows(states),
        () => stream?.lastPosition(null),
      ),
    },
  );
  engine.noteFallback(result);
  throwIfAborted(signal);
  return { skipped, view: { grid: gridFromResult(result, nLayer), result } };
}
