import { defineConfig } from '@playwright/test';
import type { LensLabOptions } from './e2e/fixtures.ts';

/**
 * End-to-end tests against the production build (vite build + vite preview, with COOP/COEP).
 * Chromium is the system one (never `playwright install`). Headless Chromium exposes a WebGPU
 * adapter (SwiftShader, a CPU fallback adapter) once --enable-unsafe-webgpu is given; without it
 * requestAdapter() resolves to null, which is how the 'wasm' project runs the fallback path.
 */
const PORT = Number(process.env.LENSLAB_E2E_PORT ?? 4173);
const baseURL = process.env.LENSLAB_E2E_URL ?? `http://localhost:${PORT}`;
const executablePath = process.env.LENSLAB_CHROMIUM ?? '/usr/bin/chromium';

const commonArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig<LensLabOptions>({
  testDir: 'e2e',
  outputDir: 'test-results',
  // SwiftShader runs WebGPU on the CPU: slow, so generous
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { outputFolder: 'e2e-report', open: 'never' }]],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'webgpu',
      // files named *-wasm run on the wasm project only (slow on SwiftShader, backend-independent)
      testIgnore: /(wasm-only|-wasm)\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath, args: [...commonArgs, '--enable-unsafe-webgpu'] },
        expectedBackend: 'webgpu',
      },
    },
    {
      name: 'wasm',
      testIgnore: /webgpu-only\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath, args: [...commonArgs, '--disable-webgpu'] },
        expectedBackend: 'wasm',
      },
    },
  ],
  webServer: process.env.LENSLAB_E2E_URL
    ? undefined
    : {
        command: `npm run start -- --port ${PORT}`,
        url: baseURL,
        timeout: 300_000,
        reuseExistingServer: !process.env.CI,
        stdout: 'pipe',
        stderr: 'pipe',
      },
});
