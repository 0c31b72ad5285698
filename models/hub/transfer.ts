/**
 * Streams one file from the Hub: resumes dropped connections with Range requests, restarts when the
 * server will not resume, and passes every byte, in order, to a sink that hashes it, keeps the ranges
 * the caller wants and writes it to the cache. The whole file is never one buffer.
 */
import { CodedError, type DownloadErrorCode } from '../errors.ts';
import { type FileBytes, FileBytesWriter, type KeepPolicy } from '../fileBytes.ts';
import type { CacheWriter, FileCache } from './fileCache.ts';
import { type StreamHash, sha256Stream, xxh64Stream } from './hashing.ts';
import type { ProgressTracker } from './progress.ts';

export type { DownloadErrorCode } from '../errors.ts';

export class DownloadError extends CodedError<DownloadErrorCode> {
  override name = 'DownloadError';
  constructor(
    message: string,
    code: DownloadErrorCode,
    readonly file?: string,
    readonly url?: string,
    readonly status?: number,
  ) {
    super(message, code);
  }
}

export interface RemoteFile {
  file: string;
  url: string;
  /** URL after redirects (from fileDownloadInfo). */
  downloadUrl: string;
  size: number;
  etag: string;
  sha256?: string;
  refetchedBecause?: string;
}

export interface TransferContext {
  repo: string;
  fetch: (input: string, init: RequestInit, local: AbortSignal) => Promise<Response>;
  signal: AbortSignal | undefined;
  progress: ProgressTracker;
  stallTimeoutMs: number;
  maxResumes: number;
  /** Where a verified file is stored while it streams (none: not cached). */
  cache?: { store: FileCache; key: string };
}

export interface TransferResult {
  bytes: FileBytes;
  resumes: number;
  restarts: number;
  sha256: string;
  xxh64: string;
  /** Set when storing in the cache failed (the download itself succeeded). */
  cacheError?: string;
}

/** A dropped connection while reading the body: resumable, unlike HTTP errors. */
class StreamBroken extends Error {}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) {
    return `${error.message}: ${cause.message}`;
  }
  return error.message;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Everything a byte passes through on arrival; reset() when the transfer starts over. */
class Sink {
  private cacheWriter: CacheWriter | undefined;
  cacheError: string | undefined;

  private constructor(
    readonly writer: FileBytesWriter,
    readonly sha256: StreamHash,
    readonly xxh64: StreamHash,
    private readonly cache: TransferContext['cache'],
    size: number,
  ) {
    this.cacheWriter = cache?.store.create(cache.key, size);
  }

  static async create(size: number, policy: KeepPolicy, cache: TransferContext['cache']): Promise<Sink> {
    return new Sink(
      new FileBytesWriter(size, policy),
      await sha256Stream(),
      await xxh64Stream(),
      cache,
      size,
    );
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.sha256.update(chunk);
    this.xxh64.update(chunk);
    this.writer.write(chunk);
    await this.cacheWriter?.write(chunk);
  }

  async reset(): Promise<void> {
    this.writer.reset();
    this.sha256.reset();
    this.xxh64.reset();
    if (this.cache && this.cacheWriter) {
      await this.cacheWriter.abort();
      this.cacheWriter = this.cache.store.create(this.cache.key, this.writer.byteLength);
    }
  }

  async commit(meta: { sha256: string; xxh64: string; etag?: string }): Promise<void> {
    if (!this.cacheWriter) return;
    try {
      await this.cacheWriter.commit({ size: this.writer.byteLength, storedAt: Date.now(), ...meta });
    } catch (error) {
      this.cacheError = describeError(error);
      await this.cacheWriter.abort().catch(() => undefined);
    }
  }

  async abort(): Promise<void> {
    await this.cacheWriter?.abort().catch(() => undefined);
  }
}

/**
 * Streams `r` and returns the kept bytes once its size and (for LFS files) SHA-256 check out; a file
 * that fails or is cancelled leaves no cache entry.
 */
