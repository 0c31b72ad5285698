import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';
import { appFilesPlugin } from './scripts/appFilesPlugin.ts';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Cross-origin isolation: SharedArrayBuffer (ORT's wasm threads) needs it. Every asset is
 * same-origin, so require-corp costs nothing.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), appFilesPlugin()],
  resolve: {
    // ORT's "extern wasm" builds load their emscripten glue (.mjs) from env.wasm.wasmPaths instead of
    // inlining it; inlined, its pthread workers would be spawned from our own bundled worker chunk.
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  optimizeDeps: {
    // pre-bundling would move ORT away from the files its wasmPaths point at
    exclude: ['onnxruntime-web'],
    // crawl the worker too: deps found only when it starts would make dev reload the page
    entries: ['index.html', 'workers/engine.worker.ts'],
  },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // the ORT wasm binaries are tens of MB by nature
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      // the service worker is its own entry, at the root (its scope is the folder it is served from)
      input: { index: here('index.html'), sw: here('app/offline/serviceWorker.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders, port: 4173, strictPort: true },
  // e2e/*.spec.ts belong to Playwright, not Vitest
  test: { exclude: [...configDefaults.exclude, 'e2e/**'] },
});
