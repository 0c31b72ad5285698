/**
 * Trunk and lens graphs of any family from its ArchSpec and canonical weights. The inputs and
 * outputs are GPT-2's (models/gpt2/graph.ts: TRUNK, LENS), so the engine drives every family alike;
 * rotary families take two more inputs, the cos/sin tables of the prompt's positions.
 */

import type { BuiltGraph } from '../gpt2/graph.ts';
import type { GraphBuilder } from '../onnx/graphBuilder.ts';
import { causalMask, LENS, lensOutputs, trunkInputs, trunkOutputs } from '../onnx/sharedGraph.ts';
import type { SafetensorsFile } from '../safetensors.ts';
import { ArchGraphContext, DataType, leadingRows } from './layers.ts';
import type { ArchSpec, ArchWeights } from './spec.ts';

/** The rotary tables the engine feeds: [T, rotaryDim / 2] each. */
export const ROPE = { cos: 'rope_cos', sin: 'rope_sin' } as const;

export function buildArchTrunkGraph(file: SafetensorsFile, spec: ArchSpec, weights: ArchWeights): BuiltGraph {
  const ctx = new ArchGraphContext('lenslab_trunk', file, spec);
  const g = ctx.g;
  const { nLayer: L, dModel: d } = spec;
  const { x0, lensPositions, lastIndex, attnIv, ffnIv } = trunkInputs(g, L, d);
  ctx.setBatchShapeFrom(x0);
  const causal = spec.alibi ? alibiMask(g, x0, spec.nHead) : causalMask(g, x0);
  const [cos, sin] = spec.rotary ? ropeInputs(g, spec.rotary.rotaryDim / 2) : ['', ''];

  // BLOOM normalises the embeddings before the first block: that is the stream's first state
  let h = weights.embedNorm ? ctx.norm(x0, weights.embedNorm) : x0;
  const states: string[] = [h];
  const attnOuts: string[] = [];
  const ffnOuts: string[] = [];
  weights.blocks.forEach((block, i) => {
    const attnIn = ctx.norm(h, block.attnNorm);
    const attnOut = attnIv.apply(ctx.attention(attnIn, block, causal, cos, sin), i);
    if (spec.parallel) {
      // both sublayers read the block input; "input + attention" is no state of the model
      const ffnOut = ffnIv.apply(ctx.mlp(block.mlpNorm ? ctx.norm(h, block.mlpNorm) : attnIn, block), i);
      h = g.op('Add', [h, g.op('Add', [attnOut, ffnOut])]);
      ffnOuts.push(ffnOut);
    } else {
      h = g.op('Add', [h, attnOut]);
      states.push(h);
      if (!block.mlpNorm) throw new Error('a sequential block needs its MLP norm');
      const ffnOut = ffnIv.apply(ctx.mlp(ctx.norm(h, block.mlpNorm), block), i);
      h = g.op('Add', [h, ffnOut]);
      ffnOuts.push(ffnOut);
    }
    states.push(h);
    attnOuts.push(attnOut);
  });
  trunkOutputs(g, { states, attnOuts, ffnOuts, lensPositions, lastIndex, nLayer: L, dModel: d });
  return ctx.finish();
}

/** The rotary tables as trunk inputs, shaped [1, T, 1, rot/2] for [B, T, heads, dh]. */
function ropeInputs(g: GraphBuilder, half: number): [string, string] {
  const cos = g.input(ROPE.cos, DataType.FLOAT, ['seq', half]);
  const sin = g.input(ROPE.sin, DataType.FLOAT, ['seq', half]);
  const axes = g.constInt64([0, 2]);
  return [g.op('Unsqueeze', [cos, axes]), g.op('Unsqueeze', [sin, axes])];
}

/**
 * ALiBi as BLOOM has it (transformers' build_alibi_tensor): head h adds slope_h * j to the score of
 * key j, on top of the causal mask.  [1, H, T, T]
 */
function alibiMask(g: GraphBuilder, x0: string, nHead: number): string {
  const seq = g.op('Gather', [g.op('Shape', [x0]), g.constInt64([1], [])], { axis: 0 });
  const keys = g.op('Cast', [g.op('Range', [g.constInt64([0], []), seq, g.constInt64([1], [])])], {
    to: DataType.FLOAT,
  });
  const slopes = g.constFloat(alibiSlopes(nHead), [1, nHead, 1, 1]);
  const bias = g.op('Mul', [slopes, g.op('Reshape', [keys, g.constInt64([1, 1, 1, -1])])]);
  return g.op('Add', [bias, causalMask(g, x0)]);
}

/** The slopes: a geometric sequence from 2^(-8/n) for the nearest power of two n, interleaved beyond it. */
export function alibiSlopes(nHead: number): number[] {
  const closest = 2 ** Math.floor(Math.log2(nHead));
  const base = 2 ** -(2 ** -(Math.log2(closest) - 3));
  const slopes = Array.from({ length: closest }, (_, i) => base ** (i + 1));
  if (closest < nHead) {
    const extraBase = 2 ** -(2 ** -(Math.log2(2 * closest) - 3));
    for (let i = 0; i < nHead - closest; i++) slopes.push(extraBase ** (2 * i + 1));
  }
  return slopes;
}

/**
 * The lens over every row of the unembedding, as the model computes its distribution (softmax,
 * entropy and ranks count padded rows too); only the first `vocab` rows, the tokenizer's tokens, can
 * be top-k entries, so a padded row is never shown as a token.
 */
export function buildArchLensGraph(
  file: SafetensorsFile,
  spec: ArchSpec,
  weights: ArchWeights,
  vocab: number,
): BuiltGraph {
  const ctx = new ArchGraphContext('lenslab_lens', file, spec);
  const g = ctx.g;
  const residual = g.input(LENS.residual, DataType.FLOAT, ['rows', spec.dModel]);
  const trackedIds = g.input(LENS.trackedIds, DataType.INT64, ['rows', 'tracked']);
  const topK = g.input(LENS.topK, DataType.INT64, [1]);
  const normed = ctx.norm(residual, weights.finalNorm);
  const rows = spec.embeddingRows;
  const head = { weight: leadingRows(weights.lmHead, rows) };
  const bias = weights.lmHeadBias ? { bias: leadingRows(weights.lmHeadBias, rows) } : {};
  const logits = ctx.linear(normed, { ...head, ...bias }, true);
  lensOutputs(g, logits, rows, topK, trackedIds, vocab);
  return ctx.finish();
}
