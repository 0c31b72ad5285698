/** Runs in the 'webgpu' project only (a browser with a WebGPU adapter); see playwright.config.ts. */
import { expect, test } from './fixtures.ts';

test('?backend=wasm forces wasm even with a WebGPU adapter', async ({ app, page }) => {
  const load = await app.open('/?backend=wasm');
  expect(load.backend).toBe('wasm');
  expect(load.fellBack).toBe(false);
  await expect(page.getByTestId('backend')).toContainText('wasm');
});
