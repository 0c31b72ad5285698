/**
 * Graph pieces every family's trunk and lens share (GPT-2's graph.ts and models/arch/graph.ts): the
 * causal mask, the intervention inputs, the trunk's outputs and the lens's decoding tail. The
 * engine and the graphs agree through TRUNK and LENS.
 */
import { DataType, type GraphBuilder } from './graphBuilder.ts';

/** Names of the graphs' inputs and outputs: the engine and the graphs agree through these. */
export const TRUNK = {
  embeddings: 'embeddings', // [B, T, d]
  attnKeep: 'attn_keep', // [L]: 1 keeps the attention output, 0 drops it
  attnAdd: 'attn_add', // [L, d]: added to the attention output
  ffnKeep: 'ffn_keep', // [L]
  ffnAdd: 'ffn_add', // [L, d]
  interveneMask: 'intervene_mask', // [B, T]: 1 where interventions apply
  lastIndex: 'last_index', // [B] int64: each prompt's last real position
  lensPositions: 'lens_positions', // [B, P] int64: positions whose residual states are returned
  residual: 'residual', // out [B, S, P, d]
  ffnOut: 'ffn_out', // out [B, L, d]
  attnOut: 'attn_out', // out [B, L, d]
} as const;

export const LENS = {
  residual: 'residual', // [N, d]
  trackedIds: 'tracked_ids', // [N, K] int64
  topK: 'top_k', // [1] int64
  topIds: 'top_ids', // out [N, k] int64
  topProb: 'top_prob', // out [N, k]
  trackedRank: 'tracked_rank', // out [N, K] (float counts, exact below 2^24)
  trackedProb: 'tracked_prob', // out [N, K]
  entropy: 'entropy', // out [N, 1] (nats)
} as const;

const NEG_LARGE = -1e30;

/** Additive causal mask [T, T] (0 on and below the diagonal, a large negative above). */
export function causalMask(g: GraphBuilder, x: string): string {
  const seq = g.op('Gather', [g.op('Shape', [x]), g.constInt64([1], [])], { axis: 0 });
  const range = g.op('Range', [g.constInt64([0], []), seq, g.constInt64([1], [])]);
  const rows = g.op('Unsqueeze', [range, g.constInt64([1])]);
  const cols = g.op('Unsqueeze', [range, g.constInt64([0])]);
  const above = g.op('Greater', [cols, rows]);
  return g.op('Where', [above, g.constFloat([NEG_LARGE], []), g.constFloat([0], [])]);
}

/** Intervention inputs turned into per-layer factors: out' = out * factor[l] + mask * add[l]. */
export class InterventionInputs {
  private readonly factors: string;
  private readonly mask3: string;

  constructor(
    private readonly g: GraphBuilder,
    keep: string,
    private readonly add: string,
    mask3: string,
    nLayer: number,
  ) {
    this.mask3 = mask3;
    // factor[l] = 1 + mask * (keep[l] - 1): 1 where the mask is off, keep[l] where on.  [L, B, T, 1]
    const keepMinusOne = g.op('Reshape', [
      g.op('Sub', [keep, g.constFloat([1], [])]),
      g.constInt64([nLayer, 1, 1, 1]),
    ]);
    this.factors = g.op('Add', [g.op('Mul', [keepMinusOne, mask3]), g.constFloat([1], [])]);
  }

  apply(out: string, layer: number): string {
    const g = this.g;
    const index = g.constInt64([layer], []);
    const factor = g.op('Gather', [this.factors, index], { axis: 0 }); // [B, T, 1]
    const addVector = g.op('Gather', [this.add, index], { axis: 0 }); // [d]
    return g.op('Add', [g.op('Mul', [out, factor]), g.op('Mul', [this.mask3, addVector])]);
  }
}

/**
 * The trunk's inputs, shared by every family: embeddings, intervention tensors (as per-layer
 * factors and added vectors), each prompt's last index and the positions to return.
 */
export function trunkInputs(
  g: GraphBuilder,
  L: number,
  d: number,
): {
  x0: string;
  lensPositions: string;
  lastIndex: string;
  attnIv: InterventionInputs;
  ffnIv: InterventionInputs;
} {
  const x0 = g.input(TRUNK.embeddings, DataType.FLOAT, ['batch', 'seq', d]);
  const attnKeep = g.input(TRUNK.attnKeep, DataType.FLOAT, [L]);
  const attnAdd = g.input(TRUNK.attnAdd, DataType.FLOAT, [L, d]);
  const ffnKeep = g.input(TRUNK.ffnKeep, DataType.FLOAT, [L]);
  const ffnAdd = g.input(TRUNK.ffnAdd, DataType.FLOAT, [L, d]);
  const mask = g.input(TRUNK.interveneMask, DataType.FLOAT, ['batch', 'seq']);
  const lastIndex = g.input(TRUNK.lastIndex, DataType.INT64, ['batch']);
  const lensPositions = g.input(TRUNK.lensPositions, DataType.INT64, ['batch', 'positions']);

  const mask3 = g.op('Unsqueeze', [mask, g.constInt64([2])]); // [B, T, 1]
  const attnIv = new InterventionInputs(g, attnKeep, attnAdd, mask3, L);
  const ffnIv = new InterventionInputs(g, ffnKeep, ffnAdd, mask3, L);
  return { x0, lensPositions, lastIndex, attnIv, ffnIv };
}

