/** Picks an onnxruntime for Node: onnxruntime-node (CPU or its WebGPU EP) or onnxruntime-web (wasm). */
import type { LoadOptions } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import { CliError } from './modelDir.ts';

export type NodeBackend = 'cpu' | 'webgpu' | 'wasm';

export async function nodeRuntime(
  backend: NodeBackend,
  threads?: number,
): Promise<{ ort: OrtRuntime; options: LoadOptions }> {
  if (backend === 'cpu' || backend === 'webgpu') {
    const mod = await import('onnxruntime-node');
    // CommonJS module: depending on the loader, the API is the namespace or its default export
    const ort = ((mod as { default?: unknown }).default ?? mod) as OrtRuntime;
    return {
      ort,
      options: {
        executionProviders: [backend],
        backend: backend === 'cpu' ? 'cpu' : 'node-webgpu',
        sessionOptions: threads ? { intraOpNumThreads: threads } : {},
      },
    };
  }
  if (backend === 'wasm') {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = threads ?? 2;
    return { ort: web as unknown as OrtRuntime, options: { executionProviders: ['wasm'], backend: 'wasm' } };
  }
  throw new CliError(`backend ${JSON.stringify(backend)} is not one of cpu, webgpu, wasm`);
}
