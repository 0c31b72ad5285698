/**
 * Reads a cached file back in chunks, keeping the ranges the caller wants and checking the whole of
 * it (size and xxHash64) on the way: a damaged or truncated entry is reported, never used.
 */
import { type FileBytes, FileBytesWriter, type KeepPolicy } from '../fileBytes.ts';
import type { CachedFile } from './fileCache.ts';
import { xxh64Stream } from './hashing.ts';
import type { ProgressTracker } from './progress.ts';

export type CachedRead = { ok: true; bytes: FileBytes } | { ok: false; problem: string };

export async function readCachedFile(
  file: string,
  entry: CachedFile,
  policy: KeepPolicy,
  progress: ProgressTracker,
  /** Throws the caller's cancellation error when the load was cancelled. */
  checkCancelled: () => void,
): Promise<CachedRead> {
  const { meta } = entry;
  const writer = new FileBytesWriter(meta.size, policy);
  const hash = await xxh64Stream();
  const base = progress.overallLoaded;
  const reader = entry.body.getReader();
  let seen = 0;
  try {
    for (;;) {
      checkCancelled();
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.byteLength;
      if (seen > meta.size) {
        return { ok: false, problem: `cached copy has more than the ${meta.size} bytes stored` };
      }
      hash.update(value);
      writer.write(value);
      progress.overallLoaded = base + seen;
      progress.emit(file, 'reading-cache', seen, meta.size, { throttle: true });
    }
  } catch (error) {
    checkCancelled();
    return { ok: false, problem: `cache unreadable: ${(error as Error).message}` };
  } finally {
    await reader.cancel().catch(() => undefined);
    progress.overallLoaded = base;
  }
  if (seen !== meta.size)
    return { ok: false, problem: `cached copy has ${seen} bytes, expected ${meta.size}` };
  const actual = hash.digest();
  if (actual !== meta.xxh64) {
    return { ok: false, problem: `cached copy's xxHash64 ${actual} differs from the stored ${meta.xxh64}` };
  }
  return { ok: true, bytes: writer.finish() };
}
