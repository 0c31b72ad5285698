/**
 * The list of the app's own files (what `vite build` wrote), which "Prepare for talk" caches so that
 * a reload at a venue without network still starts the app. Written at build time as
 * `app-files.json` by the build plugin in vite.config.ts; read and checked by the page. Pure: no DOM.
 */

export const APP_FILES_NAME = 'app-files.json';
/** The service worker's own script: never served from a cache (its updates must come through). */
export const SERVICE_WORKER_NAME = 'sw.js';
/** Cache Storage names: one cache per build, `lenslab-app-<build>`; older builds' caches are dropped. */
export const APP_CACHE_PREFIX = 'lenslab-app-';

export interface AppFile {
  /** Relative to the app's base URL, '/'-separated, e.g. "assets/index-BBT0mCa3.js". */
  path: string;
  bytes: number;
}

export interface AppFilesManifest {
  v: 1;
  /** Changes whenever any file's content does: names the cache. */
  build: string;
  files: AppFile[];
}

/** Files a reload never needs: the list itself, the service worker, source maps. */
export function isPrecached(path: string): boolean {
  return path !== APP_FILES_NAME && path !== SERVICE_WORKER_NAME && !path.endsWith('.map');
}

/** The manifest for the built files (paths relative to the output folder) and a content hash. */
export function appFilesManifest(files: readonly AppFile[], build: string): AppFilesManifest {
  const kept = files
    .filter((f) => isPrecached(f.path))
    .map((f) => ({ path: f.path, bytes: f.bytes }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { v: 1, build, files: kept };
}

const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._@-]+(?:\/[A-Za-z0-9._@-]+)*$/;

/** Reads `app-files.json`: the manifest, or why it cannot be used. */
export function parseAppFiles(value: unknown): AppFilesManifest | string {
  if (typeof value !== 'object' || value === null) return 'the app file list is not a JSON object';
  const v = value as Record<string, unknown>;
  if (v.v !== 1) return `the app file list has version ${JSON.stringify(v.v)}, expected 1`;
  if (typeof v.build !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v.build))
    return 'the app file list has no valid build id';
  if (!Array.isArray(v.files) || v.files.length === 0) return 'the app file list names no files';
  const files: AppFile[] = [];
  for (const [i, f] of v.files.entries()) {
    const file = f as Record<string, unknown> | null;
    const path = file?.path;
    const bytes = file?.bytes;
    if (typeof path !== 'string' || !SAFE_PATH.test(path))
      return `app file ${i}: ${JSON.stringify(path)} is not a relative path inside the app`;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
      return `app file ${i} (${path}): size ${JSON.stringify(bytes)} is not a byte count`;
    files.push({ path, bytes });
  }
  return { v: 1, build: v.build, files };
}

/**
 * The URLs to cache, given the app's base URL: every file, plus the base itself for index.html (a
 * navigation asks for "/", not "/index.html").
 */
export function precacheUrls(manifest: AppFilesManifest, base: string): string[] {
  const urls = manifest.files.map((f) => new URL(f.path, base).href);
  if (manifest.files.some((f) => f.path === 'index.html')) urls.unshift(new URL('./', base).href);
  return urls;
}