export async function transferFile(
  ctx: TransferContext,
  r: RemoteFile,
  policy: KeepPolicy,
): Promise<TransferResult> {
  const { file, size } = r;
  const { progress, signal } = ctx;
  const cancelled = (): DownloadError =>
    new DownloadError(`Download of ${ctx.repo} cancelled (during ${file})`, 'cancelled', file);
  const checkCancelled = (): void => {
    if (signal?.aborted) throw cancelled();
  };
  const sink = await Sink.create(size, policy, ctx.cache);
  const base = progress.overallLoaded;
  let offset = 0;
  let resumes = 0;
  let restarts = 0;
  let cleanRetryUsed = false;
  const account = (n: number): void => {
    offset += n;
    progress.overallLoaded = base + offset;
  };
  const restart = async (note: string): Promise<void> => {
    restarts++;
    account(-offset);
    await sink.reset();
    progress.emit(file, 'downloading', 0, size, { note });
  };

  try {
    progress.startTransfer();
    progress.emit(file, 'downloading', 0, size);
    for (;;) {
      checkCancelled();
      const resumeFrom = offset;
      // per request: the watchdog drops a stalled one (resumed like a broken stream) and keeps
      // progress ticking, so a stall shows as a falling speed rather than silence
      const local = new AbortController();
      let lastActivity = performance.now();
      progress.mark();
      const tickMs = Math.max(20, Math.min(100, ctx.stallTimeoutMs / 4));
      const watchdog = setInterval(() => {
        if (performance.now() - lastActivity > ctx.stallTimeoutMs) {
          local.abort(new Error(`no data for ${ctx.stallTimeoutMs / 1000} s`));
        }
        progress.emit(file, 'downloading', offset, size, { throttle: true });
      }, tickMs);
      try {
        await transfer(resumeFrom, local.signal, () => {
          lastActivity = performance.now();
        });
      } catch (error) {
        if (!(error instanceof StreamBroken)) throw error;
        checkCancelled();
        if (resumes >= ctx.maxResumes) {
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
          note: `connection dropped at byte ${offset} of ${size} (${error.message}); resuming (${resumes}/${ctx.maxResumes})`,
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
      const sha256 = sink.sha256.digest();
      if (r.sha256 && sha256 !== r.sha256) {
        if ((resumes > 0 || restarts > 0) && !cleanRetryUsed) {
          // a resumed transfer may have spliced two versions: one clean attempt before giving up
          cleanRetryUsed = true;
          await restart(
            `${file} failed its SHA-256 check after resuming: downloading it again from the start`,
          );
          continue;
        }
        throw new DownloadError(
          `${file}: SHA-256 ${sha256} differs from the Hub's ${r.sha256} (from ${r.url})`,
          'hash-mismatch',
          file,
          r.url,
        );
      }
      const xxh64 = sink.xxh64.digest();
      checkCancelled();
      if (ctx.cache) progress.emit(file, 'storing', offset, size);
      await sink.commit({ sha256, xxh64, ...(r.etag ? { etag: r.etag } : {}) });
      return {
        bytes: sink.writer.finish(),
        resumes,
        restarts,
        sha256,
        xxh64,
        ...(sink.cacheError ? { cacheError: sink.cacheError } : {}),
      };
    }
  } catch (error) {
    await sink.abort();
    throw error;
  }

  /** One request from `resumeFrom` to the end; a dropped or stalled connection throws StreamBroken. */
  async function transfer(resumeFrom: number, local: AbortSignal, onData: () => void): Promise<void> {
    let response: Response;
    try {
      response = await ctx.fetch(
        r.downloadUrl,
        // `bytes=N-` alone is a CORS-safelisted header: If-Range would cost a preflight on the Hub and its
        // CDN; a changed file shows in Content-Range's total or in the final SHA-256 check instead
        { headers: resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {} },
        local,
      );
    } catch (error) {
      if (signal?.aborted) throw cancelled();
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
        await restart(
          `the server answered the wrong range for byte ${resumeFrom}: downloading ${file} again`,
        );
        return transfer(0, local, onData);
      }
      if (response.status !== 206) {
        // 200: Range ignored; this body is the whole file
        await restart(
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
          if (signal?.aborted) throw cancelled();
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
        await sink.write(value);
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
