/** Shared e2e fixtures: the app page with diagnostics, and the backend each project expects. */
import { test as base, expect, type Page } from '@playwright/test';
import type { LoadResult } from '../workers/api.ts';
import type { LensResult } from '../workers/engine/types.ts';

export type ExpectedBackend = 'webgpu' | 'wasm';

/** Mirror of window.__lenslab (data only). */
export interface LensLabWindowState {
  modelStatus: string;
  backend?: string;
  load?: LoadResult;
  result?: LensResult;
  error?: { message: string; code?: string };
}

export interface AppHandle {
  page: Page;
  /** Open the app and wait until the model is loaded; returns what the worker reported. */
  open(path?: string): Promise<LoadResult>;
  state(): Promise<LensLabWindowState | undefined>;
}

const MODEL_LOAD_TIMEOUT = 150_000;

export interface LensLabOptions {
  expectedBackend: ExpectedBackend;
}

export const test = base.extend<LensLabOptions & { app: AppHandle }>({
  // set per project in playwright.config.ts
  expectedBackend: ['webgpu', { option: true }],

  app: async ({ page }, use, testInfo) => {
    const log: string[] = [];
    page.on('console', (message) => log.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => log.push(`[pageerror] ${error.message}`));
    page.on('worker', (worker) => log.push(`[worker] started ${worker.url()}`));
    const state = () =>
      page.evaluate(() => (window as unknown as { __lenslab?: LensLabWindowState }).__lenslab);
    const handle: AppHandle = {
      page,
      state,
      open: async (path = '/') => {
        await page.goto(path);
        const status = page.getByTestId('model-status');
        await expect(status).toHaveAttribute('data-status', /^(ready|error)$/, {
          timeout: MODEL_LOAD_TIMEOUT,
        });
        const current = await state();
        if (current?.modelStatus !== 'ready' || !current.load) {
          throw new Error(`model did not load: ${current?.error?.message ?? 'unknown error'}`);
        }
        return current.load;
      },
    };
    await use(handle);
    // the browser console is the first thing to read when a test fails
    if (log.length > 0)
      await testInfo.attach('browser-console.txt', { body: log.join('\n'), contentType: 'text/plain' });
  },
});

export { expect };
