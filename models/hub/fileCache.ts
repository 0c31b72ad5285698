/**
 * Where downloaded model files are kept between visits. Files stream in and out: a write receives the
 * bytes as they download (never one buffer of the whole file), a read yields them in chunks. A file
 * counts as cached only once its metadata entry exists, written after the bytes were stored and
 * verified: an interrupted or refused write leaves nothing that looks complete.
 */

export interface CachedMeta {
  size: number;
  /** SHA-256 of the bytes (hex), checked against the Hub's when they arrived. */
  sha256: string;
  /** xxHash64 of the bytes (hex): what later loads check the cached copy against. */
  xxh64: string;
  /** The Hub's ETag when it was downloaded. */
  etag?: string;
  /** Date.now() at storage. */
  storedAt: number;
}

export interface CachedFile {
  meta: CachedMeta;
  /** The stored bytes, streamed. */
  body: ReadableStream<Uint8Array>;
}

/** A file being stored. Writes wait when the store falls behind, so memory stays bounded. */
export interface CacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the bytes, then writes the metadata that makes the entry visible. Rejects if storing failed. */
  commit(meta: CachedMeta): Promise<void>;
  /** Drops what was written (a failed or cancelled download). */
  abort(): Promise<void>;
}

export interface FileCache {
  open(key: string): Promise<CachedFile | undefined>;
  create(key: string, size: number): CacheWriter;
  delete(key: string): Promise<void>;
}

const READ_CHUNK = 8 * 1024 * 1024;

/** Streams a buffer in views (no copy), as a cache read would. */
export function streamOf(bytes: Uint8Array, chunk = READ_CHUNK): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(at, at + chunk));
      at += chunk;
    },
  });
}

/** In-memory cache (tests, Node). Tests may damage `entries[key].bytes` to simulate a broken cache. */
export function memoryFileCache(): FileCache & {
  entries: Map<string, { bytes: Uint8Array; meta: CachedMeta }>;
} {
  const entries = new Map<string, { bytes: Uint8Array; meta: CachedMeta }>();
  return {
    entries,
    async open(key) {
      const entry = entries.get(key);
      return entry && { meta: { ...entry.meta }, body: streamOf(entry.bytes.slice(), 64 * 1024) };
    },
    create(key) {
      const chunks: Uint8Array[] = [];
      let aborted = false;
      return {
        async write(chunk) {
          if (!aborted) chunks.push(chunk.slice());
        },
        async commit(meta) {
          if (aborted) throw new Error('the cache write was aborted');
          const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
          let at = 0;
          for (const c of chunks) {
            bytes.set(c, at);
            at += c.byteLength;
          }
          entries.set(key, { bytes, meta: { ...meta } });
        },
        async abort() {
          aborted = true;
          chunks.length = 0;
        },
      };
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

/**
 * The Cache Storage API (window.caches or self.caches in a worker; needs a secure context). Bytes are
 * a Response keyed by the file's Hub URL in `cacheName`; the metadata is a JSON Response under the same
 * key in `${cacheName}-meta`. `storage` is for tests.
 */
export function cacheStorageFileCache(
  cacheName = 'lenslab-models',
  storage: CacheStorage | undefined = globalThis.caches,
): FileCache {
  const open = (name: string): Promise<Cache> => {
    if (!storage) throw new Error('Cache Storage is not available here (insecure context or no caches API)');
    return storage.open(name);
  };
  const bodies = () => open(cacheName);
  const metas = () => open(`${cacheName}-meta`);
  return {
    async open(key) {
      const metaResponse = await (await metas()).match(key);
      if (!metaResponse) return undefined;
      const meta = parseMeta(await metaResponse.json().catch(() => undefined));
      const response = await (await bodies()).match(key);
      if (!meta || !response?.body) return undefined;
      return { meta, body: response.body };
    },
    create(key, size) {
      return cacheStorageWriter(bodies, metas, key, size);
    },
    async delete(key) {
      // the metadata first: a body without it is never used
      await (await metas()).delete(key);
      await (await bodies()).delete(key);
    },
  };
}

function parseMeta(value: unknown): CachedMeta | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const ok =
    typeof m.size === 'number' &&
    typeof m.sha256 === 'string' &&
    typeof m.xxh64 === 'string' &&
    typeof m.storedAt === 'number';
  if (!ok) return undefined;
  return {
    size: m.size as number,
    sha256: m.sha256 as string,
    xxh64: m.xxh64 as string,
    storedAt: m.storedAt as number,
    ...(typeof m.etag === 'string' ? { etag: m.etag } : {}),
  };
}

/** Chunks queued for the store before a write waits for it. */
const QUEUED_CHUNKS = 16;

function cacheStorageWriter(
  bodies: () => Promise<Cache>,
  metas: () => Promise<Cache>,
  key: string,
  size: number,
): CacheWriter {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        wake?.();
        wake = undefined;
      },
    },
    { highWaterMark: QUEUED_CHUNKS },
  );
  const headers = { 'Content-Type': 'application/octet-stream', 'X-LensLab-Size': String(size) };
  const stored = bodies().then((cache) => cache.put(key, new Response(body, { status: 200, headers })));
  stored.catch((error: unknown) => {
    failure ??= error;
    wake?.();
  });
  return {
    async write(chunk) {
      if (failure) return;
      try {
        controller.enqueue(chunk);
      } catch (error) {
        // the store gave up and cancelled the body: the download goes on without the cache
        failure ??= error;
        return;
      }
      if ((controller.desiredSize ?? 1) <= 0 && !failure) await new Promise<void>((r) => (wake = r));
    },
    async commit(meta) {
      if (failure) throw failure;
      controller.close();
      await stored;
      await (await metas()).put(
        key,
        new Response(JSON.stringify(meta), { headers: { 'Content-Type': 'application/json' } }),
      );
    },
    async abort() {
      if (!failure) controller.error(new Error('download failed or was cancelled'));
      await stored.catch(() => undefined);
      await (await bodies()).delete(key).catch(() => undefined);
    },
  };
}
