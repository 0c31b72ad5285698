/**
 * Whether a model can run on a backend, and how its weights are held there, decided before any
 * download from numbers the Hub and the device give: the model's shape (config.json), the backend's
 * limits (wasm's 4 GiB heap, a WebGPU adapter's buffer limits and shader-f16), the machine's memory.
 * Pure TS: no DOM, usable in the worker, the app and Node.
 */

export type Precision = 'float32' | 'float16';

export interface FitLimits {
  backend: 'webgpu' | 'wasm';
  /** GPUAdapter limits.maxBufferSize. */
  maxBufferSize?: number;
  /** GPUAdapter limits.maxStorageBufferBindingSize. */
  maxStorageBufferBindingSize?: number;
  /** The adapter offers 'shader-f16' (float16 weights need it on WebGPU). */
  shaderF16?: boolean;
  /**
   * Memory of the machine in bytes (navigator.deviceMemory * 2^30). Browsers round it and Chrome caps
   * it at 8 GiB, so 8 GiB or more means "at least 8 GiB" and never refuses anything.
   */
  deviceMemoryBytes?: number;
  /** The user's choice: float16 block weights even where float32 fits (default: only where it must). */
  preferFloat16?: boolean;
}

export interface ModelShape {
  nLayer: number;
  nEmbd: number;
  vocabSize: number;
  nPositions: number;
  /** For messages. */
  name?: string;
}

export type FitResult =
  | {
      ok: true;
      /** How the blocks' matrices are held: float32, or float16 where float32 does not fit. */
      blockWeights: Precision;
      /** Bytes of weights on the device with that choice. */
      weightBytes: number;
      warnings: string[];
    }
  | { ok: false; reason: string };

/** The wasm32 heap is 4 GiB; weights may take at most this much of it, leaving room to compute. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
export const WASM_MAX_WEIGHT_BYTES = 2.5 * 1024 ** 3;
/**
 * WebGPU does not tell how much memory the GPU has: float32 weights up to this much are assumed to
 * fit, beyond it float16 (on shader-f16 adapters). 4 GiB is a 6-8 GB GPU with room for the rest.
 */
export const WEBGPU_FLOAT32_BUDGET_BYTES = 4 * 1024 ** 3;
export const WEBGPU_MAX_WEIGHT_BYTES = 6 * 1024 ** 3;
/** Chrome caps navigator.deviceMemory at 8 (GiB). */
const DEVICE_MEMORY_CAP = 8 * 1024 ** 3;
/** While loading, the checkpoint's bytes in JS and the runtime's copy of the weights exist together. */
const PEAK_MEMORY_FACTOR = 2;

/** '6.43 GB' (decimal, as the Hub shows sizes) and the exact count. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

const mib = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`;

/** GPT-2's weights by role: the blocks' four matrices, and the rest (embeddings, norms, biases). */
export function weightCounts(model: ModelShape): { matrices: number; rest: number } {
  const d = model.nEmbd;
  const perBlockMatrices = 12 * d * d; // c_attn 3d^2, attn c_proj d^2, c_fc 4d^2, mlp c_proj 4d^2
  const perBlockRest = 13 * d; // biases 3d + d + 4d + d, two LayerNorms 4d
  return {
    matrices: model.nLayer * perBlockMatrices,
    rest: model.nLayer * perBlockRest + (model.vocabSize + model.nPositions) * d + 2 * d,
  };
}

export function weightBytes(model: ModelShape, blockWeights: Precision): number {
  const { matrices, rest } = weightCounts(model);
  return matrices * (blockWeights === 'float16' ? 2 : 4) + rest * 4;
}

/** The largest single tensor (float32): the token embedding / unembedding, vocab x n_embd. */
export function largestTensorBytes(model: ModelShape): number {
  const d = model.nEmbd;
  return Math.max(model.vocabSize * d, model.nPositions * d, 4 * d * d) * 4;
}

/**
 * Whether `model` can run with `limits`, and with which precision. Reasons name the numbers; `ok`
 * may carry warnings (e.g. memory the browser cannot report exactly).
 */
