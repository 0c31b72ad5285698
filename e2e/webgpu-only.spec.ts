/** Runs in the 'webgpu' project only (a browser with a WebGPU adapter); see playwright.config.ts. */
import { expect, RUN_TIMEOUT, test } from './fixtures.ts';

test('?backend=wasm forces wasm even with a WebGPU adapter', async ({ app, page }) => {
  const load = await app.open('/?backend=wasm');
  expect(load.backend).toBe('wasm');
  expect(load.fellBack).toBe(false);
  await expect(page.getByTestId('backend')).toContainText('wasm');
});

test('a lost GPU device moves the model to wasm, keeps the state and runs again', async ({ app, page }) => {
  const load = await app.open('/?debug=1');
  expect(load.backend).toBe('webgpu');
  const before = await app.settled();
  await page.getByTestId('debug-lose-device').click();
  await expect(page.getByTestId('debug-result')).not.toBeEmpty();
  await expect(page.getByTestId('backend')).toContainText('wasm', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('backend-note')).toContainText('GPU');
  const after = await app.settled({ after: before });
  expect(after.result?.backend).toBe('wasm');
  expect(after.error).toBeUndefined();
  // same model, same prompt, same predictions (up to backend rounding of the top-1)
  expect(after.result?.prompts[0]?.tokens).toEqual(before.result?.prompts[0]?.tokens);
  expect(after.result?.prompts[0]?.states.at(-1)?.top[0]?.id).toBe(
    before.result?.prompts[0]?.states.at(-1)?.top[0]?.id,
  );
});
