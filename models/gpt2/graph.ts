/**
 * ONNX graphs for GPT-2, built in memory from a checkpoint:
 * - trunk: embeddings in; every residual state (at chosen positions) and every block's attention and
 *   FFN output (at the last position) out; interventions enter as input tensors, so changing one
 *   never rebuilds a session.
 * - lens: residual states in; ln_f, the unembedding, top-k, tracked ranks and probabilities and
 *   entropy out, all on the device, so only kilobytes come back.
 * - plain: the ordinary language model (logits at every position), the benchmark's baseline.
 * Token and position embeddings are looked up outside the graphs (a few rows of wte and wpe), so the
 * 50,257 x d embedding matrix lives in one session only (the lens), not two.
 */
import { DataType, GraphBuilder } from '../onnx/graphBuilder.ts';
import { causalMask, LENS, lensOutputs, TRUNK, trunkInputs, trunkOutputs } from '../onnx/sharedGraph.ts';
import type { SafetensorsFile, TensorInfo } from '../safetensors.ts';
import type { Gpt2Config } from './config.ts';
import { type ExternalDataFile, ExternalWeights, type StoredType } from './externalWeights.ts';
import type { BlockWeights, Gpt2Weights } from './weights.ts';

export interface BuiltGraph {
  model: Uint8Array;
  externalData: ExternalDataFile[];
  nodeCount: number;
  /** Weights held as float16 (cast to float32 where used), if any. */
  float16Weights: number;
}

export interface GraphOptions {
  /**
   * How the blocks' matrices (attention and MLP projections, 95% of GPT-2's weights) are held on the
   * device. 'float16' halves their memory; each is cast to float32 where it is used, so the arithmetic
   * stays float32 on rounded weights. The embedding/unembedding stays float32: ranks need its precision.
   */
  blockWeights?: StoredType;
}

export { LENS, TRUNK };

export const PLAIN = { embeddings: 'embeddings', logits: 'logits' } as const;

class Gpt2GraphContext {
  readonly g: GraphBuilder;
  readonly placer: ExternalWeights;
  private readonly names = new Map<TensorInfo, string>();

  private float16Count = 0;

  constructor(
    name: string,
    file: SafetensorsFile,
    readonly config: Gpt2Config,
    private readonly options: GraphOptions = {},
  ) {
    this.g = new GraphBuilder(name);
    this.placer = new ExternalWeights(file);
  }

  /** The float32 value of a weight: the initialiser itself, or its cast when stored as float16. */
  weight(info: TensorInfo, stored: StoredType = 'float32'): string {
    const known = this.names.get(info);
    if (known) return known;
    const ref = this.placer.ref(info, stored);
    let name = `w.${info.name}`;
    if (ref.stored === 'float16') {
      this.g.external(`${name}.f16`, [...info.shape], ref, DataType.FLOAT16);
      name = this.g.op('Cast', [`${name}.f16`], { to: DataType.FLOAT }, name);
      this.float16Count++;
    } else {
      this.g.external(name, [...info.shape], ref);
    }
    this.names.set(info, name);
    return name;
  }

  layerNorm(x: string, weight: TensorInfo, bias: TensorInfo): string {
    return this.g.op('LayerNormalization', [x, this.weight(weight), this.weight(bias)], {
      axis: -1,
      epsilon: { float: this.config.layerNormEpsilon },
    });
  }

  linear(x: string, weight: TensorInfo, bias: TensorInfo): string {
    const w = this.weight(weight, this.options.blockWeights ?? 'float32');
    return this.g.op('Add', [this.g.op('MatMul', [x, w]), this.weight(bias)]);
  }

