/** Finds a family's tensors by their Hub names, checking each shape against config.json. */
import { ModelWeightsError } from '../gpt2/weights.ts';
import type { SafetensorsFile, TensorInfo } from '../safetensors.ts';
import type { LinearWeights, NormWeights } from './spec.ts';

export class TensorNames {
  constructor(
    private readonly file: SafetensorsFile,
    /** e.g. "a 2-layer llama", for messages. */
    private readonly what: string,
  ) {}

  private check(info: TensorInfo, shape: readonly number[]): TensorInfo {
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new ModelWeightsError(
        `model.safetensors: tensor "${info.name}" has shape [${info.shape}], expected [${shape}] from config.json`,
      );
    }
    return info;
  }

  maybe(name: string, shape: readonly number[]): TensorInfo | undefined {
    const info = this.file.tensors.get(name);
    return info ? this.check(info, shape) : undefined;
  }

  get(name: string, shape: readonly number[]): TensorInfo {
    const info = this.maybe(name, shape);
    if (!info) throw new ModelWeightsError(`model.safetensors: missing tensor "${name}" for ${this.what}`);
    return info;
  }

  /** `prefix.weight` [out, in] and, when `bias`, `prefix.bias` [out]. */
  linear(prefix: string, out: number, inDim: number, bias: boolean): LinearWeights {
    const weight = this.get(`${prefix}.weight`, [out, inDim]);
    return bias ? { weight, bias: this.get(`${prefix}.bias`, [out]) } : { weight };
  }

  norm(prefix: string, d: number, bias: boolean): NormWeights {
    const weight = this.get(`${prefix}.weight`, [d]);
    return bias ? { weight, bias: this.get(`${prefix}.bias`, [d]) } : { weight };
  }
}
