/**
 * The lens half of a run: which residual rows (state x position x prompt) go into which lens run,
 * with which tokens tracked, and in what order they are delivered. The trunk (engine.ts) has already
 * run; this module only reads its residual states and calls the lens session.
 */
import type { ResidualState } from '../../models/arch/spec.ts';
import { LENS } from '../../models/gpt2/graph.ts';
import type { InferenceSession, OrtRuntime } from './ortRuntime.ts';
import type { ModelShape } from './preparedModel.ts';
import { EngineError, type LensRequest, type StateResult, type TopEntry } from './types.ts';

/** Rows per lens run: bounds the [rows, vocab] logits. */
const MAX_LENS_ROWS = 256;
/**
 * Rows x tracked tokens per lens run: the rank count holds a [rows, tracked, vocab] tensor (1024 x
 * 50,257 floats is 206 MB), which must stay small beside a model in wasm's 4 GiB heap.
 */
const MAX_RANK_PAIRS = 1024;
export const DEFAULT_TOP_K = 10;

/** One trunk run's output, for the prompts of one batch. */
export interface TrunkOutput {
  residual: Float32Array; // [B, S, P, d]
  ffnOut: Float32Array; // [B, L, d]
  attnOut: Float32Array;
  batch: number;
  positions: number;
  lengths: number[];
}

/** What a request asks of the lens, validated. */
export interface DecodeOptions {
  topK: number;
  allPositions: boolean;
  lastPositionFirst: boolean;
  trackPrediction: boolean;
  statesPerChunk: number | undefined;
  /** Tracked at every position, per prompt of the request. */
  track: number[][];
  /** Tracked at the last position only, after `track`, per prompt. */
  trackAtLast: number[][];
}

/** Runs `work` when the sessions are free (see sessionQueue.ts). */
export type Hold = <T>(work: () => Promise<T>) => Promise<T>;

export interface DecodeCallbacks {
  onState?: (state: StateResult) => void;
  onChunk?: (states: StateResult[]) => void;
  signal?: AbortSignal;
}

/** One lens row: residual state `s` of batch prompt `b` at `p` (its position; 0 in a last-only run). */
export interface Row {
  s: number;
  b: number;
  p: number;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('the run was cancelled', 'cancelled');
}

export function decodeOptions(request: LensRequest, config: Pick<ModelShape, 'vocabSize'>): DecodeOptions {
  const topK = request.topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(topK) || topK < 1 || topK > config.vocabSize) {
    throw new EngineError(`top-k must be an integer from 1 to ${config.vocabSize}`, 'bad-request');
  }
  if (request.positions !== undefined && request.positions !== 'last' && request.positions !== 'all') {
    throw new EngineError(`positions must be "last" or "all"`, 'bad-request');
  }
  const allPositions = request.positions === 'all';
  const lastPositionFirst = request.lastPositionFirst === true;
  const trackPrediction = request.trackPrediction === true;
  const atLastOnly = trackPrediction || (request.trackAtLast?.length ?? 0) > 0;
  if (allPositions && atLastOnly && !lastPositionFirst) {
    // mixed into every chunk, the last position's extra tokens would be ranked at every position
    throw new EngineError(
      'trackAtLast and trackPrediction need lastPositionFirst with positions "all"',
      'bad-request',
    );
  }
  const lists = (track: LensRequest['track'], what: string): number[][] =>
    request.prompts.map((_, i) => trackListFor(track, i, config.vocabSize, what));
  return {
    topK,
    allPositions,
    lastPositionFirst,
    trackPrediction,
    statesPerChunk: request.statesPerChunk,
    track: lists(request.track, 'tracked'),
    trackAtLast: lists(request.trackAtLast, 'trackAtLast'),
  };
}

function trackListFor(track: LensRequest['track'], index: number, vocabSize: number, what: string): number[] {
  if (!track || track.length === 0) return [];
  const list = Array.isArray(track[0]) ? ((track as number[][])[index] ?? []) : (track as number[]);
  for (const id of list) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineError(
        `${what} token id ${id} is outside the vocabulary (0-${vocabSize - 1})`,
        'bad-token',
      );
    }
  }
  return list;
}

