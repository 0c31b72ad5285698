/**
 * What the engine needs of a model, whatever its family: the shape, the residual states it
 * computes, the two graphs, the embedding lookup done in JS, and any extra trunk inputs (rotary
 * tables). gpt2Model.ts and archModel.ts build one from the checkpoint's files.
 */
import type { ResidualState } from '../../models/arch/spec.ts';
import type { BuiltGraph } from '../../models/gpt2/graph.ts';
import type { Tensor } from './ortRuntime.ts';

export interface ModelShape {
  modelType: string;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  /** Tokens the lens decodes and prompts may hold: the tokenizer's, never a padded row. */
  vocabSize: number;
  states: readonly ResidualState[];
}

export interface PreparedModel {
  shape: ModelShape;
  trunkGraph: BuiltGraph;
  lensGraph: BuiltGraph;
  /** Whether encode() adds the tokens the tokenizer's post-processor asks for (a BOS). */
  addSpecialTokens: boolean;
  parameterCount: number;
  deviceWeightBytes: number;
  /** Bytes the engine keeps in JS (embedding tables). */
  jsBytes: number;
  /** The trunk's input [B, T, d] for right-padded prompts. */
  embed(batch: number[][], seq: number): Float32Array;
  /** Trunk inputs beyond the shared ones, for a sequence of `seq` positions. */
  extraFeeds(seq: number, tensor: typeof Tensor): Record<string, Tensor>;
}

export const tensorSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