export function checkFits(model: ModelShape, limits: FitLimits): FitResult {
  const name = model.name ?? 'this model';
  const warnings: string[] = [];
  const f32 = weightBytes(model, 'float32');
  const f16 = weightBytes(model, 'float16');
  const wasm = limits.backend === 'wasm';
  const budget = wasm ? WASM_MAX_WEIGHT_BYTES : WEBGPU_FLOAT32_BUDGET_BYTES;
  const float16Possible = wasm || limits.shaderF16 === true;
  const blockWeights: Precision =
    f32 <= budget && !(limits.preferFloat16 && float16Possible) ? 'float32' : 'float16';
  if (blockWeights === 'float16' && !float16Possible) {
    return {
      ok: false,
      reason:
        `${name} has ${formatBytes(f32)} of float32 weights, more than the ${formatBytes(budget)} LensLab ` +
        `assumes a WebGPU device holds; float16 weights (${formatBytes(f16)}) need the 'shader-f16' feature, ` +
        'which this adapter lacks.',
    };
  }
  const limit = wasm ? WASM_MAX_WEIGHT_BYTES : WEBGPU_MAX_WEIGHT_BYTES;
  if (blockWeights === 'float16' && f16 > limit) {
    return {
      ok: false,
      reason: wasm
        ? `${name} has ${formatBytes(f32)} of float32 weights (${formatBytes(f16)} with float16 blocks); the ` +
          `wasm backend's 32-bit heap is ${formatBytes(WASM_HEAP_BYTES)} and must hold the weights plus working ` +
          `memory, so at most ~${formatBytes(WASM_MAX_WEIGHT_BYTES)} of weights fit. Use a WebGPU-capable ` +
          'browser or a smaller model.'
        : `${name} has ${formatBytes(f16)} of weights even with float16 blocks, more than the ` +
          `${formatBytes(WEBGPU_MAX_WEIGHT_BYTES)} LensLab asks a browser's GPU to hold.`,
    };
  }
  const weights = blockWeights === 'float16' ? f16 : f32;
  if (blockWeights === 'float16' && !limits.preferFloat16) {
    warnings.push(
      `${name}'s float32 weights (${formatBytes(f32)}) do not fit ${wasm ? 'the wasm heap' : 'this GPU budget'}: ` +
        `its block matrices are held as float16 (${formatBytes(weights)} in all), an approximation.`,
    );
  }
  const memory = limits.deviceMemoryBytes;
  if (memory !== undefined && memory > 0) {
    const peak = f32 * PEAK_MEMORY_FACTOR;
    if (memory < DEVICE_MEMORY_CAP && peak > memory) {
      return {
        ok: false,
        reason:
          `${name} has ${formatBytes(f32)} of weights; loading it needs about ${formatBytes(peak)} of memory ` +
          `(the checkpoint and the runtime's copy), and this device reports ${formatBytes(memory)}.`,
      };
    }
    if (memory >= DEVICE_MEMORY_CAP && peak > memory) {
      warnings.push(
        `Loading ${name} needs about ${formatBytes(peak)} of memory; the browser only reports "at least ` +
          `${formatBytes(DEVICE_MEMORY_CAP)}", so this cannot be checked in advance.`,
      );
    }
  }
  if (wasm) return { ok: true, blockWeights, weightBytes: weights, warnings };
  const largest = largestTensorBytes(model);
  const tensor = `its largest tensor (the ${model.vocabSize} x ${model.nEmbd} token embedding / unembedding) is ${formatBytes(largest)} (${mib(largest)})`;
  const bufferLimits: [string, number | undefined][] = [
    ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize],
    ['maxBufferSize', limits.maxBufferSize],
  ];
  for (const [limitName, value] of bufferLimits) {
    if (value !== undefined && largest > value) {
      return {
        ok: false,
        reason: `${name}: ${tensor}, more than this WebGPU device's ${limitName} of ${formatBytes(value)} (${mib(value)}).`,
      };
    }
  }
  if (limits.maxStorageBufferBindingSize === undefined || limits.maxBufferSize === undefined) {
    warnings.push(`WebGPU buffer limits unknown: ${tensor}, which the device must accept as one buffer.`);
  }
  return { ok: true, blockWeights, weightBytes: weights, warnings };
}
