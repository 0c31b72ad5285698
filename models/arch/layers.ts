/**
 * The pieces of a block as ONNX nodes, driven by an ArchSpec: norms, Linear layers on weights as
 * PyTorch stores them ([out, in], read in place by Gemm(transB)), rotary attention with grouped
 * key/value heads, plain or gated MLPs. Activations are [B, T, features]; a Linear flattens to
 * [B*T, in] for its Gemm and restores [B, T, out].
 */
import { ExternalWeights } from '../gpt2/externalWeights.ts';
import type { BuiltGraph } from '../gpt2/graph.ts';
import { DataType, GraphBuilder } from '../onnx/graphBuilder.ts';
import { BYTES_PER_ELEMENT, type SafetensorsFile, type TensorInfo } from '../safetensors.ts';
import type { Activation, ArchBlockWeights, ArchSpec, LinearWeights, NormWeights } from './spec.ts';

export class ArchGraphContext {
  readonly g: GraphBuilder;
  private readonly placer: ExternalWeights;
  private readonly names = new Map<TensorInfo, string>();
  /** [2] int64: the batch and sequence sizes, for restoring [B, T, out] after a Gemm. */
  private batchSeq: string | undefined;

  constructor(
    name: string,
    file: SafetensorsFile,
    readonly spec: ArchSpec,
  ) {
    this.g = new GraphBuilder(name);
    this.placer = new ExternalWeights(file);
  }

  weight(info: TensorInfo): string {
    const known = this.names.get(info);
    if (known) return known;
    const name = `w.${info.name}`;
    this.g.external(name, [...info.shape], this.placer.ref(info));
    this.names.set(info, name);
    return name;
  }

  /** Reshapes after a Gemm take their leading dims from `x` ([B, T, d]). */
  setBatchShapeFrom(x: string): void {
    const g = this.g;
    this.batchSeq = g.op('Slice', [g.op('Shape', [x]), g.constInt64([0]), g.constInt64([2])]);
  }

  /** y = x W^T + b on [B, T, in] (or [N, in] when `flat`). */
  linear(x: string, layer: LinearWeights, flat = false): string {
    const g = this.g;
    const [out, inDim] = layer.weight.shape as [number, number];
    const inputs = [flat ? x : g.op('Reshape', [x, g.constInt64([-1, inDim])]), this.weight(layer.weight)];
    if (layer.bias) inputs.push(this.weight(layer.bias));
    const y = g.op('Gemm', inputs, { transB: 1 });
    if (flat) return y;
    if (!this.batchSeq) throw new Error('setBatchShapeFrom must come before a Linear on [B, T, in]');
    return g.op('Reshape', [y, g.op('Concat', [this.batchSeq, g.constInt64([out])], { axis: 0 })]);
  }

  norm(x: string, weights: NormWeights): string {
    const g = this.g;
    const { kind, eps } = this.spec.norm;
    if (kind === 'layernorm') {
      const inputs = [x, this.weight(weights.weight)];
      if (weights.bias) inputs.push(this.weight(weights.bias));
      return g.op('LayerNormalization', inputs, { axis: -1, epsilon: { float: eps } });
    }
    // RMSNorm: x / sqrt(mean(x^2) + eps) * w (opset 17 has no RMSNormalization)
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const rms = g.op('Sqrt', [g.op('Add', [meanSquare, g.constFloat([eps], [])])]);
    return g.op('Mul', [g.op('Div', [x, rms]), this.weight(weights.weight)]);
  }

