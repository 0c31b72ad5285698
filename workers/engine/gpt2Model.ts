/** GPT-2 as the engine has always built it (models/gpt2/): learned positions, 2L+1 states. */
import { residualStates } from '../../models/arch/spec.ts';
import { parseGpt2Config } from '../../models/gpt2/config.ts';
import type { StoredType } from '../../models/gpt2/externalWeights.ts';
import { buildLensGraph, buildTrunkGraph } from '../../models/gpt2/graph.ts';
import { type Gpt2Weights, resolveGpt2Weights } from '../../models/gpt2/weights.ts';
import { type SafetensorsFile, tensorAsFloat32 } from '../../models/safetensors.ts';
import { type PreparedModel, tensorSize } from './preparedModel.ts';

export function prepareGpt2(config: unknown, file: SafetensorsFile, blockWeights: StoredType): PreparedModel {
  const c = parseGpt2Config(config);
  const weights = resolveGpt2Weights(file, c);
  const trunkGraph = buildTrunkGraph(file, c, weights, { blockWeights });
  const lensGraph = buildLensGraph(file, c, weights);
  const float16 = trunkGraph.float16Weights > 0;
  // copies: a view would keep the whole checkpoint piece alive for two small tables
  const wte = tensorAsFloat32(file, weights.wte).slice();
  const wpe = tensorAsFloat32(file, weights.wpe).slice();
  const d = c.nEmbd;
  return {
    shape: {
      modelType: 'gpt2',
      nLayer: c.nLayer,
      nHead: c.nHead,
      nEmbd: d,
      nPositions: c.nPositions,
      vocabSize: c.vocabSize,
      states: residualStates(c.nLayer, false),
    },
    trunkGraph,
    lensGraph,
    addSpecialTokens: false,
    parameterCount: countParameters(weights),
    deviceWeightBytes: deviceWeightBytes(weights, float16 ? blockWeights : 'float32'),
    jsBytes: wte.byteLength + wpe.byteLength,
    embed: (batch, seq) => {
      const out = new Float32Array(batch.length * seq * d);
      batch.forEach((ids, b) => {
        ids.forEach((id, t) => {
          const row = (b * seq + t) * d;
          const tokenRow = wte.subarray(id * d, id * d + d);
          const positionRow = wpe.subarray(t * d, t * d + d);
          for (let i = 0; i < d; i++) out[row + i] = tokenRow[i]! + positionRow[i]!;
        });
      });
      return out;
    },
    extraFeeds: () => ({}),
  };
}

/** Bytes the sessions hold for the weights: trunk (blocks, final norm) and lens (unembedding). */
function deviceWeightBytes(weights: Gpt2Weights, blocks: StoredType): number {
  const matrices = new Set(['attnQkvWeight', 'attnProjWeight', 'mlpFcWeight', 'mlpProjWeight']);
  let bytes = 4 * (tensorSize(weights.lmHead.shape) + 2 * tensorSize(weights.lnFWeight.shape));
  for (const block of weights.blocks) {
    for (const [key, info] of Object.entries(block)) {
      bytes += tensorSize(info.shape) * (matrices.has(key) && blocks === 'float16' ? 2 : 4);
    }
  }
  return bytes;
}

function countParameters(weights: Gpt2Weights): number {
  let total =
    tensorSize(weights.wte.shape) + tensorSize(weights.wpe.shape) + 2 * tensorSize(weights.lnFWeight.shape);
  for (const block of weights.blocks)
    for (const info of Object.values(block)) total += tensorSize(info.shape);
  if (!weights.lmHeadTied) total += tensorSize(weights.lmHead.shape);
  return total;
}
