/**
 * The model download layer against a real loopback server in the Hub's URL layout, serving tiny
 * checkpoints as scripts/writeHubFolder.ts writes them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FileBytes } from '../models/fileBytes.ts';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { findCatalogueEntry, GPT2_CATALOGUE } from '../models/hub/catalogue.ts';
import {
  cacheKey,
  cacheStorageFileCache,
  DownloadError,
  type DownloadProgress,
  downloadModelFiles,
  memoryFileCache,
  modelFilesFromDownload,
  sha256FromEtag,
  wholeFile,
} from '../models/hub/download.ts';
import { checkFits, largestTensorBytes, weightBytes } from '../models/hub/fit.ts';
import { ProgressTracker } from '../models/hub/progress.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { HUB_FILES, writeHubFolder } from '../scripts/writeHubFolder.ts';
import { type HubServer, startHubServer } from './support/hubServer.ts';

const REPO = 'lenslab-test/tiny-gpt2';
const FILES = [...HUB_FILES];

let root: string;
let server: HubServer;
const onDisk = new Map<string, Uint8Array>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lenslab-hub-'));
  const fixture = makeGpt2Fixture({ nLayer: 2, nEmbd: 8, nHead: 2, nPositions: 16, seed: 7 });
  await writeHubFolder(join(root, REPO), fixture, loadGpt2TokenizerJsonFromPackage());
  for (const file of FILES) onDisk.set(file, new Uint8Array(await readFile(join(root, REPO, file))));
  server = await startHubServer({ root, redirects: { 'tiny-gpt2': REPO } });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

afterEach(() => {
  server.faults.clear();
  server.faults.latencyMs = 0;
});

/** Requests the server saw from now on. */
function watchRequests(): () => typeof server.requests {
  const from = server.requests.length;
  return () => server.requests.slice(from);
}

function fileUrl(file: string, repo = REPO): string {
  return `${server.url}/${repo}/resolve/main/${file}`;
}

/** toEqual on megabyte arrays is slow enough to stall the event loop (and the server with it). */
function expectSameBytes(actual: Uint8Array | FileBytes | undefined, expected: Uint8Array | undefined): void {
  expect(actual).toBeDefined();
  const bytes = actual instanceof Uint8Array ? actual : wholeFile(actual!, 'file');
  expect(bytes.byteLength).toBe(expected!.byteLength);
  expect(Buffer.compare(bytes, expected!)).toBe(0);
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DownloadError);
    return error as DownloadError;
  }
  throw new Error('expected the download to fail');
}

