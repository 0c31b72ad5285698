/** Any family with an adapter (models/arch/registry.ts): the spec-driven graphs, rotary tables fed per run. */
import { buildArchLensGraph, buildArchTrunkGraph, ROPE } from '../../models/arch/graph.ts';
import { parseArchSpec } from '../../models/arch/registry.ts';
import { ropeTables } from '../../models/arch/rope.ts';
import { type ArchWeights, residualStates } from '../../models/arch/spec.ts';
import { type SafetensorsFile, type TensorInfo, tensorAsFloat32 } from '../../models/safetensors.ts';
import { type PreparedModel, tensorSize } from './preparedModel.ts';

export function prepareArch(config: unknown, file: SafetensorsFile, tokenizerVocab: number): PreparedModel {
  const { adapter, spec } = parseArchSpec(config);
  const weights = adapter.weights(file, spec);
  // a padded embedding (Pythia: 50,304 rows for 50,277 tokens) is decoded over the real tokens only;
  // a tokenizer larger than the embedding (small test models) names only the rows the model has
  const vocab = Math.min(tokenizerVocab, spec.embeddingRows);
  const trunkGraph = buildArchTrunkGraph(file, spec, weights);
  const lensGraph = buildArchLensGraph(file, spec, weights, vocab);
  const embed = tensorAsFloat32(file, weights.embed).slice(); // a copy: see gpt2Model.ts
  const d = spec.dModel;
  return {
    shape: {
      modelType: spec.modelType,
      nLayer: spec.nLayer,
      nHead: spec.nHead,
      nEmbd: d,
      nPositions: spec.nPositions,
      vocabSize: vocab,
      states: residualStates(spec.nLayer, spec.parallel),
    },
    trunkGraph,
    lensGraph,
    addSpecialTokens: true,
    parameterCount: countParameters(weights),
    deviceWeightBytes:
      4 * (countParameters(weights) - tensorSize(weights.embed.shape) * (weights.lmHeadTied ? 0 : 1)),
    jsBytes: embed.byteLength,
    embed: (batch, seq) => {
      const out = new Float32Array(batch.length * seq * d);
      batch.forEach((ids, b) => {
        ids.forEach((id, t) => out.set(embed.subarray(id * d, id * d + d), (b * seq + t) * d));
      });
      return out;
    },
    extraFeeds: (seq, Tensor) => {
      const feeds: ReturnType<PreparedModel['extraFeeds']> = {};
      if (spec.rotary) {
        const half = spec.rotary.rotaryDim / 2;
        const { cos, sin } = ropeTables(spec.rotary.invFreq, seq);
        feeds[ROPE.cos] = new Tensor('float32', cos, [seq, half]);
        feeds[ROPE.sin] = new Tensor('float32', sin, [seq, half]);
      }
      return feeds;
    },
  };
}

function countParameters(weights: ArchWeights): number {
  const seen = new Set<TensorInfo>();
  const add = (info: TensorInfo | undefined): void => void (info && seen.add(info));
  add(weights.embed);
  add(weights.lmHead);
  add(weights.lmHeadBias);
  add(weights.embedNorm?.weight);
  add(weights.embedNorm?.bias);
  add(weights.finalNorm.weight);
  add(weights.finalNorm.bias);
  for (const block of weights.blocks) {
    for (const part of Object.values(block)) {
      add(part?.weight);
      add(part?.bias);
    }
  }
  let total = 0;
  for (const info of seen) total += tensorSize(info.shape);
  return total;
}
