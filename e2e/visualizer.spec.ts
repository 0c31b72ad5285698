/**
 * Quick checks of the visualizer on the built-in model: capture an o-vector, apply it to a range of
 * blocks, the intervened view differs; the link reproduces the state; tracked tokens; exports.
 */
import { expect, test } from './fixtures.ts';

test('capture a vector, apply it to blocks 1-3, the intervened view differs and survives a reload', async ({
  app,
  page,
  expectedBackend,
}, testInfo) => {
  const load = await app.open();
  let state = await app.settled();
  const last = load.info.nLayer - 1;

  // clicking the row label of the last block captures its FFN output at the last position
  await page.locator(`[data-testid="lens-row-label"][data-state-index="${2 * last + 2}"]`).click();
  const chip = page.getByTestId('vector-chip');
  await expect(chip).toHaveCount(1);
  await expect(chip.getByTestId('vector-name')).toContainText(`FFN ${last}`);
  await expect(chip.getByTestId('vector-promotes')).toBeVisible();
  const vectors = (await app.state())!.vectors;
  expect(vectors[0]).toMatchObject({ length: load.info.nEmbd });
  expect(vectors[0]!.promotes).toHaveLength(5);

  await page.getByTestId('preset-table-mug').click();
  state = await app.settled({ after: state });

  await page.getByTestId('range-vector').selectOption(vectors[0]!.id);
  await page.getByTestId('range-from').fill('1');
  await page.getByTestId('range-to').fill(String(last));
  const changed = Date.now();
  await page.getByTestId('apply-range-button').click();
  state = await app.settled({ after: state, intervened: true });
  const wallMs = Date.now() - changed;
  const intervened = page.getByTestId('lens-heatmap-intervened');
  await expect(intervened).toHaveAttribute('data-complete', 'true');
  expect(await intervened.locator('[data-differs="true"]').count()).toBeGreaterThan(0);
  expect(state.intervened?.prompts[0]?.states).toHaveLength(2 * load.info.nLayer + 1);
  // the rank plot overlays the intervened run
  await expect(page.getByTestId('rank-plot')).toContainText('intervened');

  // another change: add x2 on block 1 re-runs the intervened view only
  const control = state.controlSeq;
  await page.getByTestId('slot-mode-1').selectOption('add');
  state = await app.settled({ after: state, intervened: true });
  expect(state.controlSeq).toBe(control);
  const timing = { backend: expectedBackend, applyRangeWallMs: wallMs, store: state.runStats };
  console.log(`[${expectedBackend}] intervention -> views: ${JSON.stringify(timing)}`);
  await testInfo.attach('intervention-timing.json', {
    body: JSON.stringify(timing, null, 2),
    contentType: 'application/json',
  });

  // the URL holds the state, IndexedDB the library: a reload gives the same views
  await expect
    .poll(() => page.evaluate(() => window.location.hash.slice(1) === window.__lenslab?.sharedHash))
    .toBe(true);
  await page.reload();
  const reloaded = await app.settled({ intervened: true });
  await expect(page.getByTestId('prompt-input')).toHaveValue(
    'table mug free China table mug free China table mug free',
  );
  await expect(page.getByTestId('vector-chip')).toHaveCount(1);
  await expect(page.getByTestId('slot-vector-1')).toBeVisible();
  expect(reloaded.intervened?.prompts[0]?.states.map((s) => s.top[0]?.id)).toEqual(
    state.intervened?.prompts[0]?.states.map((s) => s.top[0]?.id),
  );
  await testInfo.attach('compare.png', {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
});

test('a copied link opens the same state elsewhere, recomputing the vector from its recipe', async ({
  app,
  page,
  browser,
  expectedBackend,
}) => {
  // what is tested (the link's state and the vector's recipe) does not depend on the backend, and on
  // SwiftShader's WebGPU the fresh page's three runs take over two minutes (issue 10)
  test.skip(expectedBackend === 'webgpu', 'backend-independent; too slow on software WebGPU');
  await app.open();
  let state = await app.settled();
  await page.getByTestId('capture-block').fill('1');
  await page.getByTestId('capture-button').click();
  await expect(page.getByTestId('capture-status')).toHaveAttribute('data-ok', 'true');
  const id = (await app.state())!.vectors[0]!.id;
  await page.getByTestId('preset-table-mug').click();
  state = await app.settled({ after: state });
  await page.getByTestId('range-vector').selectOption(id);
  await page.getByTestId('range-from').fill('2');
  await page.getByTestId('range-to').fill('2');
  await page.getByTestId('apply-range-button').click();
  state = await app.settled({ after: state, intervened: true });
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#s1\./);

  // a fresh browser context: no library, no cache
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(url);
  await other.waitForFunction(() => !!window.__lenslab?.intervened && !window.__lenslab.running, null, {
    timeout: 150_000,
  });
  await expect(other.getByTestId('link-problems')).toHaveCount(0);
  await expect(other.getByTestId('prompt-input')).toHaveValue(
    await page.getByTestId('prompt-input').inputValue(),
  );
  const theirs = await other.evaluate(() => window.__lenslab!);
  expect(theirs.vectors.map((v) => v.id)).toEqual([id]);
  expect(theirs.interventions).toEqual(state.interventions);
  expect(theirs.intervened?.prompts[0]?.states.map((s) => s.top[0]?.id)).toEqual(
    state.intervened?.prompts[0]?.states.map((s) => s.top[0]?.id),
  );
  await context.close();

  // a damaged link says what was wrong and opens the defaults
  await page.goto('about:blank');
  await page.goto('/#s1.bad');
  await expect(page.getByTestId('link-problems')).toContainText('could not decode the link');
});

test('tracked tokens, rank scale and exports', async ({ app, page }) => {
  await app.open();
  let state = await app.settled();
  await page.getByTestId('track-answer').fill(' Paris');
  await page.getByTestId('track-answer').press('Enter');
  state = await app.settled({ after: state });
  await expect(page.getByTestId('tracked-answer')).toHaveAttribute('data-proposed', 'false');
  await expect(page.getByTestId('tracked-answer')).toContainText('\u2423Paris');
  expect(state.tracked.answer?.text).toBe(' Paris');

  await page.getByTestId('track-argument').fill('capital of Poland');
  await page.getByTestId('track-argument').press('Enter');
  await expect(page.getByTestId('track-error')).toContainText('tokens');

  await page.getByTestId('rank-toggle').check();
  await expect(page.getByTestId('rank-plot')).toHaveAttribute('data-scale', 'log');

  const exports = ['heatmap', 'rank'].flatMap((chart) =>
    ['png', 'svg', 'csv', 'json'].map((format) => ({ chart, format })),
  );
  for (const { chart, format } of exports) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(`export-${chart}-${format}`).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^lenslab-${chart}-.*\\.${format}$`));
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    const body = await readFile(path);
    expect(body.byteLength, `${chart} ${format}`).toBeGreaterThan(50);
    if (chart === 'heatmap' && format === 'csv')
      expect(body.toString('utf8')).toMatch(/^state,layer,kind,position/);
    if (format === 'png') expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
  }
});