  /** gelu_new: the tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  geluNew(x: string): string {
    const g = this.g;
    const x3 = g.op('Mul', [g.op('Mul', [x, x]), x]);
    const inner = g.op('Mul', [
      g.op('Add', [x, g.op('Mul', [x3, g.constFloat([0.044715], [])])]),
      g.constFloat([Math.sqrt(2 / Math.PI)], []),
    ]);
    const half = g.op('Mul', [x, g.constFloat([0.5], [])]);
    return g.op('Mul', [half, g.op('Add', [g.op('Tanh', [inner]), g.constFloat([1], [])])]);
  }

  causalMask(x: string): string {
    return causalMask(this.g, x);
  }

  attention(x: string, block: BlockWeights, mask: string): string {
    const g = this.g;
    const { nHead, nEmbd } = this.config;
    const headDim = nEmbd / nHead;
    const qkv = this.linear(x, block.attnQkvWeight, block.attnQkvBias); // [B, T, 3d]
    const heads = g.op('Transpose', [g.op('Reshape', [qkv, g.constInt64([0, 0, 3 * nHead, headDim])])], {
      perm: [0, 2, 1, 3],
    }); // [B, 3H, T, dh]
    const [q, k, v] = g.node('Split', [heads], { axis: 1 }, 3) as [string, string, string];
    const qScaled = g.op('Mul', [q, g.constFloat([1 / Math.sqrt(headDim)], [])]);
    const scores = g.op('Add', [
      g.op('MatMul', [qScaled, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]),
      mask,
    ]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [B, H, T, dh]
    const merged = g.op('Reshape', [
      g.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
      g.constInt64([0, 0, nEmbd]),
    ]);
    return this.linear(merged, block.attnProjWeight, block.attnProjBias);
  }

  mlp(x: string, block: BlockWeights): string {
    const hidden = this.geluNew(this.linear(x, block.mlpFcWeight, block.mlpFcBias));
    return this.linear(hidden, block.mlpProjWeight, block.mlpProjBias);
  }

  finish(): BuiltGraph {
    return {
      model: this.g.build(),
      externalData: this.placer.files(),
      nodeCount: this.g.nodeCount,
      float16Weights: this.float16Count,
    };
  }
}

export function buildTrunkGraph(
  file: SafetensorsFile,
  config: Gpt2Config,
  weights: Gpt2Weights,
  options: GraphOptions = {},
): BuiltGraph {
  const ctx = new Gpt2GraphContext('lenslab_trunk', file, config, options);
  const g = ctx.g;
  const { nLayer: L, nEmbd: d } = config;
  const { x0, lensPositions, lastIndex, attnIv, ffnIv } = trunkInputs(g, L, d);
  const causal = ctx.causalMask(x0);

  const states: string[] = [x0];
  const attnOuts: string[] = [];
  const ffnOuts: string[] = [];
  let h = x0;
  weights.blocks.forEach((block, i) => {
    const attnOut = attnIv.apply(
      ctx.attention(ctx.layerNorm(h, block.ln1Weight, block.ln1Bias), block, causal),
      i,
    );
    h = g.op('Add', [h, attnOut]);
    states.push(h);
    const ffnOut = ffnIv.apply(ctx.mlp(ctx.layerNorm(h, block.ln2Weight, block.ln2Bias), block), i);
    h = g.op('Add', [h, ffnOut]);
    states.push(h);
    attnOuts.push(attnOut);
    ffnOuts.push(ffnOut);
  });

  trunkOutputs(g, { states, attnOuts, ffnOuts, lensPositions, lastIndex, nLayer: L, dModel: d });
  return ctx.finish();
}

export function buildLensGraph(file: SafetensorsFile, config: Gpt2Config, weights: Gpt2Weights): BuiltGraph {
  const ctx = new Gpt2GraphContext('lenslab_lens', file, config);
  const g = ctx.g;
  const d = config.nEmbd;
  const V = config.vocabSize;
  const residual = g.input(LENS.residual, DataType.FLOAT, ['rows', d]);
  const trackedIds = g.input(LENS.trackedIds, DataType.INT64, ['rows', 'tracked']);
  const topK = g.input(LENS.topK, DataType.INT64, [1]);

  const normed = ctx.layerNorm(residual, weights.lnFWeight, weights.lnFBias);
  // lm_head is [V, d] (tied to wte): Gemm with transB reads it in place, no transposed copy
  const logits = g.op('Gemm', [normed, ctx.weight(weights.lmHead)], { transB: 1 });

  lensOutputs(g, logits, V, topK, trackedIds);
  return ctx.finish();
}

/** The ordinary language model: logits at every position; no lens, no interventions. */
export function buildPlainGraph(
  file: SafetensorsFile,
  config: Gpt2Config,
  weights: Gpt2Weights,
  options: GraphOptions = {},
): BuiltGraph {
  const ctx = new Gpt2GraphContext('lenslab_plain', file, config, options);
  const g = ctx.g;
  const d = config.nEmbd;
  const x0 = g.input(PLAIN.embeddings, DataType.FLOAT, ['batch', 'seq', d]);
  const causal = ctx.causalMask(x0);
  let h = x0;
  for (const block of weights.blocks) {
    h = g.op('Add', [h, ctx.attention(ctx.layerNorm(h, block.ln1Weight, block.ln1Bias), block, causal)]);
    h = g.op('Add', [h, ctx.mlp(ctx.layerNorm(h, block.ln2Weight, block.ln2Bias), block)]);
  }
  const normed = ctx.layerNorm(h, weights.lnFWeight, weights.lnFBias);
  const flat = g.op('Reshape', [normed, g.constInt64([-1, d])]);
  const logits2d = g.op('Gemm', [flat, ctx.weight(weights.lmHead)], { transB: 1 });
  const shape = g.op(
    'Concat',
    [g.op('Slice', [g.op('Shape', [x0]), g.constInt64([0]), g.constInt64([2])]), g.constInt64([-1])],
    {
      axis: 0,
    },
  );
  g.node('Reshape', [logits2d, shape], {}, 1, [PLAIN.logits]);
  g.output(PLAIN.logits, DataType.FLOAT, ['batch', 'seq', config.vocabSize]);
  return ctx.finish();
}
