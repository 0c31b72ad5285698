/** The app's engine client over a fake worker (a MessageChannel): errors, streaming, death, cancel. */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngineClient, EngineClientError } from '../app/engineClient.ts';
import {
  type EngineWorkerApi,
  type LoadProgress,
  type LoadResult,
  toWorkerErrorPayload,
  WorkerError,
} from '../workers/api.ts';
import { EngineError, type LensResult, type StateResult } from '../workers/engine/types.ts';

const info = {
  name: 'fake',
  modelType: 'gpt2' as const,
  nLayer: 1,
  nHead: 1,
  nEmbd: 4,
  nPositions: 8,
  vocabSize: 10,
  randomWeights: true,
  parameterCount: 1,
};

function state(index: number): StateResult {
  return { prompt: 0, index, layer: -1, kind: 'embed', position: 0, top: [], tracked: [], entropy: 0 };
}

/** A Worker stand-in: the client's side of a MessageChannel, with terminate() and 'error' events. */
class FakeWorker extends EventTarget {
  terminated = false;
  constructor(readonly port: MessagePort) {
    super();
  }
  postMessage(message: unknown, transfer: Transferable[] = []): void {
    if (!this.terminated) this.port.postMessage(message, transfer);
  }
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.addEventListener(type, listener as EventListener);
    else super.addEventListener(type, listener);
  }
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.removeEventListener(type, listener as EventListener);
    else super.removeEventListener(type, listener);
  }
  start(): void {
    this.port.start();
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function setup() {
  const workers: FakeWorker[] = [];
  const cancelled: number[] = [];
  const cancelledLoads: number[] = [];
  const api: EngineWorkerApi = {
    load: async (location, _options, onProgress, loadId) => {
      if (location.kind === 'hub' && location.repo === 'never/ends') {
        // a download that only ends when cancelled
        return new Promise<LoadResult>((_, reject) => {
          const timer = setInterval(() => {
            if (cancelledLoads.includes(loadId)) {
              clearInterval(timer);
              reject(toWorkerErrorPayload(new WorkerError('cancelled', 'load-cancelled')));
            }
          }, 5);
        });
      }
      await onProgress?.({ stage: 'fetch', file: 'config.json' });
      await onProgress?.({ stage: 'init', backend: 'wasm' });
      return { info, backend: 'wasm', backendNote: 'test', notes: [] } as unknown as LoadResult;
    },
    cancelLoad: (loadId) => {
      cancelledLoads.push(loadId);
    },
    prepare: async () => [],
    inspect: async () => ({ name: 'x', bytes: 1, cached: false, fit: null }),
    memory: async () => null,
    deviceLimits: async () => ({ backend: 'wasm', reason: 'test' }),
    tokenIdOf: async (text) => {
      if (text.length > 3) throw toWorkerErrorPayload(new WorkerError('two tokens', 'multi-token'));
      return { id: 7, text };
    },
    decodeVectors: async (vectors) =>
      vectors.map((v) => ({ top: [{ id: v.length, token: 'x', prob: 1 }], entropy: 0 })),
    debugLoseDevice: async () => 'nothing to lose',
    tokenize: async (text) => {
      if (text.length > 5) throw toWorkerErrorPayload(new EngineError('too long', 'prompt-too-long'));
      return [{ id: 1, text }];
    },
    run: async (request, onState, runId, onChunk) => {
      if (request.prompts[0]?.[0] === 999) return new Promise<LensResult>(() => {}); // never settles
      await onState?.(state(0));
      await onChunk?.([state(0)]);
      await onState?.(state(1));
      await onChunk?.([state(1)]);
      return {
        model: info,
        backend: 'wasm',
        prompts: [],
        timings: { trunkMs: runId, lensMs: 0, totalMs: 0 },
      };
    },
    cancel: (runId) => {
      cancelled.push(runId);
    },
    runExperiment: async (request, _options, onProgress, onResults, runId) => {
      await onProgress?.({ done: 1, total: 2, unit: 'examples', perSecond: 1, etaSeconds: 1 });
      await onResults?.([]);
      // an experiment that only ends when cancelled
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (cancelled.includes(runId)) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      throw toWorkerErrorPayload(
        Object.assign(new Error(`${request.experiment} cancelled`), { code: 'cancelled' }),
      );
    },
    dispose: async () => {},
  };
  const client = createEngineClient(() => {
    const channel = new MessageChannel();
    ports.push(channel.port1, channel.port2);
    Comlink.expose(api, channel.port2);
    const worker = new FakeWorker(channel.port1);
    workers.push(worker);
    return worker as unknown as Worker;
  });
  return { client, workers, cancelled, cancelledLoads };
}

describe('engine client', () => {
  it('keeps the engine error code across the worker boundary', async () => {
    const { client } = setup();
    const error = await client.tokenize('far too long').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineClientError);
    expect((error as EngineClientError).code).toBe('prompt-too-long');
    expect((error as EngineClientError).message).toBe('too long');
  });

  it('streams states to onState before the result arrives', async () => {
    const { client } = setup();
    const seen: number[] = [];
    const result = await client.run({ prompts: [[1]] }, { onState: (s) => seen.push(s.index) });
    expect(seen).toEqual([0, 1]);
    expect(result.backend).toBe('wasm');
  });

  it('rejects pending calls on terminate() and starts a fresh worker for the next call', async () => {
    const { client, workers } = setup();
    const lost = vi.fn();
    client.onWorkerLost(lost);
    const pending = client.run({ prompts: [[999]] });
    await client.tokenize('hi'); // the worker is up and the run is in flight
    client.terminate('stopped by test');
    await expect(pending).rejects.toMatchObject({ code: 'worker-terminated', message: 'stopped by test' });
    expect(workers[0]!.terminated).toBe(true);
    expect(lost).toHaveBeenCalledOnce();
    expect(await client.tokenize('ok')).toEqual([{ id: 1, text: 'ok' }]);
    expect(workers).toHaveLength(2);
  });

  it('treats a worker error event as a crash: pending calls reject', async () => {
    const { client, workers } = setup();
    const pending = client.run({ prompts: [[999]] });
    await client.tokenize('hi');
    workers[0]!.dispatchEvent(Object.assign(new Event('error'), { message: 'out of memory' }));
    await expect(pending).rejects.toMatchObject({ code: 'worker-crashed' });
    await expect(pending).rejects.toThrow(/out of memory/);
    expect(workers[0]!.terminated).toBe(true);
  });

  it('forwards an abort to the worker as cancel(runId)', async () => {
    const { client, cancelled } = setup();
    const controller = new AbortController();
    void client.run({ prompts: [[999]] }, { signal: controller.signal }).catch(() => {});
    await client.tokenize('hi');
    controller.abort();
    await vi.waitFor(() => expect(cancelled).toHaveLength(1));
    await expect(client.run({ prompts: [[1]] }, { signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
  });

  it('streams lens chunks to onChunk next to onState', async () => {
    const { client } = setup();
    const chunks: number[][] = [];
    await client.run({ prompts: [[1]] }, { onChunk: (states) => chunks.push(states.map((s) => s.index)) });
    expect(chunks).toEqual([[0], [1]]);
  });

  it('reports load progress and forwards an abort as cancelLoad(loadId)', async () => {
    const { client, cancelledLoads } = setup();
    const seen: LoadProgress['stage'][] = [];
    const load = await client.load(
      { kind: 'url', baseUrl: '/m/' },
      { onProgress: (p) => seen.push(p.stage) },
    );
    expect(load.backend).toBe('wasm');
    expect(seen).toEqual(['fetch', 'init']);
    const controller = new AbortController();
    const pending = client.load(
      { kind: 'hub', hubUrl: 'http://hub', repo: 'never/ends', revision: 'main', name: 'x' },
      { signal: controller.signal },
    );
    await client.tokenize('hi');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'load-cancelled' });
    expect(cancelledLoads).toHaveLength(1);
  });

  it('keeps worker error codes of tokenIdOf, and passes vectors to decodeVectors', async () => {
    const { client } = setup();
    expect(await client.tokenIdOf(' A')).toEqual({ id: 7, text: ' A' });
    await expect(client.tokenIdOf(' Warsaw')).rejects.toMatchObject({ code: 'multi-token' });
    const decoded = await client.decodeVectors([new Float32Array(4)], 1);
    expect(decoded[0]!.top[0]!.id).toBe(4);
  });

  it('relays experiment progress and results, and forwards an abort as cancel(runId)', async () => {
    const { client, cancelled } = setup();
    const controller = new AbortController();
    const progress: number[] = [];
    let batches = 0;
    const run = client.runExperiment(
      { experiment: 'stages', set: { name: 'x', examples: [] } },
      {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.done);
          controller.abort();
        },
        onResults: () => {
          batches++;
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(progress).toEqual([1]);
    expect(batches).toBe(1);
    expect(cancelled).toHaveLength(1);
  });
});
