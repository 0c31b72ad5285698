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
  await app.settled();
  await expect(page.getByTestId('lens-row')).toHaveCount(load.info.nLayer + 1);
});

test('ORT wasm threads start (pthread workers from the served glue .mjs)', async ({ app, page }) => {
  const load = await app.open('/?threads=2');
  expect(load.wasmThreads).toBe(2);
  const state = await app.settled();
  expect(state.result?.prompts[0]?.states).toHaveLength(2 * load.info.nLayer + 1);
  await expect(page.getByTestId('lens-heatmap')).toHaveAttribute('data-complete', 'true');
});

test('a model too large for wasm is refused before any download, with the reason', async ({
  app,
  page,
  hub,
}) => {
  await app.open(`/?${hub.query}`);
  const requests = hub.server.requests.length;
  await expect(page.getByTestId('model-select').locator('option[value="gpt2-xl"]')).toContainText(
    'too large here',
  );
  await page.getByTestId('model-select').selectOption('gpt2-xl');
  await page.getByTestId('model-load').click();
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-code', 'model-too-large');
  await expect(error).toContainText('32-bit heap');
  expect(hub.server.requests.slice(requests).filter((r) => r.url.includes('gpt2-xl'))).toEqual([]);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready');
});