describe('downloadModelFiles', () => {
  it('downloads the three files with monotonic progress ending at the total; bytes equal the files', async () => {
    const events: DownloadProgress[] = [];
    const cache = memoryFileCache();
    const seen = watchRequests();
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: FILES,
      cache,
      onProgress: (p) => events.push(p),
      progressIntervalMs: 0,
      rateWarmupMs: 0,
    });
    for (const file of FILES) expectSameBytes(files.get(file), onDisk.get(file));
    const total = FILES.reduce((sum, f) => sum + onDisk.get(f)!.byteLength, 0);

    const streaming = events.filter((e) => e.overallTotal > 0);
    expect(streaming.length).toBeGreaterThan(5);
    for (const e of streaming) expect(e.overallTotal).toBe(total);
    for (let i = 1; i < streaming.length; i++) {
      expect(streaming[i]!.overallLoaded).toBeGreaterThanOrEqual(streaming[i - 1]!.overallLoaded);
      if (streaming[i]!.file === streaming[i - 1]!.file) {
        expect(streaming[i]!.loadedBytes).toBeGreaterThanOrEqual(streaming[i - 1]!.loadedBytes);
      }
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: 'done', overallLoaded: total, overallTotal: total, etaSeconds: 0 });
    expect(
      events.some((e) => e.phase === 'downloading' && e.loadedBytes > 0 && e.loadedBytes < e.totalBytes),
    ).toBe(true);
    expect(events.filter((e) => e.phase === 'verifying').map((e) => e.file)).toEqual(FILES);
    expect(events.some((e) => e.bytesPerSecond > 0)).toBe(true);

    expect(report.map((r) => [r.file, r.from, r.verifiedAgainstHub, r.resumes])).toEqual([
      ['config.json', 'network', 'size', 0],
      ['model.safetensors', 'network', 'sha256', 0],
      ['tokenizer.json', 'network', 'sha256', 0],
    ]);
    // metadata through @huggingface/hub (a bytes=0-0 probe), then one plain GET per file
    const gets = seen().filter((r) => r.url.endsWith('model.safetensors'));
    expect(gets.map((r) => [r.method, r.range, r.status])).toEqual([
      ['GET', 'bytes=0-0', 206],
      ['GET', undefined, 200],
    ]);
    expect(cache.entries.size).toBe(3);

    const model = modelFilesFromDownload('tiny', files);
    expect((model.config as { n_layer: number }).n_layer).toBe(2);
    expect(model.safetensors).toBe(files.get('model.safetensors'));
  });

  it('uses the cache the second time: nothing is requested', async () => {
    const cache = memoryFileCache();
    await downloadModelFiles({ hubUrl: server.url, repo: REPO, files: FILES, cache });
    const seen = watchRequests();
    const events: DownloadProgress[] = [];
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: FILES,
      cache,
      onProgress: (p) => events.push(p),
    });
    expect(seen()).toEqual([]);
    expect(report.map((r) => r.from)).toEqual(['cache', 'cache', 'cache']);
    for (const file of FILES) expectSameBytes(files.get(file), onDisk.get(file));
    expect(events.filter((e) => e.phase === 'cached').map((e) => e.file)).toEqual(FILES);
    expect(events.at(-1)).toMatchObject({ overallLoaded: events.at(-1)!.overallTotal });
  });

  it('detects a corrupt or truncated cache entry, deletes it and downloads the file again', async () => {
    const cache = memoryFileCache();
    await downloadModelFiles({ hubUrl: server.url, repo: REPO, files: FILES, cache });
    const modelKey = cacheKey(server.url, REPO, 'main', 'model.safetensors');
    const configKey = cacheKey(server.url, REPO, 'main', 'config.json');
    const model = cache.entries.get(modelKey)!;
    model.bytes.set([model.bytes[1234]! ^ 0x01], 1234);
    const config = cache.entries.get(configKey)!;
    config.bytes = config.bytes.slice(0, 10);

    const seen = watchRequests();
    const events: DownloadProgress[] = [];
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: FILES,
      cache,
      onProgress: (p) => events.push(p),
    });
    for (const file of FILES) expectSameBytes(files.get(file), onDisk.get(file));
    const byFile = new Map(report.map((r) => [r.file, r]));
    expect(byFile.get('model.safetensors')).toMatchObject({ from: 'network' });
    expect(byFile.get('model.safetensors')!.refetchedBecause).toMatch(/xxHash64/);
    expect(byFile.get('config.json')!.refetchedBecause).toMatch(/has 10 bytes, expected \d+/);
    expect(byFile.get('tokenizer.json')).toMatchObject({ from: 'cache' });
    expect(events.some((e) => e.phase === 'checking-cache' && /downloading again/.test(e.note ?? ''))).toBe(
      true,
    );
    expect(seen().some((r) => r.url.endsWith('model.safetensors') && r.range === undefined)).toBe(true);
    // the cache holds good copies again
    expectSameBytes(cache.entries.get(modelKey)!.bytes, onDisk.get('model.safetensors'));
    expectSameBytes(cache.entries.get(configKey)!.bytes, onDisk.get('config.json'));
  });

  it('resumes a stream that breaks mid-way with a Range request; the result is byte-identical', async () => {
    server.faults.breakAfterBytes('model.safetensors', 400_000);
    server.faults.breakAfterBytes('model.safetensors', 300_000);
    const seen = watchRequests();
    const cache = memoryFileCache();
    const events: DownloadProgress[] = [];
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: FILES,
      cache,
      onProgress: (p) => events.push(p),
    });
    expectSameBytes(files.get('model.safetensors'), onDisk.get('model.safetensors'));
    const model = report.find((r) => r.file === 'model.safetensors')!;
    expect(model).toMatchObject({ resumes: 2, restarts: 0, verifiedAgainstHub: 'sha256' });
    const gets = seen().filter((r) => r.url.endsWith('model.safetensors'));
    expect(gets.map((r) => [r.range, r.status])).toEqual([
      ['bytes=0-0', 206],
      [undefined, 200],
      ['bytes=400000-', 206],
      ['bytes=700000-', 206],
    ]);
    expect(events.filter((e) => /resuming/.test(e.note ?? ''))).toHaveLength(2);
    expectSameBytes(
      cache.entries.get(cacheKey(server.url, REPO, 'main', 'model.safetensors'))!.bytes,
      onDisk.get('model.safetensors'),
    );
  });

  it('starts again from byte 0 when the server ignores the Range request', async () => {
    server.faults.breakAfterBytes('model.safetensors', 500_000);
    server.faults.ignoreRangeNext('model.safetensors');
    const seen = watchRequests();
    const events: DownloadProgress[] = [];
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: ['model.safetensors'],
      onProgress: (p) => events.push(p),
    });
    expectSameBytes(files.get('model.safetensors'), onDisk.get('model.safetensors'));
    expect(report[0]).toMatchObject({ resumes: 1, restarts: 1 });
    expect(seen().map((r) => [r.range, r.status])).toEqual([
      ['bytes=0-0', 206],
      [undefined, 200],
      ['bytes=500000-', 200],
    ]);
    expect(events.some((e) => /did not resume at byte 500000/.test(e.note ?? ''))).toBe(true);
  });

  it('downloads a resumed file again from the start when it fails its SHA-256 check', async () => {
    server.faults.breakAfterBytes('model.safetensors', 500_000);
    server.faults.corruptNext('model.safetensors');
    const seen = watchRequests();
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: ['model.safetensors'],
    });
    expectSameBytes(files.get('model.safetensors'), onDisk.get('model.safetensors'));
    expect(report[0]).toMatchObject({ resumes: 1, restarts: 1 });
    expect(seen().map((r) => r.range)).toEqual(['bytes=0-0', undefined, 'bytes=500000-', undefined]);
  });

  it('gives up after 3 resumes with a network error and caches nothing of that file', async () => {
    for (let i = 0; i < 4; i++) server.faults.breakAfterBytes('model.safetensors', 100_000);
    const cache = memoryFileCache();
    const error = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: REPO, files: ['model.safetensors'], cache }),
    );
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/model\.safetensors: the connection to 127\.0\.0\.1:\d+ dropped 4 times/);
    expect(cache.entries.size).toBe(0);
  });

  it('rejects corrupted bytes with hash-mismatch and caches nothing', async () => {
    server.faults.corruptNext('model.safetensors');
    const cache = memoryFileCache();
    const error = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: REPO, files: ['model.safetensors'], cache }),
    );
    expect(error.code).toBe('hash-mismatch');
    expect(error.message).toMatch(
      /^model\.safetensors: SHA-256 [0-9a-f]{64} differs from the Hub's [0-9a-f]{64}/,
    );
    expect(cache.entries.size).toBe(0);
  });

  it('reports 404 and 500 as http errors naming the file, URL and status', async () => {
    const missing = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: REPO, files: ['config.json', 'vocab.json'] }),
    );
    expect(missing).toMatchObject({ code: 'http', status: 404, file: 'vocab.json' });
    expect(missing.message).toBe(`vocab.json: HTTP 404 from ${fileUrl('vocab.json')}`);

    const noRepo = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: 'nobody/nothing', files: FILES }),
    );
    expect(noRepo.message).toBe(`config.json: HTTP 404 from ${fileUrl('config.json', 'nobody/nothing')}`);

    server.faults.failNext('model.safetensors', 500);
    const cache = memoryFileCache();
    const failed = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: REPO, files: FILES, cache }),
    );
    expect(failed).toMatchObject({ code: 'http', status: 500 });
    expect(failed.message).toBe(`model.safetensors: HTTP 500 from ${fileUrl('model.safetensors')}`);
    // metadata comes first for every file: nothing was streamed or cached
    expect(cache.entries.size).toBe(0);
  });

  it('reports an unreachable host as a network error naming the host', async () => {
    const closed = await startHubServer({ root });
    await closed.close();
    const host = new URL(closed.url).host;
    const error = await rejection(downloadModelFiles({ hubUrl: closed.url, repo: REPO, files: FILES }));
    expect(error.code).toBe('network');
    expect(error.message).toContain(host);
    expect(error.message).toMatch(
      /^Hub unreachable: cannot get config\.json from 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/,
    );
  });

  it('cancels mid-download with an AbortSignal: rejects with cancelled, caches nothing partial', async () => {
    server.faults.stallAfterBytes('model.safetensors', 300_000);
    const controller = new AbortController();
    const cache = memoryFileCache();
    const error = await rejection(
      downloadModelFiles({
        hubUrl: server.url,
        repo: REPO,
        files: ['model.safetensors', 'config.json', 'tokenizer.json'],
        cache,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.file === 'model.safetensors' && p.phase === 'downloading' && p.loadedBytes > 0)
            controller.abort();
        },
      }),
    );
    expect(error.code).toBe('cancelled');
    expect(error.message).toMatch(/cancelled \(during model\.safetensors\)/);
    expect(cache.entries.size).toBe(0);

    const seen = watchRequests();
    const before = await rejection(
      downloadModelFiles({ hubUrl: server.url, repo: REPO, files: FILES, signal: AbortSignal.abort() }),
    );
    expect(before.code).toBe('cancelled');
    expect(seen()).toEqual([]);
  });

  it('cancels while a stalled stream waits, without waiting for the server', async () => {
    server.faults.stallAfterBytes('model.safetensors', 200_000);
    const controller = new AbortController();
    const download = downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: ['model.safetensors'],
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'downloading' && p.loadedBytes >= 200_000) setTimeout(() => controller.abort(), 50);
      },
      progressIntervalMs: 0,
    });
    expect((await rejection(download)).code).toBe('cancelled');
  });

  it('drops a stalled stream after stallTimeoutMs and resumes it; progress keeps ticking meanwhile', async () => {
    server.faults.stallAfterBytes('model.safetensors', 250_000);
    const seen = watchRequests();
    const events: DownloadProgress[] = [];
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: ['model.safetensors'],
      stallTimeoutMs: 600,
      onProgress: (p) => events.push(p),
    });
    expectSameBytes(files.get('model.safetensors'), onDisk.get('model.safetensors'));
    expect(report[0]).toMatchObject({ resumes: 1 });
    expect(seen().map((r) => r.range)).toEqual(['bytes=0-0', undefined, 'bytes=250000-']);
    const stalled = events.filter((e) => e.phase === 'downloading' && e.loadedBytes === 250_000);
    expect(stalled.length).toBeGreaterThan(2);
    expect(stalled.at(-1)!.note).toMatch(/no data for 0\.6 s.*resuming \(1\/3\)/);
  });

  it('follows the Hub redirect of a legacy repo id', async () => {
    const { files } = await downloadModelFiles({
      hubUrl: server.url,
      repo: 'tiny-gpt2',
      files: ['config.json'],
    });
    expectSameBytes(files.get('config.json'), onDisk.get('config.json'));
  });
});

