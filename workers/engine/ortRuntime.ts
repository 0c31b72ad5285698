/**
 * The slice of onnxruntime's API the engine uses. onnxruntime-node, onnxruntime-web (wasm or WebGPU)
 * all satisfy it, so the engine is one code path everywhere and never imports a runtime itself.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export interface OrtRuntime {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  Tensor: typeof Tensor;
}

export type { InferenceSession, Tensor };