/** `list` followed by the ids of `extra` it lacks, each once. */
function withExtra(list: readonly number[], extra: readonly number[]): number[] {
  const out = [...list];
  for (const id of extra) if (!out.includes(id)) out.push(id);
  return out;
}

/** The lens session: ln_f, the unembedding, top-k, tracked ranks and probabilities, entropy. */
export class Lens {
  constructor(
    private readonly ort: OrtRuntime,
    private readonly session: InferenceSession,
    private readonly config: Pick<ModelShape, 'nEmbd' | 'states'>,
    private readonly tokenText: (id: number) => string,
  ) {}

  /** One lens run over `vectors` (d_model each), `tracked[n]` followed in row n. */
  async run(
    vectors: Float32Array[],
    tracked: readonly (readonly number[])[],
    topK: number,
  ): Promise<Array<Pick<StateResult, 'top' | 'tracked' | 'entropy'>>> {
    const { Tensor } = this.ort;
    const d = this.config.nEmbd;
    const N = vectors.length;
    const K = Math.max(1, ...tracked.map((t) => t.length));
    const residual = new Float32Array(N * d);
    const trackedIds = new BigInt64Array(N * K);
    vectors.forEach((v, n) => {
      residual.set(v, n * d);
      tracked[n]!.forEach((id, k) => {
        trackedIds[n * K + k] = BigInt(id);
      });
    });
    const out = await this.session.run({
      [LENS.residual]: new Tensor('float32', residual, [N, d]),
      [LENS.trackedIds]: new Tensor('int64', trackedIds, [N, K]),
      [LENS.topK]: new Tensor('int64', BigInt64Array.from([BigInt(topK)]), [1]),
    });
    const topIds = out[LENS.topIds]!.data as BigInt64Array;
    const topProb = out[LENS.topProb]!.data as Float32Array;
    const rank = out[LENS.trackedRank]!.data as Float32Array;
    const trackedProb = out[LENS.trackedProb]!.data as Float32Array;
    const entropy = out[LENS.entropy]!.data as Float32Array;
    return vectors.map((_, n) => {
      const top: TopEntry[] = [];
      for (let j = 0; j < topK; j++) {
        const id = Number(topIds[n * topK + j]!);
        top.push({ id, token: this.tokenText(id), prob: topProb[n * topK + j]! });
      }
      return {
        top,
        tracked: tracked[n]!.map((id, k) => ({
          id,
          token: this.tokenText(id),
          rank: rank[n * K + k]!,
          prob: trackedProb[n * K + k]!,
        })),
        entropy: entropy[n]!,
      };
    });
  }

  /** Row `row`'s residual state; a last-position run may read a cached every-position trunk. */
  residualOf(trunk: TrunkOutput, { s, b, p }: Row, allPositions: boolean): Float32Array {
    const d = this.config.nEmbd;
    const S = this.config.states.length;
    const P = trunk.positions;
    const at = allPositions || P === 1 ? p : trunk.lengths[b]! - 1;
    const from = ((b * S + s) * P + at) * d;
    return trunk.residual.subarray(from, from + d);
  }
}

/**
 * One trunk batch's decoding, in two parts: first() decodes each prompt's last position (and the
 * prediction, when tracked), or everything unless lastPositionFirst; rest() the other positions, each
 * lens run under `hold`, so that other runs' first parts may go between them. out[b][p][s], p
 * indexing positions (0 only in a last-position run). Each lens run's states go to onChunk (and the
 * last position's to onState) as soon as it is done.
 */
export class BatchDecoding {
  readonly out: StateResult[][][];
  /** Time spent in lens runs. */
  lensMs = 0;
  private readonly S: number;
  private atLast: number[][];

  constructor(
    private readonly lens: Lens,
    private readonly states: readonly ResidualState[],
    private readonly trunk: TrunkOutput,
    private readonly batch: readonly number[],
    private readonly options: DecodeOptions,
    private readonly callbacks: DecodeCallbacks,
  ) {
    this.S = states.length;
    this.out = batch.map((_, b) =>
      Array.from({ length: this.lastOf(b) + 1 }, () => new Array<StateResult>(this.S)),
    );
    this.atLast = batch.map((i) => withExtra(options.track[i]!, options.trackAtLast[i]!));
  }

