/** Runs in the 'wasm' project only (a browser without a WebGPU adapter); see playwright.config.ts. */
import { expect, test } from './fixtures.ts';

test('when WebGPU session creation fails, the worker falls back to wasm and says why', async ({
  app,
  page,
}) => {
  // forcing webgpu where no adapter exists makes ORT's session creation fail
  const load = await app.open('/?backend=webgpu');
  expect(load.backend).toBe('wasm');
  expect(load.fellBack).toBe(true);
  await expect(page.getByTestId('backend')).toContainText('wasm');
  await expect(page.getByTestId('backend-note')).toContainText('WebGPU failed');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('lens-row')).toHaveCount(2 * load.info.nLayer + 1);
});

test('ORT wasm threads start (pthread workers from the served glue .mjs)', async ({ app, page }) => {
  const load = await app.open('/?threads=2');
  expect(load.wasmThreads).toBe(2);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('lens-row')).toHaveCount(2 * load.info.nLayer + 1);
});
