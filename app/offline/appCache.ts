/**
 * The page's side of working offline: registering the service worker, and (for "Prepare for talk")
 * putting every file of this build into Cache Storage, where the worker finds them when the network
 * is gone. The page fills the cache itself: Cache Storage is shared with the worker, so no messages.
 */
import { formatBytes } from '../../models/hub/fit.ts';
import {
  APP_CACHE_PREFIX,
  APP_FILES_NAME,
  parseAppFiles,
  precacheUrls,
  SERVICE_WORKER_NAME,
} from './appFiles.ts';

export interface AppCacheResult {
  ok: boolean;
  bytes: number;
  /** What happened, in a sentence fragment for the prepare report. */
  detail: string;
}

/** Registers the service worker (production builds only: in development Vite serves changing files). */
export function registerServiceWorker(base: string): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(new URL(SERVICE_WORKER_NAME, base).href).catch((error: unknown) => {
    console.warn('service worker not registered: a reload will need the server', error);
  });
}

const READY_TIMEOUT_MS = 10_000;

async function activeWorker(container: ServiceWorkerContainer): Promise<boolean> {
  if (!(await container.getRegistration())) return false;
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS));
  return Promise.race([container.ready.then((r) => !!r.active), timeout]);
}

/**
 * Caches this build's files (listed in app-files.json) as `lenslab-app-<build>`, drops older builds'
 * caches, and says whether a reload without network will start the app.
 */
export async function cacheAppFiles(
  base: string,
  onProgress?: (done: number, total: number) => void,
): Promise<AppCacheResult> {
  const fail = (detail: string): AppCacheResult => ({ ok: false, bytes: 0, detail });
  if (!('serviceWorker' in navigator) || typeof caches === 'undefined')
    return fail('this browser offers no service worker here, so a reload needs the server');
  if (!(await activeWorker(navigator.serviceWorker)))
    return fail(
      'no service worker is active (a development server registers none), so a reload needs the server',
    );
  let manifest: ReturnType<typeof parseAppFiles>;
  try {
    const response = await fetch(new URL(APP_FILES_NAME, base), { cache: 'no-store' });
    if (!response.ok) return fail(`${APP_FILES_NAME}: HTTP ${response.status}`);
    manifest = parseAppFiles(await response.json());
  } catch (error) {
    return fail(
      `${APP_FILES_NAME} could not be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (typeof manifest === 'string') return fail(manifest);
  const name = `${APP_CACHE_PREFIX}${manifest.build}`;
  const cache = await caches.open(name);
  const urls = precacheUrls(manifest, base);
  let done = 0;
  let fetched = 0;
  for (const url of urls) {
    // a file of this build already cached is the same file: the cache is named by the build's content
    if (!(await cache.match(url))) {
      try {
        await cache.add(url);
        fetched++;
      } catch (error) {
        return fail(`${url} could not be cached (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    onProgress?.(++done, urls.length);
  }
  for (const old of await caches.keys())
    if (old.startsWith(APP_CACHE_PREFIX) && old !== name) await caches.delete(old);
  const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
  return {
    ok: true,
    bytes,
    detail: `${manifest.files.length} files (${formatBytes(bytes)}), ${
      fetched === 0 ? 'already cached' : 'cached'
    }: a reload without network starts the app`,
  };
}