describe('ProgressTracker', () => {
  it('shows no rate and no ETA until a transfer has run a second: a small file before says nothing', () => {
    let now = 1000;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const events: DownloadProgress[] = [];
      const tracker = new ProgressTracker((p) => events.push(p), 0);
      tracker.overallTotal = 10_000_000;
      // config.json: 2 kB in 1 ms, a burst that would promise an absurd rate
      tracker.startTransfer();
      now += 1;
      tracker.addNetworkBytes(2000);
      tracker.overallLoaded = 2000;
      tracker.emit('config.json', 'downloading', 2000, 2000);
      // the big file starts: for its first second nothing is known about the rate
      tracker.startTransfer();
      for (let i = 1; i <= 9; i++) {
        now += 100;
        tracker.addNetworkBytes(100_000);
        tracker.overallLoaded += 100_000;
        tracker.emit('model.safetensors', 'downloading', i * 100_000, 9_998_000);
      }
      expect(events.map((e) => [e.bytesPerSecond, e.etaSeconds])).toEqual(Array(10).fill([0, null]));
      now += 200;
      tracker.addNetworkBytes(200_000);
      tracker.overallLoaded += 200_000;
      tracker.emit('model.safetensors', 'downloading', 1_100_000, 9_998_000);
      const last = events.at(-1)!;
      expect(last.bytesPerSecond).toBeCloseTo(1_000_000, -3);
      expect(last.etaSeconds).toBeCloseTo((10_000_000 - 1_102_000) / 1_000_000, 0);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('cacheStorageFileCache', () => {
  /** Cache Storage as browsers and workers have it, for the parts the cache uses. */
  function fakeCacheStorage(): CacheStorage {
    const caches = new Map<string, Map<string, Response>>();
    const open = async (name: string): Promise<Cache> => {
      const entries = caches.get(name) ?? new Map<string, Response>();
      caches.set(name, entries);
      const cache: Partial<Cache> = {
        match: async (key) => entries.get(String(key))?.clone(),
        put: async (key, response) => {
          // the real put consumes the body; keep a copy that can be cloned later
          entries.set(String(key), new Response(await response.arrayBuffer(), { headers: response.headers }));
        },
        delete: async (key) => entries.delete(String(key)),
      };
      return cache as Cache;
    };
    return { open } as Partial<CacheStorage> as CacheStorage;
  }

  const readAll = async (body: ReadableStream<Uint8Array>): Promise<Uint8Array> =>
    new Uint8Array(await new Response(body).arrayBuffer());

  it('streams bytes in, makes the entry visible only once committed, and streams them out', async () => {
    const cache = cacheStorageFileCache('test', fakeCacheStorage());
    const key = 'https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors';
    const meta = {
      size: 5,
      sha256: 'ab'.repeat(32),
      xxh64: '01'.repeat(8),
      etag: `"${'ab'.repeat(32)}"`,
      storedAt: 1234,
    };
    expect(await cache.open(key)).toBeUndefined();
    const writer = cache.create(key, 5);
    await writer.write(new Uint8Array([1, 2, 3]));
    await writer.write(new Uint8Array([4, 5]));
    expect(await cache.open(key)).toBeUndefined();
    await writer.commit(meta);
    const entry = await cache.open(key);
    expect(entry?.meta).toEqual(meta);
    expect(Array.from(await readAll(entry!.body))).toEqual([1, 2, 3, 4, 5]);
    await cache.delete(key);
    expect(await cache.open(key)).toBeUndefined();
  });

  it('an aborted write leaves no entry', async () => {
    const cache = cacheStorageFileCache('test', fakeCacheStorage());
    const key = 'https://huggingface.co/x/resolve/main/model.safetensors';
    const writer = cache.create(key, 5);
    await writer.write(new Uint8Array([1, 2, 3]));
    await writer.abort();
    expect(await cache.open(key)).toBeUndefined();
  });

  it('works as the download cache', async () => {
    const cache = cacheStorageFileCache('lenslab-models', fakeCacheStorage());
    await downloadModelFiles({ hubUrl: server.url, repo: REPO, files: FILES, cache });
    const seen = watchRequests();
    const { files, report } = await downloadModelFiles({
      hubUrl: server.url,
      repo: REPO,
      files: FILES,
      cache,
    });
    expect(seen()).toEqual([]);
    expect(report.every((r) => r.from === 'cache')).toBe(true);
    expectSameBytes(files.get('model.safetensors'), onDisk.get('model.safetensors'));
  });
});

describe('hub server', () => {
  it('answers HEAD and Range requests as the Hub does, with CORS and CORP headers', async () => {
    const head = await fetch(fileUrl('model.safetensors'), { method: 'HEAD' });
    const size = onDisk.get('model.safetensors')!.byteLength;
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(size));
    expect(head.headers.get('x-linked-size')).toBe(String(size));
    expect(sha256FromEtag(head.headers.get('x-linked-etag') ?? undefined)).toMatch(/^[0-9a-f]{64}$/);
    expect(head.headers.get('x-repo-commit')).toMatch(/^[0-9a-f]{40}$/);
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    expect(head.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(head.headers.get('access-control-expose-headers')).toMatch(/X-Linked-Etag/);

    const part = await fetch(fileUrl('model.safetensors'), { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expectSameBytes(
      new Uint8Array(await part.arrayBuffer()),
      onDisk.get('model.safetensors')!.subarray(10, 20),
    );

    const config = await fetch(fileUrl('config.json'), { method: 'HEAD' });
    expect(config.headers.get('x-linked-etag')).toBeNull();
    expect(config.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);

    const missing = await fetch(fileUrl('nope.bin'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');
    await missing.body?.cancel();

    const preflight = await fetch(fileUrl('config.json'), {
      method: 'OPTIONS',
      headers: { 'Access-Control-Request-Headers': 'range', Origin: 'http://localhost:4173' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('range');
  });
});

describe('checkFits', () => {
  const xl = findCatalogueEntry('gpt2-xl')!;
  const large = findCatalogueEntry('gpt2-large')!;
  const medium = findCatalogueEntry('openai-community/gpt2-medium')!;
  const gpu = { backend: 'webgpu' as const, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };

  it('knows the GPT-2 family, and its weights from the shape', () => {
    expect(GPT2_CATALOGUE.map((e) => [e.repo, Math.round(e.bytes / 1e7) / 100])).toEqual([
      ['openai-community/gpt2', 0.55],
      ['openai-community/gpt2-medium', 1.52],
      ['openai-community/gpt2-large', 3.25],
      ['openai-community/gpt2-xl', 6.43],
    ]);
    expect(findCatalogueEntry('gpt2')?.repo).toBe('openai-community/gpt2');
    expect(largestTensorBytes(xl)).toBe(50257 * 1600 * 4);
    // the shape gives the parameter counts the Hub publishes (the files add the mask buffers)
    for (const entry of GPT2_CATALOGUE) expect(weightBytes(entry, 'float32')).toBe(entry.parameters * 4);
    expect(weightBytes(xl, 'float16')).toBe(3_281_324_800);
  });

  it('wasm: float32 up to 2.68 GB of weights, float16 blocks beyond (labelled), refused past that', () => {
    expect(checkFits(medium, { backend: 'wasm' })).toEqual({
      ok: true,
      blockWeights: 'float32',
      weightBytes: medium.parameters * 4,
      warnings: [],
    });
    const fit = checkFits(large, { backend: 'wasm' });
    expect(fit).toMatchObject({ ok: true, blockWeights: 'float16' });
    if (fit.ok)
      expect(fit.warnings[0]).toMatch(
        /gpt2-large's float32 weights \(3\.10 GB\) do not fit the wasm heap: its block matrices are held as float16 \(1.68 GB in all\)/,
      );
    const refused = checkFits(xl, { backend: 'wasm' });
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.reason).toMatch(
        /gpt2-xl has 6\.23 GB of float32 weights \(3\.28 GB with float16 blocks\).*4\.29 GB.*2\.68 GB/,
      );
  });

  it('WebGPU: float32 within 4 GiB; gpt2-xl as float16 on a shader-f16 adapter, refused without one', () => {
    expect(checkFits(large, gpu)).toMatchObject({ ok: true, blockWeights: 'float32', warnings: [] });
    expect(checkFits(xl, { ...gpu, shaderF16: true })).toMatchObject({ ok: true, blockWeights: 'float16' });
    const noF16 = checkFits(xl, gpu);
    expect(noF16.ok).toBe(false);
    if (!noF16.ok)
      expect(noF16.reason).toMatch(
        /6\.23 GB of float32 weights.*4\.29 GB.*float16 weights \(3\.28 GB\) need the 'shader-f16' feature/,
      );
    // asked for: float16 even where float32 fits
    expect(checkFits(medium, { ...gpu, shaderF16: true, preferFloat16: true })).toMatchObject({
      ok: true,
      blockWeights: 'float16',
      warnings: [],
    });
    expect(checkFits(medium, { ...gpu, preferFloat16: true })).toMatchObject({
      ok: true,
      blockWeights: 'float32',
    });
  });

  it('refuses gpt2-xl on a WebGPU device with maxStorageBufferBindingSize 128 MiB', () => {
    const fit = checkFits(xl, { ...gpu, shaderF16: true, maxStorageBufferBindingSize: 128 * 2 ** 20 });
    expect(fit.ok).toBe(false);
    if (!fit.ok) {
      expect(fit.reason).toMatch(/322 MB \(307 MiB\).*maxStorageBufferBindingSize of 134 MB \(128 MiB\)/);
    }
    const small = checkFits(xl, { ...gpu, shaderF16: true, maxBufferSize: 256 * 2 ** 20 });
    expect(small.ok).toBe(false);
    if (!small.ok) expect(small.reason).toMatch(/maxBufferSize/);
  });

  it('accepts gpt2-medium on WebGPU with 1 GiB limits; unknown limits are a warning', () => {
    expect(checkFits(medium, gpu)).toMatchObject({ ok: true, warnings: [] });
    expect(checkFits(medium, { backend: 'webgpu' })).toMatchObject({
      ok: true,
      warnings: [expect.any(String)],
    });
  });

  it('uses the device memory when it is below the browsers cap', () => {
    const fit = checkFits(medium, { ...gpu, deviceMemoryBytes: 2 * 2 ** 30 });
    expect(fit.ok).toBe(false);
    if (!fit.ok) expect(fit.reason).toMatch(/2\.84 GB of memory.*2\.15 GB/);
    expect(checkFits(xl, { ...gpu, shaderF16: true, deviceMemoryBytes: 8 * 2 ** 30 })).toMatchObject({
      ok: true,
    });
    expect(checkFits({ nLayer: 1, nEmbd: 8, vocabSize: 100, nPositions: 8 }, { backend: 'wasm' }).ok).toBe(
      true,
    );
  });
});