  async first(): Promise<void> {
    const { allPositions, lastPositionFirst, trackPrediction } = this.options;
    if (trackPrediction) {
      // the prediction is the final state's top-1: decode that state alone first, then track it
      throwIfAborted(this.callbacks.signal);
      const finals = this.batch.map((_, b) =>
        this.lens.residualOf(this.trunk, { s: this.S - 1, b, p: this.lastOf(b) }, allPositions),
      );
      const decoded = await this.timed(
        this.lens.run(
          finals,
          this.batch.map(() => []),
          1,
        ),
      );
      this.atLast = this.atLast.map((list, b) => withExtra(list, [decoded[b]!.top[0]!.id]));
    }
    const direct: Hold = (work) => work();
    if (allPositions && lastPositionFirst) await this.pass(this.places(true), this.S, direct);
    else await this.pass(this.places(undefined), this.options.statesPerChunk ?? this.S, direct);
  }

  async rest(hold: Hold): Promise<void> {
    if (this.options.allPositions && this.options.lastPositionFirst)
      await this.pass(this.places(false), this.options.statesPerChunk ?? this.S, hold);
  }

  private lastOf(b: number): number {
    return this.options.allPositions ? this.trunk.lengths[b]! - 1 : 0;
  }

  private isLast(row: Row): boolean {
    return row.p === this.lastOf(row.b);
  }

  private trackedOf(row: Row): number[] {
    return this.isLast(row) ? this.atLast[row.b]! : this.options.track[this.batch[row.b]!]!;
  }

  /** [b, p] pairs: the last positions (true), the others (false), or all (undefined). */
  private places(last: boolean | undefined): Array<[number, number]> {
    return this.batch.flatMap((_, b) =>
      Array.from({ length: this.lastOf(b) + 1 }, (_, p): [number, number] => [b, p]).filter(
        ([, p]) => last === undefined || (p === this.lastOf(b)) === last,
      ),
    );
  }

  private async timed<T>(work: Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work;
    } finally {
      this.lensMs += performance.now() - start;
    }
  }

  /** Every state at `places`, state-major, statesPerChunk states per lens run, each under `hold`. */
  private async pass(places: Array<[number, number]>, statesPerChunk: number, hold: Hold): Promise<void> {
    if (places.length === 0) return;
    const { S, trunk, batch, callbacks } = this;
    const K = Math.max(1, ...places.map(([b, p]) => this.trackedOf({ s: 0, b, p }).length));
    const rowCap = Math.max(1, Math.min(MAX_LENS_ROWS, Math.floor(MAX_RANK_PAIRS / K)));
    const perChunk = Math.max(1, Math.min(statesPerChunk, Math.floor(rowCap / places.length)));
    for (let s0 = 0; s0 < S; s0 += perChunk) {
      const rows: Row[] = [];
      for (let s = s0; s < Math.min(S, s0 + perChunk); s++)
        for (const [b, p] of places) rows.push({ s, b, p });
      // a single state can still exceed the row cap (long prompts): split rows too
      for (let r0 = 0; r0 < rows.length; r0 += rowCap) {
        const chunk = rows.slice(r0, r0 + rowCap);
        const decoded = await hold(() => {
          throwIfAborted(callbacks.signal);
          return this.timed(
            this.lens.run(
              chunk.map((row) => this.lens.residualOf(trunk, row, this.options.allPositions)),
              chunk.map((row) => this.trackedOf(row)),
              this.options.topK,
            ),
          );
        });
        const states = chunk.map((row, n) => {
          const state: StateResult = {
            prompt: batch[row.b]!,
            ...this.states[row.s]!,
            position: this.options.allPositions ? row.p : trunk.lengths[row.b]! - 1,
            ...decoded[n]!,
          };
          this.out[row.b]![row.p]![row.s] = state;
          return state;
        });
        callbacks.onChunk?.(states);
        // what the views draw state by state: the last position
        for (const [n, row] of chunk.entries()) if (this.isLast(row)) callbacks.onState?.(states[n]!);
      }
    }
  }
}
