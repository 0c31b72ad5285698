/** The whole path app -> worker -> engine -> ORT (WebGPU or wasm) on the built-in random-weight model. */
import { visibleToken } from '../app/tokenText.ts';
import { expect, test } from './fixtures.ts';

const DEFAULT_PROMPT = 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';

test('loads the built-in model on the expected backend and runs the default prompt', async ({
  app,
  page,
  expectedBackend,
}, testInfo) => {
  const started = Date.now();
  const load = await app.open();
  const loadedAt = Date.now();
  expect(load.crossOriginIsolated, 'COOP/COEP headers make the page cross-origin isolated').toBe(true);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  // ORT's default: min(4, cores / 2) threads once cross-origin isolated
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(load.wasmThreads).toBe(Math.min(4, Math.ceil(cores / 2)));

  await expect(page.getByTestId('backend')).toContainText(expectedBackend);
  expect(load.backend).toBe(expectedBackend);
  expect(load.fellBack, load.backendNote).toBe(false);
  await expect(page.getByTestId('model-label')).toContainText('random weights');
  await expect(page.getByTestId('prompt-input')).toHaveValue(DEFAULT_PROMPT);

  const { info } = load;
  const stateCount = 2 * info.nLayer + 1;
  expect(info.randomWeights).toBe(true);
  expect(stateCount).toBe(9);

  await page.getByTestId('run-button').click();
  const rows = page.getByTestId('lens-row');
  await expect(rows).toHaveCount(stateCount);
  await expect(page.getByTestId('run-button')).toBeEnabled();
  const ranAt = Date.now();

  const result = (await app.state())?.result;
  expect(result, 'window.__lenslab.result after the run').toBeDefined();
  const prompt = result!.prompts[0]!;
  expect(prompt.states).toHaveLength(stateCount);
  expect(prompt.states.map((s) => s.index)).toEqual([...Array(stateCount).keys()]);

  // token chips: one per token, leading spaces made visible
  const chips = page.getByTestId('token-chip');
  await expect(chips).toHaveCount(prompt.tokens.length);
  await expect(chips.first()).toHaveText(visibleToken(prompt.tokens[0]!.text));
  expect(prompt.tokens.some((t) => t.text.startsWith(' '))).toBe(true);
  await expect(page.getByTestId('token-chips')).toContainText('\u2423What');

  // the table shows what the engine returned
  const last = prompt.states[stateCount - 1]!;
  const top = last.top[0]!;
  const lastRow = rows.last();
  await expect(lastRow).toHaveAttribute('data-state-index', String(stateCount - 1));
  await expect(lastRow).toHaveAttribute('data-top-id', String(top.id));
  await expect(lastRow).toContainText(visibleToken(top.token));
  await expect(lastRow).toContainText(top.prob.toFixed(4));
  for (const state of prompt.states) {
    expect(state.top[0]!.prob).toBeGreaterThan(0);
    expect(state.top[0]!.prob).toBeLessThanOrEqual(1);
  }

  await page.setViewportSize({ width: 1280, height: 800 });
  await testInfo.attach(`builtin-${expectedBackend}.png`, {
    body: await page.screenshot(),
    contentType: 'image/png',
  });
  const timings = {
    backend: load.backend,
    backendNote: load.backendNote,
    adapter: load.adapter,
    wasmThreads: load.wasmThreads,
    loadWallMs: loadedAt - started,
    workerFetchMs: Math.round(load.timings.fetchMs),
    workerInitMs: Math.round(load.timings.initMs),
    runWallMs: ranAt - loadedAt,
    engine: result!.timings,
  };
  await testInfo.attach('timings.json', {
    body: JSON.stringify(timings, null, 2),
    contentType: 'application/json',
  });
  console.log(`[${expectedBackend}] ${JSON.stringify(timings)}`);
});

test('a prompt longer than the context shows an error', async ({ app, page }) => {
  const load = await app.open();
  const words = Array.from({ length: load.info.nPositions + 20 }, (_, i) => `word${i}`).join(' ');
  await page.getByTestId('prompt-input').fill(words);
  await page.getByTestId('run-button').click();
  const error = page.getByTestId('error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('data-code', 'prompt-too-long');
  await expect(page.getByTestId('lens-row')).toHaveCount(0);
});

test('token text is rendered as text, never as HTML', async ({ app, page }) => {
  await app.open();
  await page.getByTestId('prompt-input').fill('<img src=x onerror=alert(1)><b>bold</b>');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('lens-row').first()).toBeVisible();
  const chips = page.getByTestId('token-chips');
  await expect(chips).toContainText('<img');
  expect(await chips.locator('img, b').count()).toBe(0);
});
