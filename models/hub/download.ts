/**
 * Downloads a model's files from the Hugging Face Hub (or a server in its URL layout) with progress,
 * cancellation, resumption, verification and a cache. Pure TS: fetch, Web Streams and
 * crypto.subtle only, so it runs in a worker, a page and Node 20 alike.
 *
 * `@huggingface/hub`'s `fileDownloadInfo` provides each file's metadata (size, ETag, the URL after
 * redirects, "not found"). The bytes come from a plain streamed fetch of that URL: the library's
 * `downloadFile` returns a lazy Blob whose `stream()` hides the response (status, Content-Range) and
 * turns errors into bare strings, so it cannot tell a dropped connection from an HTTP error, check that
 * a resumed request really got the requested range, or report progress per chunk with a cause.
 *
 * URL layout: `${hubUrl}/${repo}/resolve/${revision}/${file}`.
 */
import { fileDownloadInfo, HubApiError, InvalidApiResponseFormatError } from '@huggingface/hub';
import type { ModelFiles } from '../../workers/engine/types.ts';
import { HUB_URL } from './catalogue.ts';

export interface CachedMeta {
  size: number;
  /** SHA-256 of the bytes (hex), computed when they were stored: every later use checks it. */
  sha256?: string;
  /** The Hub's ETag for the file when it was downloaded. */
  etag?: string;
  /** Date.now() at storage. */
  storedAt: number;
}

export interface FileCache {
  get(key: string): Promise<{ bytes: Uint8Array; meta: CachedMeta } | undefined>;
  put(key: string, bytes: Uint8Array, meta: CachedMeta): Promise<void>;
  delete(key: string): Promise<void>;
}

export type DownloadPhase = 'checking-cache' | 'downloading' | 'verifying' | 'cached' | 'done';

export interface DownloadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
  /** Bytes of all files, cached ones included. `overallTotal` is 0 until every file's size is known. */
  overallLoaded: number;
  overallTotal: number;
  /** Network throughput over the last few seconds. */
  bytesPerSecond: number;
  etaSeconds: number | null;
  /**
   * Per file: 'checking-cache', then 'cached' (used from the cache) or 'downloading'..., 'verifying',
   * 'done'. The last event of a successful call has overallLoaded === overallTotal.
   */
  phase: DownloadPhase;
  /** Something worth telling the user: a corrupt cached copy, a resumed or restarted transfer. */
  note?: string;
}

export type DownloadErrorCode =
  | 'http'
  | 'network'
  | 'size-mismatch'
  | 'hash-mismatch'
  | 'cancelled'
  /** The server answered, but not as the Hub does (no size or ETag: e.g. CORS hiding the headers). */
  | 'bad-response';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly code: DownloadErrorCode,
    readonly file?: string,
    readonly url?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  /** Default https://huggingface.co. */
  hubUrl?: string;
  /** e.g. 'openai-community/gpt2-medium' (legacy ids such as 'gpt2' redirect on the Hub). */
  repo: string;
  /** Branch, tag or commit; default 'main'. */
  revision?: string;
  files: readonly string[];
  cache?: FileCache;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Resumptions (Range requests) per file after the connection drops; default 3. */
  maxResumes?: number;
  /** Minimum time between progress events while streaming; default 100 ms. */
  progressIntervalMs?: number;
  /** No byte for this long: the request is dropped and resumed like a broken stream; default 30 s. */
  stallTimeoutMs?: number;
}

export interface FileReport {
  file: string;
  from: 'cache' | 'network';
  size: number;
  sha256: string;
  /** What the Hub's data confirmed: sha256 for LFS files (X-Linked-Etag), else the size only. */
  verifiedAgainstHub: 'sha256' | 'size' | 'cache';
  /** Set when a cached copy existed but was unusable, so the file came from the network. */
  refetchedBecause?: string;
  /** Range requests after dropped connections. */
  resumes: number;
  /** Transfers started again from byte 0 (server ignored Range, or a resumed file failed its hash). */
  restarts: number;
  /** Storing in the cache failed (e.g. quota): the download itself succeeded. */
  cacheError?: string;
}