  activation(x: string, kind: Activation): string {
    const g = this.g;
    const c = (v: number): string => g.constFloat([v], []);
    if (kind === 'silu') return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    if (kind === 'gelu') {
      // exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (opset 17 has no Gelu)
      const erf = g.op('Erf', [g.op('Mul', [x, c(Math.SQRT1_2)])]);
      return g.op('Mul', [g.op('Mul', [x, c(0.5)]), g.op('Add', [erf, c(1)])]);
    }
    const x3 = g.op('Mul', [g.op('Mul', [x, x]), x]);
    const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [x3, c(0.044715)])]), c(Math.sqrt(2 / Math.PI))]);
    return g.op('Mul', [g.op('Mul', [x, c(0.5)]), g.op('Add', [g.op('Tanh', [inner]), c(1)])]);
  }

  mlp(x: string, block: ArchBlockWeights): string {
    const { gated, activation } = this.spec.mlp;
    const up = this.linear(x, block.up);
    if (!gated) return this.linear(this.activation(up, activation), block.down);
    if (!block.gate) throw new Error('a gated MLP needs gate weights');
    const gate = this.activation(this.linear(x, block.gate), activation);
    return this.linear(this.g.op('Mul', [gate, up]), block.down);
  }

  /**
   * Rotary embedding of [B, T, heads, dh] with cos/sin [1, T, 1, rot/2] on the first rot dims:
   * pairs (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin), the pairs being (i, i + rot/2) for
   * rotate_half, (2i, 2i + 1) for GPT-J's interleaved form.
   */
  private rotate(x: string, cos: string, sin: string): string {
    const g = this.g;
    const { headDim } = this.spec;
    if (!this.spec.rotary) return x;
    const { rotaryDim: rot, style } = this.spec.rotary;
    const turn = (x1: string, x2: string, c: string, s: string): [string, string] => [
      g.op('Sub', [g.op('Mul', [x1, c]), g.op('Mul', [x2, s])]),
      g.op('Add', [g.op('Mul', [x2, c]), g.op('Mul', [x1, s])]),
    ];
    if (style === 'half') {
      const sizes = rot < headDim ? [rot / 2, rot / 2, headDim - rot] : [rot / 2, rot / 2];
      const parts = g.node('Split', [x, g.constInt64(sizes)], { axis: -1 }, sizes.length);
      const [r1, r2] = turn(parts[0]!, parts[1]!, cos, sin);
      return g.op('Concat', [r1, r2, ...parts.slice(2)], { axis: -1 });
    }
    const parts =
      rot < headDim ? g.node('Split', [x, g.constInt64([rot, headDim - rot])], { axis: -1 }, 2) : [x];
    const pairs = g.op('Reshape', [parts[0]!, g.constInt64([0, 0, 0, rot / 2, 2])]); // [B, T, H, rot/2, 2]
    const [x1, x2] = g.node('Split', [pairs], { axis: -1 }, 2) as [string, string];
    const last = g.constInt64([4]);
    const [r1, r2] = turn(x1, x2, g.op('Unsqueeze', [cos, last]), g.op('Unsqueeze', [sin, last]));
    const rotated = g.op('Reshape', [g.op('Concat', [r1, r2], { axis: -1 }), g.constInt64([0, 0, 0, rot])]);
    return parts.length > 1 ? g.op('Concat', [rotated, parts[1]!], { axis: -1 }) : rotated;
  }

  /** [B, Hkv, T, dh] -> [B, H, T, dh]: query head h reads key/value head floor(h / (H / Hkv)). */
  private repeatKv(x: string): string {
    const { nHead, nKvHead, headDim } = this.spec;
    if (nKvHead === nHead) return x;
    const g = this.g;
    const expanded = g.op('Expand', [
      g.op('Unsqueeze', [x, g.constInt64([2])]),
      g.constInt64([1, 1, nHead / nKvHead, 1, 1]),
    ]);
    return g.op('Reshape', [expanded, g.constInt64([0, nHead, -1, headDim])]);
  }

  /** Causal self-attention; `cos`/`sin` are [1, T, 1, rot/2] (rotary only), `mask` additive ([T, T], or [1, H, T, T] with ALiBi). */
  attention(x: string, block: ArchBlockWeights, mask: string, cos = '', sin = ''): string {
    const g = this.g;
    const { nHead, nKvHead, headDim } = this.spec;
    const heads = (y: string, n: number): string => g.op('Reshape', [y, g.constInt64([0, 0, n, headDim])]);
    let q: string;
    let k: string;
    let v: string;
    if (this.spec.attention.qkv === 'neox') {
      // NeoX's fused rows are grouped per head: [q_h, k_h, v_h] for each head h
      const fused = g.op('Reshape', [this.linear(x, block.qkv!), g.constInt64([0, 0, nHead, 3 * headDim])]);
      [q, k, v] = g.node('Split', [fused], { axis: -1 }, 3) as [string, string, string];
    } else {
      q = heads(this.linear(x, block.q!), nHead);
      k = heads(this.linear(x, block.k!), nKvHead);
      v = heads(this.linear(x, block.v!), nKvHead);
    }
    const toHeads = (y: string): string => g.op('Transpose', [y], { perm: [0, 2, 1, 3] });
    const qr = toHeads(this.rotate(q, cos, sin));
    const kr = this.repeatKv(toHeads(this.rotate(k, cos, sin)));
    const vh = this.repeatKv(toHeads(v));
    const scores = g.op('Add', [
      g.op('MatMul', [
        g.op('Mul', [qr, g.constFloat([1 / Math.sqrt(headDim)], [])]),
        g.op('Transpose', [kr], { perm: [0, 1, 3, 2] }),
      ]),
      mask,
    ]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), vh]);
    const merged = g.op('Reshape', [
      g.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
      g.constInt64([0, 0, nHead * headDim]),
    ]);
    return this.linear(merged, block.o);
  }

  finish(): BuiltGraph {
    return {
      model: this.g.build(),
      externalData: this.placer.files(),
      nodeCount: this.g.nodeCount,
      float16Weights: 0,
    };
  }
}

/** The first `rows` rows of a [R, d] (or [R]) tensor, in place (a prefix of its bytes): a padded vocabulary's real tokens. */
export function leadingRows(info: TensorInfo, rows: number): TensorInfo {
  if (rows === info.shape[0]) return info;
  const rest = info.shape.slice(1);
  const size = rest.reduce((a, b) => a * b, 1);
  return {
    ...info,
    name: `${info.name}[:${rows}]`,
    shape: [rows, ...rest],
    byteLength: rows * size * BYTES_PER_ELEMENT[info.dtype],
  };
}

export { DataType };
