/**
 * Load to first heatmap row, with and without the cache: the app's loading path (workers/loader: the
 * Hub download with its streaming hashes, the cache, the fit check, sessions, warm-up) on a random
 * checkpoint of a real shape served by the loopback Hub, then the default prompt's lens at every
 * position until its first row arrives. Not a test: `npm run bench:load [-- --models gpt2-medium
 * --backends cpu,wasm]`. The cache is in memory here (Cache Storage is the browser's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { DEFAULT_PROMPT } from '../app/url/stateSchema.ts';
import { memoryFileCache } from '../models/hub/download.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { writeHubFolder } from '../scripts/writeHubFolder.ts';
import { startHubServer } from '../tests/support/hubServer.ts';
import type { HubLocation } from '../workers/api.ts';
import type { OrtRuntime } from '../workers/engine/ortRuntime.ts';
import { createEngineService } from '../workers/loader/engineService.ts';
import { fastGpt2Fixture, MODEL_SHAPES } from './fixture.ts';

export interface LoadFigures {
  model: string;
  backend: 'cpu' | 'wasm';
  cached: boolean;
  /** Load() call to resolved: files (download or cache), sessions, warm-up. */
  loadMs: number;
  fetchMs: number;
  initMs: number;
  warmUpMs: number;
  /** Load start to the first heatmap row of the default prompt (every position, 3 states a chunk). */
  firstRowMs: number;
  /** Load start to the whole heatmap. */
  fullHeatmapMs: number;
  bytes: number;
}

export async function measureLoading(
  modelName: string,
  backend: 'cpu' | 'wasm',
  wasmThreads = 2,
): Promise<LoadFigures[]> {
  const shape = MODEL_SHAPES[modelName];
  if (!shape) throw new Error(`unknown model ${modelName}`);
  const root = mkdtempSync(join(tmpdir(), 'lenslab-bench-load-'));
  const repo = `bench/${shape.name}`;
  const fixture = fastGpt2Fixture(shape, 7);
  await writeHubFolder(join(root, repo), fixture, loadGpt2TokenizerJsonFromPackage());
  const bytes = fixture.safetensors.byteLength;
  const server = await startHubServer({ root });
  ortWeb.env.wasm.numThreads = wasmThreads;
  const ort = (backend === 'cpu' ? ortNode : ortWeb) as unknown as OrtRuntime;
  const cache = memoryFileCache();
  const location: HubLocation = { kind: 'hub', hubUrl: server.url, repo, revision: 'main', name: shape.name };
  const out: LoadFigures[] = [];
  try {
    for (const cached of [false, true]) {
      const service = createEngineService({
        runtime: async () => ({
          ort,
          executionProviders: [backend],
          threads: () => (backend === 'wasm' ? wasmThreads : 1),
        }),
        probe: async () => ({ backend: 'wasm', hasAdapter: false, reason: 'bench' }),
        files: { fetch: globalThis.fetch.bind(globalThis), cache, baseUrl: `${server.url}/` },
        crossOriginIsolated: true,
      });
      const started = performance.now();
      const load = await service.load(location, {}, undefined, 1);
      const loaded = performance.now();
      const ids = service.tokenize(DEFAULT_PROMPT).map((t) => t.id);
      let firstRow = 0;
      await service.run(
        { prompts: [ids], positions: 'all', statesPerChunk: 3, topK: 10 },
        { onChunk: () => (firstRow ||= performance.now()) },
        2,
      );
      const done = performance.now();
      out.push({
        model: shape.name,
        backend,
        cached,
        loadMs: loaded - started,
        fetchMs: load.timings.fetchMs,
        initMs: load.timings.initMs,
        warmUpMs: load.timings.warmUpMs ?? 0,
        firstRowMs: firstRow - started,
        fullHeatmapMs: done - started,
        bytes,
      });
      if (cached && !load.files?.every((f) => f.from === 'cache'))
        throw new Error('the second load did not come from the cache');
      await service.dispose();
    }
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'gpt2-medium' },
      backends: { type: 'string', default: 'cpu,wasm' },
    },
  });
  const rows: LoadFigures[] = [];
  for (const model of values.models!.split(',')) {
    for (const backend of values.backends!.split(',') as Array<'cpu' | 'wasm'>) {
      rows.push(...(await measureLoading(model, backend)));
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  process.stdout.write(
    '| model | backend | cache | files | sessions | warm-up | first row | full heatmap |\n|---|---|---|---|---|---|---|---|\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.model} | ${r.backend} | ${r.cached ? 'yes' : 'no'} | ${s(r.fetchMs)} | ${s(r.initMs)} | ${s(r.warmUpMs)} | ${s(r.firstRowMs)} | ${s(r.fullHeatmapMs)} |\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

if (process.argv[1]?.endsWith('loading.ts')) await main();
