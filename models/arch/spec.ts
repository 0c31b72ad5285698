/**
 * The normalised description of a decoder-only transformer that one graph builder turns into the
 * trunk and lens graphs. A family's adapter (models/families/<family>/) fills it from config.json;
 * nothing here knows a family's field or tensor names.
 */
import type { TensorInfo } from '../safetensors.ts';

export type NormKind = 'layernorm' | 'rmsnorm';
export type Activation = 'gelu' | 'gelu_new' | 'silu';

/** Rotary position embedding; `rotaryDim` of each head's dims rotate, the rest pass through. */
export interface RotarySpec {
  rotaryDim: number;
  /** 'half': rotate_half (GPT-NeoX, Llama): dims i and i + rot/2 pair up; 'interleaved' (GPT-J): 2i and 2i+1. */
  style: 'half' | 'interleaved';
  /** Inverse frequencies (rotaryDim / 2), scaling already applied; float64. */
  invFreq: readonly number[];
}

export interface ArchSpec {
  /** config.json's model_type. */
  modelType: string;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  dModel: number;
  dFfn: number;
  /** Rows of the embedding / unembedding matrices (may exceed the tokenizer's vocabulary). */
  embeddingRows: number;
  /** Longest prompt the model takes. */
  nPositions: number;
  norm: { kind: NormKind; eps: number };
  /** Position information: rotary (q and k rotate), or ALiBi (a per-head linear bias on the scores). */
  rotary?: RotarySpec;
  alibi?: boolean;
  attention: {
    /** 'separate': q_proj, k_proj, v_proj; 'neox': one [3d, d] matrix, rows grouped per head (q, k, v). */
    qkv: 'separate' | 'neox';
  };
  mlp: { gated: boolean; activation: Activation };
  /** Attention and MLP read the same block input and both add to it (GPT-NeoX use_parallel_residual). */
  parallel: boolean;
}

/** A Linear layer as stored by PyTorch: weight [out, in], optional bias [out]. */
export interface LinearWeights {
  weight: TensorInfo;
  bias?: TensorInfo;
}

export interface NormWeights {
  weight: TensorInfo;
  bias?: TensorInfo;
}

export interface ArchBlockWeights {
  attnNorm: NormWeights;
  /** Absent where the MLP reads the attention's norm (GPT-J's parallel block has one ln_1). */
  mlpNorm?: NormWeights;
  /** separate: q, k, v; neox: qkv. */
  q?: LinearWeights;
  k?: LinearWeights;
  v?: LinearWeights;
  qkv?: LinearWeights;
  o: LinearWeights;
  /** Gated MLP: down(act(gate x) * up x); plain MLP: down(act(up x)). */
  gate?: LinearWeights;
  up: LinearWeights;
  down: LinearWeights;
}

export interface ArchWeights {
  /** [embeddingRows, d]. */
  embed: TensorInfo;
  /** BLOOM's word_embeddings_layernorm: its output is what enters the stream (the embedding state). */
  embedNorm?: NormWeights;
  blocks: ArchBlockWeights[];
  finalNorm: NormWeights;
  /** [embeddingRows, d]; the same tensor as embed when tied. */
  lmHead: TensorInfo;
  /** [embeddingRows] (GPT-J's lm_head has one). */
  lmHeadBias?: TensorInfo;
  lmHeadTied: boolean;
}

export type ResidualKind = 'embed' | 'attn' | 'block';

/** One residual state the lens decodes: `layer` is the block (-1 for the embeddings). */
export interface ResidualState {
  index: number;
  layer: number;
  kind: ResidualKind;
}

/**
 * The states a model computes: embeddings, then per block the stream after attention (sequential
 * blocks only: a parallel block never holds "input + attention" as a state) and after the block.
 */
export function residualStates(nLayer: number, parallel: boolean): ResidualState[] {
  const states: ResidualState[] = [{ index: 0, layer: -1, kind: 'embed' }];
  for (let layer = 0; layer < nLayer; layer++) {
    if (!parallel) states.push({ index: states.length, layer, kind: 'attn' });
    states.push({ index: states.length, layer, kind: 'block' });
  }
  return states;
}
