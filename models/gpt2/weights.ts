/**
 * GPT-2 tensor names as Hugging Face checkpoints carry them, resolved to one canonical set.
 * Names come with or without the `transformer.` prefix; `attn.bias` and `attn.masked_bias` are
 * buffers (causal mask constants), not weights; `lm_head.weight` is tied to `wte` unless present.
 */
import { CodedError } from '../errors.ts';
import { type SafetensorsFile, safetensorsKeepPolicy, type TensorInfo } from '../safetensors.ts';
import type { Gpt2Config } from './config.ts';

export class ModelWeightsError extends CodedError<'bad-weights'> {
  override name = 'ModelWeightsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-weights', options);
  }
}

export interface BlockWeights {
  ln1Weight: TensorInfo;
  ln1Bias: TensorInfo;
  attnQkvWeight: TensorInfo; // [d, 3d], Conv1D layout (in, out)
  attnQkvBias: TensorInfo;
  attnProjWeight: TensorInfo; // [d, d]
  attnProjBias: TensorInfo;
  ln2Weight: TensorInfo;
  ln2Bias: TensorInfo;
  mlpFcWeight: TensorInfo; // [d, 4d]
  mlpFcBias: TensorInfo;
  mlpProjWeight: TensorInfo; // [4d, d]
  mlpProjBias: TensorInfo;
}

export interface Gpt2Weights {
  wte: TensorInfo; // [V, d]
  wpe: TensorInfo; // [n_positions, d]
  blocks: BlockWeights[];
  lnFWeight: TensorInfo;
  lnFBias: TensorInfo;
  /** [V, d]; the same tensor as wte when tied. */
  lmHead: TensorInfo;
  lmHeadTied: boolean;
}

const BUFFER_SUFFIXES = ['.attn.bias', '.attn.masked_bias'];

/** `attn.bias` / `attn.masked_bias`: causal-mask buffers saved with the weights, which LensLab never reads. */
export function isGpt2Buffer(tensorName: string): boolean {
  return BUFFER_SUFFIXES.some((s) => tensorName.endsWith(s));
}

/** What a reader of a GPT-2 checkpoint keeps in memory: everything but the mask buffers. */
export const GPT2_KEEP_POLICY = safetensorsKeepPolicy(isGpt2Buffer);

export function resolveGpt2Weights(file: SafetensorsFile, config: Gpt2Config): Gpt2Weights {
  const names = new Map<string, TensorInfo>();
  for (const [name, info] of file.tensors) {
    if (isGpt2Buffer(name)) continue;
    const canonical = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
    names.set(canonical, info);
  }
  const d = config.nEmbd;
  const get = (name: string, shape: number[]): TensorInfo => {
    const info = names.get(name);
    if (!info) {
      throw new ModelWeightsError(
        `model.safetensors: missing tensor "${name}" (or "transformer.${name}") for a ${config.nLayer}-layer GPT-2`,
      );
    }
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new ModelWeightsError(
        `model.safetensors: tensor "${info.name}" has shape [${info.shape}], expected [${shape}] from config.json`,
      );
    }
    return info;
  };
  const wte = get('wte.weight', [config.vocabSize, d]);
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < config.nLayer; i++) {
    const p = `h.${i}.`;
    blocks.push({
      ln1Weight: get(`${p}ln_1.weight`, [d]),
      ln1Bias: get(`${p}ln_1.bias`, [d]),
      attnQkvWeight: get(`${p}attn.c_attn.weight`, [d, 3 * d]),
      attnQkvBias: get(`${p}attn.c_attn.bias`, [3 * d]),
      attnProjWeight: get(`${p}attn.c_proj.weight`, [d, d]),
      attnProjBias: get(`${p}attn.c_proj.bias`, [d]),
      ln2Weight: get(`${p}ln_2.weight`, [d]),
      ln2Bias: get(`${p}ln_2.bias`, [d]),
      mlpFcWeight: get(`${p}mlp.c_fc.weight`, [d, 4 * d]),
      mlpFcBias: get(`${p}mlp.c_fc.bias`, [4 * d]),
      mlpProjWeight: get(`${p}mlp.c_proj.weight`, [4 * d, d]),
      mlpProjBias: get(`${p}mlp.c_proj.bias`, [d]),
    });
  }
  // lm_head.weight never carries the transformer. prefix; accept it either way.
  const lmHeadInfo = names.get('lm_head.weight');
  let lmHead = wte;
  if (lmHeadInfo) lmHead = get('lm_head.weight', [config.vocabSize, d]);
  return {
    wte,
    wpe: get('wpe.weight', [config.nPositions, d]),
    blocks,
    lnFWeight: get('ln_f.weight', [d]),
    lnFBias: get('ln_f.bias', [d]),
    lmHead,
    lmHeadTied: lmHead === wte,
  };
}