/** The trunk's outputs from its states and sublayer outputs (each [B, T, d]): shared by every family. */
export function trunkOutputs(
  g: GraphBuilder,
  parts: {
    states: string[];
    attnOuts: string[];
    ffnOuts: string[];
    lensPositions: string;
    lastIndex: string;
    nLayer: number;
    dModel: number;
  },
): void {
  const { states, attnOuts, ffnOuts, lensPositions, lastIndex, nLayer: L, dModel: d } = parts;
  const S = states.length;
  const stack = (tensors: string[]): string =>
    g.op(
      'Concat',
      tensors.map((t) => g.op('Unsqueeze', [t, g.constInt64([1])])),
      { axis: 1 },
    ); // [B, n, T, d]

  // residual states at the requested positions: GatherElements along T with an expanded index
  const positionIndex = g.op('Expand', [
    g.op('Unsqueeze', [lensPositions, g.constInt64([1, 3])]), // [B, 1, P, 1]
    g.constInt64([1, S, 1, d]),
  ]);
  g.node('GatherElements', [stack(states), positionIndex], { axis: 2 }, 1, [TRUNK.residual]);

  const lastIndexExpanded = g.op('Expand', [
    g.op('Reshape', [lastIndex, g.constInt64([-1, 1, 1, 1])]),
    g.constInt64([1, L, 1, d]),
  ]);
  const atLast = (tensors: string[], name: string): void => {
    const gathered = g.op('GatherElements', [stack(tensors), lastIndexExpanded], { axis: 2 });
    g.node('Squeeze', [gathered, g.constInt64([2])], {}, 1, [name]);
  };
  atLast(ffnOuts, TRUNK.ffnOut);
  atLast(attnOuts, TRUNK.attnOut);

  g.output(TRUNK.residual, DataType.FLOAT, ['batch', S, 'positions', d]);
  g.output(TRUNK.ffnOut, DataType.FLOAT, ['batch', L, d]);
  g.output(TRUNK.attnOut, DataType.FLOAT, ['batch', L, d]);
}

/**
 * The lens's tail, shared by every family: from logits [N, V] to top-k, tracked ranks and
 * probabilities and entropy, all on the device.
 */
export function lensOutputs(
  g: GraphBuilder,
  logits: string,
  V: number,
  topK: string,
  trackedIds: string,
  /** The leading rows that are tokens (the rest is padding): only these can be top-k entries. */
  tokens = V,
): void {
  const candidates =
    tokens < V
      ? g.op('Slice', [logits, g.constInt64([0]), g.constInt64([tokens]), g.constInt64([1])])
      : logits;
  g.node('TopK', [candidates, topK], { axis: 1, largest: 1, sorted: 1 }, 2, ['top_logits', LENS.topIds]);

  // log-sum-exp and entropy, stable: z = logits - max; H = log(sum e^z) - sum(e^z z) / sum(e^z)
  const axis1 = g.constInt64([1]);
  const max = g.op('ReduceMax', [logits], { axes: [1], keepdims: 1 });
  const z = g.op('Sub', [logits, max]);
  const expZ = g.op('Exp', [z]);
  const sumExp = blockedRowSum(g, expZ, V);
  const logSum = g.op('Log', [sumExp]);
  const logNormaliser = g.op('Add', [max, logSum]); // [N, 1]
  g.node('Sub', [logSum, g.op('Div', [blockedRowSum(g, g.op('Mul', [expZ, z]), V), sumExp])], {}, 1, [
    LENS.entropy,
  ]);
  g.node('Exp', [g.op('Sub', ['top_logits', logNormaliser])], {}, 1, [LENS.topProb]);

  const trackedLogits = g.op('GatherElements', [logits, trackedIds], { axis: 1 }); // [N, K]
  g.node('Exp', [g.op('Sub', [trackedLogits, logNormaliser])], {}, 1, [LENS.trackedProb]);
  // rank = number of strictly larger logits, counted on the device
  const larger = g.op('Greater', [
    g.op('Unsqueeze', [logits, axis1]), // [N, 1, V]
    g.op('Unsqueeze', [trackedLogits, g.constInt64([2])]), // [N, K, 1]
  ]);
  g.node(
    'ReduceSum',
    [g.op('Cast', [larger], { to: DataType.FLOAT }), g.constInt64([2])],
    { keepdims: 0 },
    1,
    [LENS.trackedRank],
  );

  g.output(LENS.topIds, DataType.INT64, ['rows', 'k']);
  g.output(LENS.topProb, DataType.FLOAT, ['rows', 'k']);
  g.output(LENS.trackedRank, DataType.FLOAT, ['rows', 'tracked']);
  g.output(LENS.trackedProb, DataType.FLOAT, ['rows', 'tracked']);
  g.output(LENS.entropy, DataType.FLOAT, ['rows', 1]);
}

const SUM_BLOCK = 256;

/**
 * Row sums over the vocabulary in two levels (blocks of 256, then the block sums): a plain float32
 * running sum over 50,257 terms loses ~1e-4 relative on some kernels (onnxruntime-web's wasm), which
 * shows as probability errors above 1e-4; two levels bring it near float32 rounding.  [N, V] -> [N, 1]
 */
function blockedRowSum(g: GraphBuilder, x: string, vocab: number): string {
  const padded = Math.ceil(vocab / SUM_BLOCK) * SUM_BLOCK;
  const pad = g.op('Pad', [x, g.constInt64([0, 0, 0, padded - vocab]), g.constFloat([0], [])], {
    mode: 'constant',
  });
  const blocks = g.op(
    'ReduceSum',
    [g.op('Reshape', [pad, g.constInt64([0, -1, SUM_BLOCK])]), g.constInt64([2])],
    {
      keepdims: 0,
    },
  );
  return g.op('ReduceSum', [blocks, g.constInt64([1])], { keepdims: 1 });
}
