/**
 * Downloads a model's files from the Hugging Face Hub (or a server in its URL layout) with progress,
 * cancellation, resumption, verification and a cache. Pure TS: fetch and Web Streams only (hashes in
 * wasm), so it runs in a worker, a page and Node 20 alike. Files of any size: bytes stream through
 * the hashes and into the cache as they arrive, and only the ranges a caller keeps stay in memory.
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
import { type FileBytes, KEEP_ALL, type KeepPolicy, readRange } from '../fileBytes.ts';
import type { ModelFiles } from '../modelFiles.ts';
import { readCachedFile } from './cachedRead.ts';
import { HUB_URL } from './catalogue.ts';
import type { FileCache } from './fileCache.ts';
import { type DownloadProgress, ProgressTracker } from './progress.ts';
import { DownloadError, describeError, hostOf, type RemoteFile, transferFile } from './transfer.ts';

export { type CachedMeta, cacheStorageFileCache, type FileCache, memoryFileCache } from './fileCache.ts';
export { sha256Hex } from './hashing.ts';
export type { DownloadPhase, DownloadProgress } from './progress.ts';
export { DownloadError, type DownloadErrorCode } from './transfer.ts';

/** What is about to be transferred, once every file's size is known and before any big transfer. */
export interface TransferPlan {
  /** Every file asked for, with its size and whether it comes from the cache. */
  files: Array<{ file: string; size: number; from: 'cache' | 'network' }>;
  /** Bytes of the files already read from the cache (e.g. config.json), by name. */
  cached: ReadonlyMap<string, FileBytes>;
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
  /** Which bytes of each file to keep in memory (default all; KEEP_NONE fills the cache only). */
  keep?: (file: string) => KeepPolicy;
  /** Called once the plan is known, before any file streams: throw to refuse (e.g. it cannot fit). */
  beforeTransfer?: (plan: TransferPlan) => void | Promise<void>;
  /** Resumptions (Range requests) per file after the connection drops; default 3. */
  maxResumes?: number;
  /** Minimum time between progress events while streaming; default 100 ms. */
  progressIntervalMs?: number;
  /** How long a transfer runs before its rate (and an ETA) is shown; default 1 s. */
  rateWarmupMs?: number;
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
  /** File name -> the kept bytes, in the order asked. */
  files: Map<string, FileBytes>;
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

/** A whole small file (JSON) as one buffer. */
export function wholeFile(bytes: FileBytes, file: string): Uint8Array {
  return readRange(bytes, 0, bytes.byteLength, file);
}

/** Parses the JSON files into what the engine loads. */
export function modelFilesFromDownload(name: string, files: Map<string, FileBytes>): ModelFiles {
  const get = (file: string): FileBytes => {
    const bytes = files.get(file);
    if (!bytes) throw new Error(`${file} missing from the download`);
    return bytes;
  };
  const json = (file: string): unknown => JSON.parse(new TextDecoder().decode(wholeFile(get(file), file)));
  return {
    name,
    config: json('config.json'),
    safetensors: get('model.safetensors'),
    tokenizer: json('tokenizer.json'),
  };
}

/**
 * Downloads `files` from `${hubUrl}/${repo}/resolve/${revision}/`, using and filling `cache`.
 * Cached entries are checked (size, xxHash64) while they are read; a corrupt one is deleted and
 * downloaded again (see `report[i].refetchedBecause`). Only complete, verified files are ever cached: a
 * file that fails or is cancelled leaves no entry (files completed earlier in the same call stay cached).
 * Rejects with DownloadError (or whatever `beforeTransfer` throws).
 */
/** What every step of a download shares: the URLs, the combined signal, the error mapping. */
function downloadContext(options: Omit<DownloadOptions, 'files'>) {
  const hubUrl = (options.hubUrl ?? HUB_URL).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const { repo, cache, signal } = options;
  const keep = options.keep ?? (() => KEEP_ALL);
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  // the browser's HTTP cache would keep a second copy of every checkpoint next to Cache Storage
  const fetchWithSignal = (input: RequestInfo | URL, init?: RequestInit, local?: AbortSignal) => {
    const signals = [signal, local].filter((s) => s !== undefined);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return baseFetch(input, { cache: 'no-store', ...init, ...(combined ? { signal: combined } : {}) });
  };

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

  /** Size, ETag and URL after redirects of one file on the Hub. */
  const metadata = async (file: string): Promise<RemoteFile> => {
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
    return {
      file,
      url,
      downloadUrl: info.url,
      size: info.size,
      etag: info.etag,
      ...(sha256 ? { sha256 } : {}),
    };
  };
  return {
    hubUrl,
    revision,
    repo,
    cache,
    signal,
    keep,
    fetchWithSignal,
    cancelled,
    checkCancelled,
    metadata,
  };
}

/**
 * Each file's size and whether a cached copy exists, without reading or downloading any bytes (a
 * cached copy is only checked when it is read). For "what would loading this take?".
 */
export async function planDownload(
  options: Omit<DownloadOptions, 'keep' | 'beforeTransfer' | 'onProgress'>,
): Promise<TransferPlan['files']> {
  const ctx = downloadContext(options);
  const out: TransferPlan['files'] = [];
  for (const file of options.files) {
    const entry = await ctx.cache
      ?.open(cacheKey(ctx.hubUrl, ctx.repo, ctx.revision, file))
      .catch(() => undefined);
    if (entry) {
      await entry.body.cancel().catch(() => undefined);
      out.push({ file, size: entry.meta.size, from: 'cache' });
    } else {
      out.push({ file, size: (await ctx.metadata(file)).size, from: 'network' });
    }
  }
  return out;
}

/** A cached file's bytes if its copy checks out; undefined otherwise. Changes nothing in the cache. */
export async function readCachedCopy(
  options: Omit<DownloadOptions, 'files' | 'beforeTransfer' | 'onProgress'> & { file: string },
): Promise<FileBytes | undefined> {
  const ctx = downloadContext(options);
  const entry = await ctx.cache
    ?.open(cacheKey(ctx.hubUrl, ctx.repo, ctx.revision, options.file))
    .catch(() => undefined);
  if (!entry) return undefined;
  const read = await readCachedFile(
    options.file,
    entry,
    ctx.keep(options.file),
    new ProgressTracker(undefined, 0),
    () => ctx.checkCancelled(options.file),
  ).catch(() => undefined);
  return read?.ok ? read.bytes : undefined;
}

export async function downloadModelFiles(options: DownloadOptions): Promise<DownloadResult> {
  const ctx = downloadContext(options);
  const { hubUrl, revision, repo, cache, signal, keep, fetchWithSignal, checkCancelled } = ctx;
  const progress = new ProgressTracker(
    options.onProgress,
    options.progressIntervalMs ?? 100,
    options.rateWarmupMs,
  );

  checkCancelled();
  const files = [...options.files];
  const result = new Map<string, FileBytes>();
  const reports = new Map<string, FileReport>();

  // 1. cache: read and check before use
  const refetchReasons = new Map<string, string>();
  if (cache) {
    for (const file of files) {
      checkCancelled(file);
      const key = cacheKey(hubUrl, repo, revision, file);
      progress.emit(file, 'checking-cache', 0, 0);
      let problem: string | undefined;
      try {
        const entry = await cache.open(key);
        if (!entry) continue;
        const read = await readCachedFile(file, entry, keep(file), progress, () => checkCancelled(file));
        if (read.ok) {
          result.set(file, read.bytes);
          progress.overallLoaded += entry.meta.size;
          const { sha256, size } = entry.meta;
          reports.set(file, {
            file,
            from: 'cache',
            size,
            sha256,
            verifiedAgainstHub: 'cache',
            resumes: 0,
            restarts: 0,
          });
          continue;
        }
        problem = read.problem;
      } catch (error) {
        if (error instanceof DownloadError) throw error;
        problem = `cache unreadable: ${describeError(error)}`;
      }
      refetchReasons.set(file, problem);
      progress.emit(file, 'checking-cache', 0, 0, { note: `${problem}: deleted, downloading again` });
      await cache.delete(key).catch(() => undefined);
    }
  }

  // 2. metadata of every file still needed (fails fast on 404 before streaming gigabytes)
  const remote = new Map<string, RemoteFile>();
  for (const file of files) {
    if (result.has(file)) continue;
    const info = await ctx.metadata(file);
    const refetchedBecause = refetchReasons.get(file);
    remote.set(file, { ...info, ...(refetchedBecause ? { refetchedBecause } : {}) });
  }

  const plan: TransferPlan = {
    files: files.map((file) => ({
      file,
      size: reports.get(file)?.size ?? remote.get(file)!.size,
      from: reports.has(file) ? 'cache' : 'network',
    })),
    cached: result,
  };
  progress.overallTotal = plan.files.reduce((sum, f) => sum + f.size, 0);
  await options.beforeTransfer?.(plan);
  for (const file of files)
    if (reports.has(file)) progress.emit(file, 'cached', reports.get(file)!.size, reports.get(file)!.size);

  // 3. stream the rest, one at a time
  for (const file of files) {
    const r = remote.get(file);
    if (!r) continue;
    const transferred = await transferFile(
      {
        repo,
        fetch: (input, init, local) => fetchWithSignal(input, init, local),
        signal,
        progress,
        stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
        maxResumes: options.maxResumes ?? 3,
        ...(cache ? { cache: { store: cache, key: cacheKey(hubUrl, repo, revision, file) } } : {}),
      },
      r,
      keep(file),
    );
    result.set(file, transferred.bytes);
    reports.set(file, {
      file,
      from: 'network',
      size: r.size,
      sha256: transferred.sha256,
      verifiedAgainstHub: r.sha256 ? 'sha256' : 'size',
      resumes: transferred.resumes,
      restarts: transferred.restarts,
      ...(r.refetchedBecause ? { refetchedBecause: r.refetchedBecause } : {}),
      ...(transferred.cacheError ? { cacheError: transferred.cacheError } : {}),
    });
    progress.emit(file, 'done', r.size, r.size);
  }

  checkCancelled();
  return {
    files: new Map(files.map((f) => [f, result.get(f)!])),
    report: files.map((f) => reports.get(f)!),
  };
}
