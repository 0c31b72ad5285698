/**
 * The service worker (built to /sw.js): the network first, the caches when the network fails. So a
 * session runs as usual and always gets fresh files, and after "Prepare for talk" has filled the app
 * cache (appCache.ts) a reload without network still starts the app, with the models and vectors
 * that were cached next to it. Same-origin GETs only; the Hub's requests are never touched.
 *
 * Self-contained on purpose (no imports): it is its own build entry, and a shared chunk would make
 * it a module worker for nothing.
 */

const scope = globalThis as unknown as ServiceWorkerGlobalScope;

scope.addEventListener('install', () => {
  // a new build's worker takes over at once: it only ever adds a fallback
  void scope.skipWaiting();
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});

async function fromCache(request: Request): Promise<Response | undefined> {
  const navigate = request.mode === 'navigate';
  // a navigation's query (?hub=…, ?lookahead=0) is for the app, not a different file
  const hit = await caches.match(request, { ignoreSearch: navigate });
  if (hit || !navigate) return hit;
  return caches.match(new URL('./', scope.registration.scope).href);
}

async function networkThenCache(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fromCache(request);
    if (cached) return cached;
    throw error;
  }
}

scope.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.location.origin || url.pathname.endsWith('/sw.js')) return;
  event.respondWith(networkThenCache(request));
});
