/**
 * The GPT-2 family as OpenAI published it on the Hugging Face Hub, and what each member needs to run.
 * `checkFits` refuses, before any download, a model that cannot run on the chosen backend.
 * Pure TS: no DOM, usable in the worker, the app and Node.
 */

export const HUB_URL = 'https://huggingface.co';

/** The files LensLab loads from a GPT-2 repository, as the Hub publishes them. */
export const GPT2_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

export type Gpt2ModelId = 'gpt2' | 'gpt2-medium' | 'gpt2-large' | 'gpt2-xl';

export interface CatalogueEntry {
  id: Gpt2ModelId;
  /** Current repository id. The legacy id (`legacyRepo`) redirects to it (HTTP 307) on the Hub. */
  repo: string;
  legacyRepo: string;
  label: string;
  parameters: number;
  /** Approximate model.safetensors size (F32, with the `attn.bias` mask buffers); the Hub's size rules. */
  bytes: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nPositions: number;
  vocabSize: number;
  files: readonly string[];
}

/** A buffer of `count` GPT-2 causal masks ([1, 1, 1024, 1024] F32 each), stored in every block. */
const MASK_BYTES = 1024 * 1024 * 4;
const HEADER_BYTES = 15_000;
const approxBytes = (parameters: number, nLayer: number): number =>
  parameters * 4 + nLayer * MASK_BYTES + HEADER_BYTES;

function entry(
  id: Gpt2ModelId,
  label: string,
  parameters: number,
  nLayer: number,
  nEmbd: number,
  nHead: number,
): CatalogueEntry {
  return {
    id,
    repo: `openai-community/${id}`,
    legacyRepo: id,
    label,
    parameters,
    bytes: approxBytes(parameters, nLayer),
    nLayer,
    nEmbd,
    nHead,
    nPositions: 1024,
    vocabSize: 50257,
    files: GPT2_FILES,
  };
}

/** ~548 MB, ~1.52 GB, ~3.25 GB, ~6.43 GB of safetensors. */
export const GPT2_CATALOGUE: readonly CatalogueEntry[] = [
  entry('gpt2', 'GPT-2 small (124M)', 124_439_808, 12, 768, 12),
  entry('gpt2-medium', 'GPT-2 medium (355M)', 354_823_168, 24, 1024, 16),
  entry('gpt2-large', 'GPT-2 large (774M)', 774_030_080, 36, 1280, 20),
  entry('gpt2-xl', 'GPT-2 XL (1.5B)', 1_557_611_200, 48, 1600, 25),
];

/** The paper's model: the default whenever the Hub is reachable. */
export const DEFAULT_HUB_MODEL: Gpt2ModelId = 'gpt2-medium';

/** By id ('gpt2-medium'), repo ('openai-community/gpt2-medium') or legacy repo id. */
export function findCatalogueEntry(idOrRepo: string): CatalogueEntry | undefined {
  return GPT2_CATALOGUE.find((e) => e.id === idOrRepo || e.repo === idOrRepo || e.legacyRepo === idOrRepo);
}

export interface FitLimits {
  backend: 'webgpu' | 'wasm';
  /** GPUAdapter/GPUDevice limits.maxBufferSize. */
  maxBufferSize?: number;
  /** GPUAdapter/GPUDevice limits.maxStorageBufferBindingSize. */
  maxStorageBufferBindingSize?: number;
  /**
   * Memory of the machine in bytes (navigator.deviceMemory * 2^30). Browsers round it and Chrome caps
   * it at 8 GiB, so 8 GiB or more means "at least 8 GiB" and never refuses anything.
   */
  deviceMemoryBytes?: number;
  /** The largest ArrayBuffer the JS engine allocates, when known: the checkpoint is held in one. */
  maxArrayBufferBytes?: number;
}

export type FitResult = { ok: true; warnings: string[] } | { ok: false; reason: string };

export interface ModelShape {
  bytes: number;
  nEmbd: number;
  vocabSize: number;
  nPositions?: number;
  /** Bytes per weight as the engine holds them on the device (F32: 4). */
  bytesPerWeight?: number;
  /** For messages. */
  name?: string;
}

