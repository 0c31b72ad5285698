/** The whole path app -> worker -> engine -> ORT (WebGPU or wasm) on the built-in random-weight model. */
import { visibleToken } from '../app/tokenText.ts';
import { expect, RUN_TIMEOUT, test } from './fixtures.ts';

const DEFAULT_PROMPT = 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';

test('loads the built-in model on the expected backend and runs the default prompt by itself', async ({
  app,
  page,
  expectedBackend,
}, testInfo) => {
  // count heatmap cells as they appear: rows stream in, chunk by chunk
  await page.addInitScript(() => {
    const counts: number[] = [];
    (window as unknown as { __cellCounts: number[] }).__cellCounts = counts;
    new MutationObserver(() => {
      const n = document.querySelectorAll('[data-testid="lens-heatmap"] [data-testid="lens-cell"]').length;
      if (counts[counts.length - 1] !== n) counts.push(n);
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
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

  // no click: the prompt runs once the model is ready
  const state = await app.settled();
  const ranAt = Date.now();
  const result = state.result!;
  const prompt = result.prompts[0]!;
  expect(prompt.states).toHaveLength(stateCount);
  expect(prompt.states.map((s) => s.index)).toEqual([...Array(stateCount).keys()]);
  expect(prompt.byPosition).toHaveLength(prompt.tokens.length);

  const heatmap = page.getByTestId('lens-heatmap');
  await expect(heatmap).toHaveAttribute('data-complete', 'true');
  const total = stateCount * prompt.tokens.length;
  const blockCells = (info.nLayer + 1) * prompt.tokens.length;
  const counts = await page.evaluate(() => (window as unknown as { __cellCounts: number[] }).__cellCounts);
  expect(
    counts.some((n) => n > 0 && n < blockCells),
    `cell counts seen: ${counts.join(',')}`,
  ).toBe(true);

  // rows: block outputs by default, all residual states with the toggle
  const rows = heatmap.getByTestId('lens-row');
  await expect(rows).toHaveCount(info.nLayer + 1);
  await page.getByTestId('rows-toggle').check();
  await expect(rows).toHaveCount(stateCount);
  await expect(heatmap.getByTestId('lens-cell')).toHaveCount(total);

  // token chips: one per token, leading spaces made visible
  const chips = page.getByTestId('token-chip');
  await expect(chips).toHaveCount(prompt.tokens.length);
  await expect(chips.first()).toHaveText(visibleToken(prompt.tokens[0]!.text));
  await expect(page.getByTestId('token-chips')).toContainText('\u2423What');

  // the last row, last column shows what the engine returned
  const last = prompt.states[stateCount - 1]!;
  const top = last.top[0]!;
  const lastRow = rows.last();
  await expect(lastRow).toHaveAttribute('data-state-index', String(stateCount - 1));
  await expect(lastRow.getByTestId('lens-cell').last()).toHaveAttribute('data-top-id', String(top.id));

  // proposals, rank plot, stages, top-k
  expect(state.tracked.answer?.id).toBe(top.id);
  expect(state.tracked.argument).toBeDefined();
  await expect(page.getByTestId('tracked-answer')).toHaveAttribute('data-token-id', String(top.id));
  await expect(page.getByTestId('rank-plot')).toBeVisible();
  await expect(page.getByTestId('stages')).toContainText('Saturation');
  await expect(page.getByTestId('topk-table')).toBeVisible();
  for (const s of prompt.states) {
    expect(s.top[0]!.prob).toBeGreaterThan(0);
    expect(s.top[0]!.prob).toBeLessThanOrEqual(1);
  }

  await testInfo.attach(`builtin-${expectedBackend}.png`, {
    body: await page.screenshot({ fullPage: true }),
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
    engine: result.timings,
  };
  await testInfo.attach('timings.json', {
    body: JSON.stringify(timings, null, 2),
    contentType: 'application/json',
  });
  console.log(`[${expectedBackend}] ${JSON.stringify(timings)}`);
});

test('a prompt longer than the context shows the engine error and keeps the text', async ({ app, page }) => {
  const load = await app.open();
  await app.settled();
  const words = Array.from({ length: load.info.nPositions + 20 }, (_, i) => `word${i}`).join(' ');
  await page.getByTestId('prompt-input').fill(words);
  const error = page.getByTestId('error');
  await expect(error).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(error).toHaveAttribute('data-code', 'prompt-too-long');
  await expect(error).toContainText(`at most ${load.info.nPositions}`);
  await expect(page.getByTestId('lens-row')).toHaveCount(0);
  await expect(page.getByTestId('prompt-input')).toHaveValue(words);
  // a shorter prompt clears the error
  await page.getByTestId('preset-past-tense').click();
  await expect(page.getByTestId('prompt-input')).toHaveValue(
    'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
  );
  await expect(error).toBeHidden({ timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('lens-heatmap')).toHaveAttribute('data-complete', 'true', {
    timeout: RUN_TIMEOUT,
  });
});

test('token text is rendered as text, never as HTML', async ({ app, page }) => {
  await app.open();
  const before = await app.settled();
  await page.getByTestId('prompt-input').fill('<img src=x onerror=alert(1)><b>bold</b>');
  await app.settled({ after: before });
  const chips = page.getByTestId('token-chips');
  await expect(chips).toContainText('<img');
  expect(await chips.locator('img, b').count()).toBe(0);
  expect(await page.getByTestId('lens-heatmap').locator('img, b').count()).toBe(0);
});
