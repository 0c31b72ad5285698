/**
 * Shared e2e fixtures: the app page with diagnostics, the backend each project expects, and a loopback
 * Hub (tests/support/hubServer.ts) serving small fixture checkpoints under the GPT-2 repo names.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { LensLabWindowState } from '../app/testHandle.ts';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { writeHubFolder } from '../scripts/writeHubFolder.ts';
import { type HubServer, startHubServer } from '../tests/support/hubServer.ts';
import type { LoadResult } from '../workers/api.ts';

export type ExpectedBackend = 'webgpu' | 'wasm';
export type { LensLabWindowState };

export interface AppHandle {
  page: Page;
  /** Open the app and wait until the model is loaded; returns what the worker reported. */
  open(path?: string): Promise<LoadResult>;
  state(): Promise<LensLabWindowState | undefined>;
  /**
   * Waits until no run is in flight and the control run (with `intervened`: the intervened run) is
   * newer than in `after` (an earlier state); returns the state.
   */
  settled(options?: {
    after?: LensLabWindowState;
    intervened?: boolean;
    timeout?: number;
  }): Promise<LensLabWindowState>;
}

/**
 * Tiny random checkpoints under the real repo names (sizes in the picker come from the catalogue),
 * plus one with gpt2-medium's depth (24 blocks) outside the catalogue, for slides of a deep model.
 */
export async function writeFixtureHub(root: string): Promise<void> {
  const tokenizer = await loadGpt2TokenizerJsonFromPackage();
  const repos = [
    { repo: 'openai-community/gpt2', nLayer: 3, seed: 21 },
    { repo: 'openai-community/gpt2-medium', nLayer: 3, seed: 22 },
    { repo: DEEP_REPO, nLayer: 24, seed: 23 },
  ];
  for (const { repo, nLayer, seed } of repos) {
    const fixture = makeGpt2Fixture({ nLayer, nEmbd: 32, nHead: 2, nPositions: 64, seed });
    await writeHubFolder(join(root, ...repo.split('/')), fixture, tokenizer);
  }
}

/** A tiny checkpoint with gpt2-medium's 24 blocks on the loopback Hub (not in the model catalogue). */
export const DEEP_REPO = 'lenslab-test/gpt2-deep';

/** SwiftShader runs a lens over every position in tens of seconds on a small machine. */
export const RUN_TIMEOUT = 150_000;
const MODEL_LOAD_TIMEOUT = 150_000;

export interface LensLabOptions {
  expectedBackend: ExpectedBackend;
}

export interface HubFixture {
  server: HubServer;
  /** The folder it serves (`<root>/<org>/<repo>/<file>`): tests may add repos. */
  root: string;
  /** `?hub=<url>` for app.open(). */
  query: string;
}

export const test = base.extend<LensLabOptions & { app: AppHandle }, { hub: HubFixture }>({
  // set per project in playwright.config.ts
  expectedBackend: ['webgpu', { option: true }],

  hub: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a function asks for from this pattern
    async ({}, use) => {
      const root = await mkdtemp(join(tmpdir(), 'lenslab-hub-'));
      await writeFixtureHub(root);
      const server = await startHubServer({ root, redirects: { gpt2: 'openai-community/gpt2' } });
      await use({ server, root, query: `hub=${encodeURIComponent(server.url)}` });
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],

  app: async ({ page }, use, testInfo) => {
    const log: string[] = [];
    const handle = appHandle(page, log);
    await use(handle);
    // the browser console is the first thing to read when a test fails
    if (log.length > 0)
      await testInfo.attach('browser-console.txt', { body: log.join('\n'), contentType: 'text/plain' });
  },
});

/** The app handle for any page (e.g. one in a context a test launched itself); console lines go to `log`. */
export function appHandle(page: Page, log: string[] = []): AppHandle {
  page.on('console', (message) => log.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => log.push(`[pageerror] ${error.message}`));
  page.on('worker', (worker) => log.push(`[worker] started ${worker.url()}`));
  const state = () => page.evaluate(() => window.__lenslab);
  return {
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
    settled: async (options = {}) => {
      const after = {
        control: options.after?.controlSeq ?? -1,
        intervened: options.after?.intervenedSeq ?? -1,
      };
      await page.waitForFunction(
        ({ after, intervened }) => {
          const s = window.__lenslab;
          if (!s || s.running || !s.result) return false;
          if (s.error) return true;
          // an intervention change runs the intervened view only: wait for that one
          if (intervened) return !!s.intervened && (s.intervenedSeq ?? -1) > after.intervened;
          return (s.controlSeq ?? -1) > after.control;
        },
        { after, intervened: options.intervened ?? false },
        { timeout: options.timeout ?? RUN_TIMEOUT },
      );
      return (await state())!;
    },
  };
}

export { expect };
