/** The engine's public types: what the worker API, the CLI and the app exchange. No DOM, no ORT. */

import type { ResidualKind, ResidualState } from '../../models/arch/spec.ts';
import { CodedError, type EngineErrorCode } from '../../models/errors.ts';

export type Backend = 'webgpu' | 'wasm' | 'cpu' | 'node-webgpu';

export interface ModelInfo {
  name: string;
  /** config.json's model_type: 'gpt2', 'llama', 'qwen2', 'gpt_neox', 'mistral'. */
  modelType: string;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  /** Tokens the lens decodes (the tokenizer's; a padded embedding's extra rows are never tokens). */
  vocabSize: number;
  /**
   * The residual states the lens decodes, in order: 2L+1 for sequential blocks (embeddings, after
   * each attention, after each block), L+1 for parallel ones (no state holds "input + attention").
   */
  states?: ResidualState[];
  /** True for generated checkpoints (random weights): the interface only, no meaning. */
  randomWeights: boolean;
  parameterCount: number;
  /**
   * How the blocks' matrices are held on the device: float32 as published, or float16 (rounded once at
   * load, cast back to float32 where used) where float32 does not fit. An approximation: shown on screen.
   */
  blockWeights?: 'float32' | 'float16';
  /** Bytes of weights the sessions hold. */
  deviceWeightBytes?: number;
}

export interface Token {
  id: number;
  /** As the model sees it: leading spaces visible, byte-level pieces readable. */
  text: string;
}

export interface TopEntry {
  id: number;
  token: string;
  prob: number;
}

export interface TrackedEntry {
  id: number;
  token: string;
  /** Number of strictly larger logits: 0 = top. The paper's reciprocal rank is 1 / (rank + 1). */
  rank: number;
  prob: number;
}

export interface StateResult {
  /** Which prompt of the batch this belongs to. */
  prompt: number;
  index: number;
  layer: number;
  kind: ResidualKind;
  /** Token position decoded (the last real token unless positions = 'all'). */
  position: number;
  top: TopEntry[];
  tracked: TrackedEntry[];
  entropy: number;
}

export type InterventionMode = 'replace' | 'add' | 'zero';

export interface Intervention {
  mode: InterventionMode;
  /** Length d_model; ignored for 'zero'. */
  vector?: Float32Array | number[];
  /** For 'add' (default 1). */
  scale?: number;
}

export interface InterventionSpec {
  /** 'all': every position (the paper's setting); 'last': only the last real token. */
  positions: 'all' | 'last';
  ffn?: Record<number, Intervention>;
  attn?: Record<number, Intervention>;
}

export interface LensRequest {
  /** One or more prompts, as token ids. */
  prompts: number[][];
  /** Token ids to follow (rank, prob), the same for every prompt, or one list per prompt. */
  track?: number[] | number[][];
  /**
   * Token ids followed at each prompt's last position only, after those of `track` (ids already in
   * `track` are not repeated): e.g. a prompt's argument candidates, too costly to rank at every
   * position (the lens counts ranks as [rows, tracked, vocab]). Same shapes as `track`.
   */
  trackAtLast?: number[] | number[][];
  /**
   * Also follow, at each prompt's last position, the model's own prediction: the final state's top-1
   * there (the answer the app proposes), after `track` and `trackAtLast` unless already in them. The
   * final state is decoded once more on its own first (one row per prompt) to learn it.
   */
  trackPrediction?: boolean;
  topK?: number;
  positions?: 'last' | 'all';
  /**
   * With positions 'all': decode each prompt's last position first, all 2L+1 states in one lens run
   * (or a few, for many rows or tracked tokens), delivered through onChunk / onState before any other
   * position; then the other positions state by state in chunks of statesPerChunk. With several
   * batches of prompts (over 32), per batch. Needed with positions 'all' for trackAtLast and
   * trackPrediction, whose extra tokens only the last position's rows carry.
   */
  lastPositionFirst?: boolean;
  intervention?: InterventionSpec;
  capture?: boolean;
  /**
   * Reuse the trunk (forward pass) of an identical earlier run if it is still cached: for re-decoding
   * with other tracked tokens or top-k. Off by default, so timings measure whole runs.
   */
  reuseTrunk?: boolean;
  /** States decoded per lens run: smaller streams sooner, larger runs faster. Default: all at once. */
  statesPerChunk?: number;
}

export interface Capture {
  /** [block][d_model]: the FFN output added to the residual stream at the last position. */
  ffn: Float32Array[];
  /** [block][d_model]: the attention output added at the last position. */
  attn: Float32Array[];
}

export interface PromptResult {
  tokens: Token[];
  /**
   * Last position: states[i] is residual state i. Their `tracked` lists `track`, then `trackAtLast`,
   * then the prediction (with trackPrediction); other positions' states list `track` only.
   */
  states: StateResult[];
  /** With positions = 'all': byPosition[p][i]. */
  byPosition?: StateResult[][];
  capture?: Capture;
}

export interface LensResult {
  model: ModelInfo;
  backend: Backend;
  prompts: PromptResult[];
  timings: {
    trunkMs: number;
    lensMs: number;
    totalMs: number;
    /** ms from the run's start until every prompt's last position was decoded and delivered. */
    lastPositionMs?: number;
  };
  /** Batches whose forward pass came from the trunk cache (reuseTrunk) rather than a new run. */
  trunksReused?: number;
}

export class EngineError extends CodedError<EngineErrorCode> {
  override name = 'EngineError';
}

export type { ModelFiles } from '../../models/modelFiles.ts';