/** The wasm32 heap is 4 GiB; weights plus the sessions' working memory must fit below it. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
export const WASM_MAX_WEIGHT_BYTES = 3 * 1024 ** 3;
/** Chrome caps navigator.deviceMemory at 8 (GiB). */
const DEVICE_MEMORY_CAP = 8 * 1024 ** 3;
/** The download buffer plus the engine's copy of the weights exist together while loading. */
const PEAK_MEMORY_FACTOR = 2;

/** '6.43 GB' (decimal, as the Hub shows sizes) and the exact count. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

const mib = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`;

/** The largest single tensor: the token embedding (tied to the unembedding), vocab x n_embd. */
export function largestTensorBytes(model: ModelShape): number {
  const w = model.bytesPerWeight ?? 4;
  const wte = model.vocabSize * model.nEmbd * w;
  const wpe = (model.nPositions ?? 1024) * model.nEmbd * w;
  const mlp = model.nEmbd * 4 * model.nEmbd * w;
  return Math.max(wte, wpe, mlp);
}

/**
 * Whether a model can run on a backend, decided before downloading it. Reasons name the numbers.
 * `ok: true` may carry warnings (e.g. tight memory that cannot be measured exactly).
 */
export function checkFits(model: CatalogueEntry | ModelShape, limits: FitLimits): FitResult {
  const name = ('label' in model ? model.id : model.name) ?? 'this model';
  const warnings: string[] = [];
  const size = `${name} has ${formatBytes(model.bytes)} of weights`;
  if (limits.maxArrayBufferBytes !== undefined && model.bytes > limits.maxArrayBufferBytes) {
    return {
      ok: false,
      reason: `${size}: more than the largest ArrayBuffer this browser allocates (${formatBytes(limits.maxArrayBufferBytes)}).`,
    };
  }
  const memory = limits.deviceMemoryBytes;
  if (memory !== undefined && memory > 0) {
    const peak = model.bytes * PEAK_MEMORY_FACTOR;
    if (memory < DEVICE_MEMORY_CAP && peak > memory) {
      return {
        ok: false,
        reason:
          `${size}; loading it needs about ${formatBytes(peak)} of memory (the download and the engine's ` +
          `copy), and this device reports ${formatBytes(memory)}.`,
      };
    }
    if (memory >= DEVICE_MEMORY_CAP && peak > memory) {
      warnings.push(
        `Loading ${name} needs about ${formatBytes(peak)} of memory; the browser only reports "at least ` +
          `${formatBytes(DEVICE_MEMORY_CAP)}", so this cannot be checked in advance.`,
      );
    }
  }
  if (limits.backend === 'wasm') {
    if (model.bytes > WASM_MAX_WEIGHT_BYTES) {
      return {
        ok: false,
        reason:
          `${size}; the wasm backend's 32-bit heap is ${formatBytes(WASM_HEAP_BYTES)} and must hold the ` +
          `weights plus working memory, so at most ~${formatBytes(WASM_MAX_WEIGHT_BYTES)} of weights fit. ` +
          `Use a WebGPU-capable browser or a smaller model.`,
      };
    }
    return { ok: true, warnings };
  }
  const largest = largestTensorBytes(model);
  const tensor = `its largest tensor (the ${model.vocabSize} x ${model.nEmbd} token embedding / unembedding) is ${formatBytes(largest)} (${mib(largest)})`;
  const bufferLimits: [string, number | undefined][] = [
    ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize],
    ['maxBufferSize', limits.maxBufferSize],
  ];
  for (const [limitName, limit] of bufferLimits) {
    if (limit !== undefined && largest > limit) {
      return {
        ok: false,
        reason: `${name}: ${tensor}, more than this WebGPU device's ${limitName} of ${formatBytes(limit)} (${mib(limit)}).`,
      };
    }
  }
  if (limits.maxStorageBufferBindingSize === undefined || limits.maxBufferSize === undefined) {
    warnings.push(`WebGPU buffer limits unknown: ${tensor}, which the device must accept as one buffer.`);
  }
  return { ok: true, warnings };
}
