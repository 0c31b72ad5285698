/**
 * Trunk and lens graphs of any family from its ArchSpec and canonical weights. The inputs and
 * outputs are GPT-2's (models/gpt2/graph.ts: TRUNK, LENS), so the engine drives every family alike;
 * rotary families take two more inputs, the cos/sin tables of the prompt's positions.
 */

import type { BuiltGraph } from '../gpt2/graph.ts';
import { causalMask, LENS, lensOutputs, trunkInputs, trunkOutputs } from '../gpt2/graph.ts';
import type { SafetensorsFile } from '../safetensors.ts';
import { ArchGraphContext, DataType, leadingRows } from './layers.ts';
import type { ArchSpec, ArchWeights } from './spec.ts';

/** The rotary tables the engine feeds: [T, rotaryDim / 2] each. */
export const ROPE = { cos: 'rope_cos', sin: 'rope_sin' } as const;

export function buildArchTrunkGraph(file: SafetensorsFile, spec: ArchSpec, weights: ArchWeights): BuiltGraph {
  const ctx = new ArchGraphContext('lenslab_trunk', file, spec);
  const g = ctx.g;
  const { nLayer: L, dModel: d } = spec;
  const half = spec.rotary.rotaryDim / 2;
  const { x0, lensPositions, lastIndex, attnIv, ffnIv } = trunkInputs(g, L, d);
  const ropeCos = g.input(ROPE.cos, DataType.FLOAT, ['seq', half]);
  const ropeSin = g.input(ROPE.sin, DataType.FLOAT, ['seq', half]);
  ctx.setBatchShapeFrom(x0);
  const causal = causalMask(g, x0);
  const cos = g.op('Unsqueeze', [ropeCos, g.constInt64([0, 2])]); // [1, T, 1, rot/2]
  const sin = g.op('Unsqueeze', [ropeSin, g.constInt64([0, 2])]);

  const states: string[] = [x0];
  const attnOuts: string[] = [];
  const ffnOuts: string[] = [];
  let h = x0;
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

/** The lens over the first `vocab` rows of the unembedding: rows past the tokenizer are never tokens. */
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
  const head = { weight: leadingRows(weights.lmHead, vocab) };
  const bias = weights.lmHeadBias ? { bias: leadingRows(weights.lmHeadBias, vocab) } : {};
  const logits = ctx.linear(normed, { ...head, ...bias }, true);
  lensOutputs(g, logits, vocab, topK, trackedIds);
  return ctx.finish();
}