export interface DownloadResult {
  /** File name -> bytes, in the order asked. */
  files: Map<string, Uint8Array>;
  /** One entry per file, in the order asked. */
  report: FileReport[];
}

export function hubFileUrl(hubUrl: string, repo: string, revision: string, file: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** Cache key: the file's Hub URL (hub + repo + revision + file). */
export const cacheKey = hubFileUrl;

/** The Hub's ETag for LFS files (X-Linked-Etag) is the content's SHA-256; git blobs carry a SHA-1. */
export function sha256FromEtag(etag: string | undefined): string | undefined {
  const bare = etag
    ?.trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return bare && /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses the JSON files into what the engine loads. */
export function modelFilesFromDownload(name: string, files: Map<string, Uint8Array>): ModelFiles {
  const get = (file: string): Uint8Array => {
    const bytes = files.get(file);
    if (!bytes) throw new Error(`${file} missing from the download`);
    return bytes;
  };
  const json = (file: string): unknown => JSON.parse(new TextDecoder().decode(get(file)));
  return {
    name,
    config: json('config.json'),
    safetensors: get('model.safetensors'),
    tokenizer: json('tokenizer.json'),
  };
}

// ---------------------------------------------------------------------------------------------------
// caches

/** In-memory cache (tests, Node). Stores copies, so callers may modify what they get. */
export function memoryFileCache(): FileCache & {
  entries: Map<string, { bytes: Uint8Array; meta: CachedMeta }>;
} {
  const entries = new Map<string, { bytes: Uint8Array; meta: CachedMeta }>();
  return {
    entries,
    async get(key) {
      const entry = entries.get(key);
      return entry && { bytes: entry.bytes.slice(), meta: { ...entry.meta } };
    },
    async put(key, bytes, meta) {
      entries.set(key, { bytes: bytes.slice(), meta: { ...meta } });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

const META_HEADERS = {
  size: 'X-LensLab-Size',
  sha256: 'X-LensLab-Sha256',
  etag: 'X-LensLab-Etag',
  storedAt: 'X-LensLab-Stored-At',
} as const;

/**
 * The Cache Storage API (window.caches or self.caches in a worker; needs a secure context). Each file is
 * a Response keyed by its Hub URL, the metadata in X-LensLab-* headers. `storage` is for tests.
 */
export function cacheStorageFileCache(
  cacheName = 'lenslab-models',
  storage: CacheStorage | undefined = globalThis.caches,
): FileCache {
  const open = (): Promise<Cache> => {
    if (!storage) throw new Error('Cache Storage is not available here (insecure context or no caches API)');
    return storage.open(cacheName);
  };
  return {
    async get(key) {
      const response = await (await open()).match(key);
      if (!response) return undefined;
      const size = Number(response.headers.get(META_HEADERS.size));
      const storedAt = Number(response.headers.get(META_HEADERS.storedAt));
      const sha256 = response.headers.get(META_HEADERS.sha256) ?? undefined;
      const etag = response.headers.get(META_HEADERS.etag) ?? undefined;
      if (!Number.isFinite(size)) return undefined;
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { bytes, meta: { size, storedAt, ...(sha256 ? { sha256 } : {}), ...(etag ? { etag } : {}) } };
    },
    async put(key, bytes, meta) {
      const headers = new Headers({
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(bytes.byteLength),
        [META_HEADERS.size]: String(meta.size),
        [META_HEADERS.storedAt]: String(meta.storedAt),
      });
      if (meta.sha256) headers.set(META_HEADERS.sha256, meta.sha256);
      // ETags are quoted ASCII; anything else is dropped rather than breaking the header
      if (meta.etag && /^[\x20-\x7e]*$/.test(meta.etag)) headers.set(META_HEADERS.etag, meta.etag);
      // a stream of views, not the array itself: Response(BufferSource) would copy gigabytes at once
      const chunk = 8 * 1024 * 1024;
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.byteLength) {
            controller.close();
            return;
          }
          controller.enqueue(bytes.subarray(at, at + chunk));
          at += chunk;
        },
      });
      await (await open()).put(key, new Response(body, { status: 200, headers }));
    },
    async delete(key) {
      await (await open()).delete(key);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// download

interface RemoteFile {
  file: string;
  url: string;
  /** URL after redirects (from fileDownloadInfo). */
  downloadUrl: string;
  size: number;
  etag: string;
  sha256?: string;
  refetchedBecause?: string;
}

interface CachedFile {
  file: string;
  bytes: Uint8Array;
  meta: CachedMeta;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) {
    return `${error.message}: ${cause.message}`;
  }
  return error.message;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Progress bookkeeping: throttling, throughput over a sliding window, ETA. */
class ProgressTracker {
  overallLoaded = 0;
  overallTotal = 0;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private readonly samples: { t: number; bytes: number }[] = [];
  private networkBytes = 0;

  constructor(
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
    private readonly intervalMs: number,
  ) {}

  /** A request starts: the throughput counts from here. */
  mark(): void {
    this.addNetworkBytes(0);
  }

  addNetworkBytes(n: number): void {
    this.networkBytes += n;
    const t = performance.now();
    this.samples.push({ t, bytes: this.networkBytes });
    while (this.samples.length > 1 && t - this.samples[1]!.t > 3000) this.samples.shift();
  }

  /** Over the last ~3 s up to now: falls towards 0 while a stream stalls. */
  private bytesPerSecond(): number {
    const now = performance.now();
    while (this.samples.length > 1 && now - this.samples[1]!.t > 3000) this.samples.shift();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || now - first.t < 1) return 0;
    return ((last.bytes - first.bytes) * 1000) / (now - first.t);
  }

  emit(
    file: string,
    phase: DownloadPhase,
    loadedBytes: number,
    totalBytes: number,
    options: { throttle?: boolean; note?: string } = {},
  ): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (options.throttle && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const bytesPerSecond = this.bytesPerSecond();
    const remaining = this.overallTotal - this.overallLoaded;
    const etaSeconds =
      this.overallTotal > 0 && remaining <= 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : null;
    this.onProgress({
      file,
      loadedBytes,
      totalBytes,
      overallLoaded: this.overallLoaded,
      overallTotal: this.overallTotal,
      bytesPerSecond,
      etaSeconds: this.overallTotal > 0 ? etaSeconds : null,
      phase,
      ...(options.note ? { note: options.note } : {}),
    });
  }
}

/** A dropped connection while reading the body: resumable, unlike HTTP errors. */
class StreamBroken extends Error {}

/**
 * Downloads `files` from `${hubUrl}/${repo}/resolve/${revision}/`, using and filling `cache`.
 * Cached entries are verified (size, SHA-256) before use; a corrupt one is deleted and downloaded
 * again (see `report[i].refetchedBecause`). Only complete, verified files are ever cached: a file that
 * fails or is cancelled leaves no entry (files completed earlier in the same call stay cached).
 * Rejects with DownloadError.
 */
export async function downloadModelFiles(options: DownloadOptions): Promise<DownloadResult> {
  const hubUrl = (options.hubUrl ?? HUB_URL).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const { repo, cache, signal } = options;
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  // the browser's HTTP cache would keep a second copy of every checkpoint next to Cache Storage
  const fetchWithSignal = (input: RequestInfo | URL, init?: RequestInit, local?: AbortSignal) => {
    const signals = [signal, local].filter((s) => s !== undefined);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return baseFetch(input, { cache: 'no-store', ...init, ...(combined ? { signal: combined } : {}) });
  };
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const progressIntervalMs = options.progressIntervalMs ?? 100;
  const tickMs = Math.max(20, Math.min(progressIntervalMs || 100, stallTimeoutMs / 4));
  const maxResumes = options.maxResumes ?? 3;
  const progress = new ProgressTracker(options.onProgress, progressIntervalMs);

  const cancelled = (file?: string): DownloadError =>
    new DownloadError(`Download of ${repo} cancelled${file ? ` (during ${file})` : ''}`, 'cancelled', file);
  const checkCancelled = (file?: string): void => {
    if (signal?.aborted) throw cancelled(file);
  };
  /** Maps anything thrown while talking to the server to a DownloadError. */
  const toDownloadError = (error: unknown, file: string, url: string): DownloadError => {
    if (error instanceof DownloadError) return error;
    if (signal?.aborted) return cancelled(file);
    if (error instanceof HubApiError) {
      return new DownloadError(
        `${file}: HTTP ${error.statusCode} from ${url}`,
        'http',
        file,
        url,
        error.statusCode,
      );
    }
    if (error instanceof InvalidApiResponseFormatError) {
      return new DownloadError(
        `${file}: unexpected response from ${url} (${error.message}; a CORS policy that hides ` +
          'Content-Range/ETag/X-Linked-* headers looks the same)',
        'bad-response',
        file,
        url,
      );
    }
    return new DownloadError(
      `Hub unreachable: cannot get ${file} from ${hostOf(url)} (${describeError(error)})`,
      'network',
      file,
      url,
    );
  };

  checkCancelled();
  const files = [...options.files];

  // 1. cache: verify before use
  const cached = new Map<string, CachedFile>();
  const refetchReasons = new Map<string, string>();
  if (cache) {
    for (const file of files) {
      checkCancelled(file);
      const key = cacheKey(hubUrl, repo, revision, file);
      progress.emit(file, 'checking-cache', 0, 0);
      let entry: { bytes: Uint8Array; meta: CachedMeta } | undefined;
      try {
        entry = await cache.get(key);
      } catch (error) {
        refetchReasons.set(file, `cache unreadable: ${describeError(error)}`);
      }
      if (!entry) continue;
      let problem: string | undefined;
      if (entry.bytes.byteLength !== entry.meta.size) {
        problem = `cached copy has ${entry.bytes.byteLength} bytes, expected ${entry.meta.size}`;
      } else if (entry.meta.sha256) {
        progress.emit(file, 'checking-cache', 0, entry.meta.size, { note: 'verifying the cached copy' });
        const actual = await sha256Hex(entry.bytes);
        if (actual !== entry.meta.sha256) {
          problem = `cached copy's SHA-256 ${actual} differs from the stored ${entry.meta.sha256}`;
        }
      }
      checkCancelled(file);
      if (problem) {
        refetchReasons.set(file, problem);
        progress.emit(file, 'checking-cache', 0, entry.meta.size, {
          note: `${problem}: deleted, downloading again`,
        });
        await cache.delete(key).catch(() => undefined);
        continue;
      }
      cached.set(file, { file, ...entry });
    }
  }

  // 2. metadata of every file still needed (fails fast on 404 before streaming gigabytes)
  const remote = new Map<string, RemoteFile>();
  for (const file of files) {
    if (cached.has(file)) continue;
    checkCancelled(file);
    const url = hubFileUrl(hubUrl, repo, revision, file);
    let info: Awaited<ReturnType<typeof fileDownloadInfo>>;
    try {
      info = await fileDownloadInfo({
        hubUrl,
        repo,
        revision,
        path: file,
        fetch: (i, o) => fetchWithSignal(i, o),
      });
    } catch (error) {
      throw toDownloadError(error, file, url);
    }
    if (!info) throw new DownloadError(`${file}: HTTP 404 from ${url}`, 'http', file, url, 404);
    const sha256 = sha256FromEtag(info.etag);
    const refetchedBecause = refetchReasons.get(file);
    remote.set(file, {
      file,
      url,
      downloadUrl: info.url,
      size: info.size,
      etag: info.etag,
      ...(sha256 ? { sha256 } : {}),
      ...(refetchedBecause ? { refetchedBecause } : {}),
    });
  }

  progress.overallTotal =
    [...cached.values()].reduce((sum, c) => sum + c.meta.size, 0) +
    [...remote.values()].reduce((sum, r) => sum + r.size, 0);

  // 3. cached files count as loaded; then stream the rest, one at a time
  const result = new Map<string, Uint8Array>();
  const reports = new Map<string, FileReport>();
  for (const c of cached.values()) {
    progress.overallLoaded += c.meta.size;
    result.set(c.file, c.bytes);
    reports.set(c.file, {
      file: c.file,
      from: 'cache',
      size: c.meta.size,
      sha256: c.meta.sha256 ?? (await sha256Hex(c.bytes)),
      verifiedAgainstHub: 'cache',
      resumes: 0,
      restarts: 0,
    });
    progress.emit(c.file, 'cached', c.meta.size, c.meta.size);
  }

  for (const file of files) {
    const r = remote.get(file);
    if (!r) continue;
    const { bytes, resumes, restarts, sha256 } = await streamFile(r);
    const report: FileReport = {
      file,
      from: 'network',
      size: r.size,
      sha256,
      verifiedAgainstHub: r.sha256 ? 'sha256' : 'size',
      resumes,
      restarts,
      ...(r.refetchedBecause ? { refetchedBecause: r.refetchedBecause } : {}),
    };
    if (cache) {
      checkCancelled(file);
      try {
        await cache.put(cacheKey(hubUrl, repo, revision, file), bytes, {
          size: r.size,
          sha256,
          etag: r.etag,
          storedAt: Date.now(),
        });
      } catch (error) {
        report.cacheError = describeError(error);
      }
    }
    result.set(file, bytes);
    reports.set(file, report);
    progress.emit(file, 'done', r.size, r.size);
  }

  checkCancelled();
  return {
    files: new Map(files.map((f) => [f, result.get(f)!])),
    report: files.map((f) => reports.get(f)!),
  };

  /** Streams one file into a buffer of its announced size, resuming after dropped connections. */
  async function streamFile(r: RemoteFile): Promise<{
    bytes: Uint8Array;
    resumes: number;
    restarts: number;
    sha256: string;
  }> {
    const { file, size } = r;
    const bytes = new Uint8Array(size);
    const base = progress.overallLoaded;
    let offset = 0;
    let resumes = 0;
    let restarts = 0;
    let cleanRetryUsed = false;
    const account = (n: number): void => {
      offset += n;
      progress.overallLoaded = base + offset;
    };
    const restart = (note: string): void => {
      restarts++;
      account(-offset);
      progress.emit(file, 'downloading', 0, size, { note });
    };

    progress.emit(file, 'downloading', 0, size);
    for (;;) {
      checkCancelled(file);
      const resumeFrom = offset;
      // per request: the watchdog drops a stalled one (resumed like a broken stream) and keeps
      // progress ticking, so a stall shows as a falling speed rather than silence
      const local = new AbortController();
      let lastActivity = performance.now();
      progress.mark();
      const watchdog = setInterval(() => {
        if (performance.now() - lastActivity > stallTimeoutMs) {
          local.abort(new Error(`no data for ${stallTimeoutMs / 1000} s`));
        }
        progress.emit(file, 'downloading', offset, size, { throttle: true });
      }, tickMs);
      try {
        await transfer(resumeFrom, local.signal, () => {
          lastActivity = performance.now();
        });
      } catch (error) {
        if (!(error instanceof StreamBroken)) throw error;
        checkCancelled(file);
        if (resumes >= maxResumes) {
          throw new DownloadError(
            `${file}: the connection to ${hostOf(r.url)} dropped ${resumes + 1} times ` +
              `(last at byte ${offset} of ${size}: ${error.message})`,
            'network',
            file,
            r.url,
          );
        }
        resumes++;
        progress.emit(file, 'downloading', offset, size, {
          note: `connection dropped at byte ${offset} of ${size} (${error.message}); resuming (${resumes}/${maxResumes})`,
        });
        continue;
      } finally {
        clearInterval(watchdog);
      }
      if (offset !== size) {
        throw new DownloadError(
          `${file}: received ${offset} bytes, the Hub announced ${size} (from ${r.url})`,
          'size-mismatch',
          file,
          r.url,
        );
      }
      progress.emit(file, 'verifying', offset, size);
      const sha256 = await sha256Hex(bytes);
      checkCancelled(file);
      if (r.sha256 && sha256 !== r.sha256) {
        if ((resumes > 0 || restarts > 0) && !cleanRetryUsed) {
          // a resumed transfer may have spliced two versions: one clean attempt before giving up
          cleanRetryUsed = true;
          restart(`${file} failed its SHA-256 check after resuming: downloading it again from the start`);
          continue;
        }
        throw new DownloadError(
          `${file}: SHA-256 ${sha256} differs from the Hub's ${r.sha256} (from ${r.url})`,
          'hash-mismatch',
          file,
          r.url,
        );
      }
      return { bytes, resumes, restarts, sha256 };
    }

    /** One request from `resumeFrom` to the end; a dropped or stalled connection throws StreamBroken. */
    async function transfer(resumeFrom: number, local: AbortSignal, onData: () => void): Promise<void> {
      let response: Response;
      try {
        response = await fetchWithSignal(
          r.downloadUrl,
          // `bytes=N-` alone is a CORS-safelisted header: If-Range would cost a preflight on the Hub and its
          // CDN; a changed file shows in Content-Range's total or in the final SHA-256 check instead
          { headers: resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {} },
          local,
        );
      } catch (error) {
        if (signal?.aborted) throw cancelled(file);
        // the metadata request got through: the host is there, so this is worth another try
        throw new StreamBroken(describeError(local.aborted ? local.reason : error));
      }
      onData();
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        if ([401, 403, 404, 410].includes(response.status) && r.downloadUrl !== r.url) {
          // a signed CDN URL from the first redirect may have expired: ask the Hub for a fresh one
          r.downloadUrl = r.url;
          throw new StreamBroken(
            `HTTP ${response.status} from the redirected URL; asking ${hostOf(r.url)} again`,
          );
        }
        throw new DownloadError(
          `${file}: HTTP ${response.status} from ${r.url}`,
          'http',
          file,
          r.url,
          response.status,
        );
      }
      if (resumeFrom > 0) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('Content-Range') ?? '');
        if (
          response.status === 206 &&
          (!range || Number(range[1]) !== resumeFrom || (range[3] !== '*' && Number(range[3]) !== size))
        ) {
          // not the range asked for, or of a file of another size: drop it and ask for the whole file
          await response.body?.cancel().catch(() => undefined);
          restart(`the server answered the wrong range for byte ${resumeFrom}: downloading ${file} again`);
          return transfer(0, local, onData);
        }
        if (response.status !== 206) {
          // 200: Range ignored; this body is the whole file
          restart(
            `the server did not resume at byte ${resumeFrom}: downloading ${file} again from the start`,
          );
        }
      } else if (response.status === 206) {
        await response.body?.cancel().catch(() => undefined);
        throw new DownloadError(
          `${file}: unexpected partial response from ${r.url}`,
          'bad-response',
          file,
          r.url,
        );
      }
      const reader = response.body?.getReader();
      if (!reader)
        throw new DownloadError(`${file}: empty response from ${r.url}`, 'bad-response', file, r.url);
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (signal?.aborted) throw cancelled(file);
            throw new StreamBroken(describeError(local.aborted ? local.reason : error));
          }
          if (chunk.done) return;
          const value = chunk.value;
          onData();
          if (offset + value.byteLength > size) {
            throw new DownloadError(
              `${file}: the server sent more than the announced ${size} bytes (from ${r.url})`,
              'size-mismatch',
              file,
              r.url,
            );
          }
          bytes.set(value, offset);
          account(value.byteLength);
          progress.addNetworkBytes(value.byteLength);
          progress.emit(file, 'downloading', offset, size, { throttle: offset < size });
        }
      } catch (error) {
        await reader.cancel().catch(() => undefined);
        throw error;
      }
    }
  }
}
