/**
 * One graph, every runtime: onnxruntime-node on the CPU and on its WebGPU execution provider
 * (Dawn over SwiftShader's Vulkan driver here, the real GPU elsewhere), and onnxruntime-web's wasm
 * backend in Node. Each must match the float64 reference; the browser's WebGPU path is in e2e.
 */
import { existsSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { LensEngine, type LoadOptions } from '../workers/engine/engine.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import type { InterventionSpec, LensResult } from '../workers/engine/types.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { expectStateMatches, expectVectorClose, newStats } from './support/compareWithReference.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const haveVulkan =
  existsSync(SWIFTSHADER_ICD) || Boolean(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES);
if (!haveVulkan)
  console.warn('skipping the WebGPU EP tests: no Vulkan driver (apt-get install chromium libvulkan1)');
// Dawn reads these when the WebGPU EP first starts, which is after this line
process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
process.env.XDG_RUNTIME_DIR ??= '/tmp';

ortWeb.env.wasm.numThreads = 2;
ortNode.env.logLevel = 'error';

const checkpoint = testCheckpoint('backends', {
  nLayer: 2,
  nEmbd: 64,
  nHead: 4,
  nPositions: 32,
  seed: 31,
  transformerPrefix: true,
  legacyBuffers: true,
});
const prompts = [
  [48, 25, 1867, 318, 262, 3139, 286, 4881, 30, 198, 32, 25, 6342], // "Q: What is the capital of France?\nA: Paris"
  [464, 3139, 286, 12873],
];
const intervention: InterventionSpec = {
  positions: 'all',
  ffn: { 1: { mode: 'replace', vector: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)) } },
  attn: { 0: { mode: 'add', vector: Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), scale: 0.5 } },
};

const backends: Array<{ name: string; ort: OrtRuntime; options: LoadOptions; available: boolean }> = [
  {
    name: 'onnxruntime-node cpu',
    ort: ortNode as unknown as OrtRuntime,
    options: { executionProviders: ['cpu'], backend: 'cpu' },
    available: true,
  },
  {
    name: 'onnxruntime-node webgpu',
    ort: ortNode as unknown as OrtRuntime,
    options: {
      executionProviders: ['webgpu'],
      backend: 'node-webgpu',
      sessionOptions: { logSeverityLevel: 3 },
    },
    available: haveVulkan,
  },
  {
    name: 'onnxruntime-web wasm',
    ort: ortWeb as unknown as OrtRuntime,
    options: { executionProviders: ['wasm'], backend: 'wasm' },
    available: true,
  },
];

const results = new Map<string, LensResult[]>();

describe.each(backends)('$name', ({ name, ort, options, available }) => {
  let engine: LensEngine | undefined;
  afterAll(async () => {
    await engine?.dispose();
  });

  it.skipIf(!available)(
    'matches the float64 reference on every state, with and without interventions',
    async () => {
      engine = await LensEngine.load(ort, checkpoint.files, options);
      expect(engine.backend).toBe(options.backend);
      const stats = newStats();
      const runs: LensResult[] = [];
      for (const iv of [undefined, intervention]) {
        const result = await engine.run({
          prompts,
          track: [6342, 12873, 4881],
          topK: 5,
          positions: 'all',
          capture: true,
          ...(iv ? { intervention: iv } : {}),
        });
        runs.push(result);
        result.prompts.forEach((prompt, p) => {
          const ids = prompts[p]!;
          const ref = checkpoint.reference.forward(ids, iv);
          prompt.byPosition!.forEach((states, t) =>
            states.forEach((state, s) => expectStateMatches(state, ref.logits(s, t), stats)),
          );
          prompt.capture!.ffn.forEach((v, l) =>
            expectVectorClose(v, ref.ffnOut[l]![ids.length - 1]!, `ffn ${l}`),
          );
          prompt.capture!.attn.forEach((v, l) =>
            expectVectorClose(v, ref.attnOut[l]![ids.length - 1]!, `attn ${l}`),
          );
        });
      }
      results.set(name, runs);
      console.info(`[${name}] ${JSON.stringify(stats)}`);
    },
  );
});

describe('backends agree with each other', () => {
  // ranks are held to the reference above (exact but for float32 near-ties); here the runtimes face each other
  it('same top-k tokens, probabilities within 1e-4', () => {
    const [first, ...others] = [...results.entries()];
    expect(first, 'the CPU run must have produced results').toBeDefined();
    for (const [name, runs] of others) {
      runs.forEach((run, r) => {
        run.prompts.forEach((prompt, p) => {
          prompt.states.forEach((state, s) => {
            const base = first![1][r]!.prompts[p]!.states[s]!;
            expect(state.top[0]!.id, `${name} state ${s}`).toBe(base.top[0]!.id);
            expect(
              state.top.map((e) => e.id),
              `${name} state ${s}`,
            ).toEqual(base.top.map((e) => e.id));
            state.top.forEach((e, j) => expect(Math.abs(e.prob - base.top[j]!.prob)).toBeLessThan(1e-4));
          });
        });
      });
    }
  });
});
