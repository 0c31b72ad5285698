/**
 * Experiments on the built-in model (random weights, tiny data limits, small batches so a run has
 * several batches to cancel between): progress, cancel, resume after a reload, a finished run
 * reopening from IndexedDB, the figures (screenshots at 1280x800 in the report), click-through to
 * the single-prompt views with the run's intervention, exports, and bad upload rows by line; the
 * block-range sweep's heatmap, the template builder, and Figure 3 of two models on a relative-depth
 * axis. Backend-independent, so wasm only (the -wasm suffix).
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { audit } from './axe.ts';
import { expect, test } from './fixtures.ts';

const part = (page: Page, i: number): Locator => page.getByTestId(`experiment-part-${i}`);

async function attachFigure(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  const panel = page.getByTestId(`${name}-panel`);
  await panel.scrollIntoViewIfNeeded();
  await testInfo.attach(`${name}-1280x800.png`, { body: await page.screenshot(), contentType: 'image/png' });
}

async function download(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const downloading = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const file = await downloading;
  const path = await file.path();
  return { name: file.suggestedFilename(), text: path ? await readFile(path, 'utf8') : '' };
}

test('stages: progress, cancel, resume after a reload, reopen, figure, exports, click-through', async ({
  app,
  page,
}, testInfo) => {
  const url = '/?page=experiments&exp=stages&limit=60&batch=2';
  await app.open(url);
  await expect(page.getByTestId('builtin-banner')).toBeVisible();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'pending');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'running');
  await expect
    .poll(async () => Number(await part(page, 0).getAttribute('data-done')), { timeout: 60_000 })
    .toBeGreaterThan(0);
  await expect(part(page, 0)).toContainText('examples/s');
  testInfo.annotations.push({ type: 'progress', description: (await part(page, 0).textContent()) ?? '' });
  await page.getByTestId('experiment-cancel').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'cancelled');
  const doneAtCancel = Number(await part(page, 0).getAttribute('data-done'));
  expect(doneAtCancel).toBeLessThan(60);

  // the link reopens the same settings; the stored batches are offered for resuming
  await app.open(url);
  await expect(part(page, 0)).toHaveAttribute('data-status', 'stored');
  const stored = Number(await part(page, 0).getAttribute('data-done'));
  expect(stored).toBeGreaterThanOrEqual(doneAtCancel);
  await expect(page.getByTestId('experiment-run')).toHaveText('Resume');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(part(page, 0)).toContainText(`${stored} resumed`);
  await expect(page.getByTestId('figure3')).toBeVisible();
  await expect(page.getByTestId('figure3').locator('[data-series="answer-all"] path')).toHaveCount(1);
  await attachFigure(page, testInfo, 'figure3');

  // a finished run reopens from IndexedDB without running
  await app.open(url);
  const started = Date.now();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done');
  await expect(part(page, 0)).toContainText('reopened from the stored run');
  testInfo.annotations.push({
    type: 'reopen',
    description: `${Date.now() - started} ms after the model was ready`,
  });

  const svg = await download(page, 'export-figure3-svg');
  expect(svg.name).toBe('lenslab-figure3.svg');
  expect(svg.text).toContain('<svg');
  const csv = await download(page, 'export-figure3-csv');
  expect(csv.text.split('\n')[0]).toBe('series,x,y');
  const json = JSON.parse((await download(page, 'export-figure3-json')).text);
  expect(json.summary.count + json.skipped.length).toBe(60);

  // click-through: the example in the single-prompt views
  const first = page.getByTestId('examples-0').getByTestId('open-example').first();
  const id = await first.textContent();
  await first.click();
  await expect(page.getByTestId('workspace')).toBeVisible();
  const state = await app.settled();
  const data = (await (await page.request.get('/data/capitals/world-capitals.jsonl')).text()).split('\n');
  const example = data.map((l) => (l ? JSON.parse(l) : null)).find((e) => e && String(e.id) === id);
  expect(state.result?.prompts[0]?.tokens.map((t) => t.text).join('')).toBe(example.prompt);
  expect(state.tracked.answer?.id).toBeDefined();
  expect(new URL(page.url()).searchParams.get('page')).toBeNull();
});

test('o-vector transfer: capture, in and out of domain, no-effect rate, click-through with the vector', async ({
  app,
  page,
}, testInfo) => {
  const load = await app.open('/?page=experiments&exp=ovector&limit=6&batch=2');
  await page.getByTestId('experiment-capture').click();
  await expect(page.getByTestId('experiment-vector')).not.toHaveValue('');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(part(page, 1)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('figure5-in-domain')).toContainText('no effect');
  await expect(page.getByTestId('figure5-out-of-domain')).toBeVisible();
  await attachFigure(page, testInfo, 'figure5-in-domain');
  await audit(page, testInfo, 'experiments-ovector', []);
  const png = await download(page, 'export-figure5-in-domain-png');
  expect(png.name).toBe('lenslab-figure5-in-domain.png');

  // a link carries the settings (vector included): the URL says so
  const search = new URL(page.url()).searchParams;
  expect(search.get('exp')).toBe('ovector');
  expect(search.get('vector')).toBeTruthy();

  await page.getByTestId('examples-1').locator('xpath=ancestor::details').locator('summary').click();
  await page.getByTestId('examples-1').getByTestId('open-example').first().click();
  await expect(page.getByTestId('workspace')).toBeVisible();
  const state = await app.settled({ intervened: true });
  const last = load.info.nLayer - 1;
  expect(state.interventions.slots).toEqual([
    { block: last, kind: 'ffn', mode: 'replace', vectorId: search.get('vector') },
  ]);
  expect(state.intervened).toBeDefined();

  // the paper deck's Figure 5 slide draws this finished run
  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-select').selectOption('paper');
  await page.getByTestId('deck-present').click();
  const slide = page.getByTestId('slide');
  while ((await slide.getAttribute('data-slide-id')) !== 'figure-5') {
    const index = Number(await slide.getAttribute('data-index'));
    await page.keyboard.press('ArrowRight');
    await expect(slide).not.toHaveAttribute('data-index', String(index));
  }
  await expect(page.getByTestId('slide-figure5')).toBeVisible();
  await expect(page.getByTestId('slide-figure5').locator('svg')).toHaveCount(2);
  await testInfo.attach('deck-figure5-slide-1280x800.png', {
    body: await page.screenshot(),
    contentType: 'image/png',
  });
});

test('block-range sweep: a start x end heatmap on a sample, the best range marked, a cell sets the o-vector blocks', async ({
  app,
  page,
}, testInfo) => {
  await app.open('/?page=experiments&exp=sweep&limit=4&sample=3');
  await page.getByTestId('experiment-capture').click();
  await expect(page.getByTestId('experiment-vector')).not.toHaveValue('');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  // 4 blocks: starts 2-3, ends 2-3
  const heatmap = page.getByTestId('sweep-heatmap');
  await expect(heatmap.locator('[data-testid^="sweep-cell-"]')).toHaveCount(3);
  await expect(heatmap.locator('[data-best="true"]')).toHaveCount(1);
  await expect(page.getByTestId('sweep-best')).toContainText('Best range: blocks');
  await attachFigure(page, testInfo, 'sweep');
  await audit(page, testInfo, 'experiments-sweep', []);
  const csv = await download(page, 'export-sweep-csv');
  expect(csv.name).toBe('lenslab-sweep.csv');
  expect(csv.text.trim().split('\n')).toHaveLength(5);
  const svg = await download(page, 'export-sweep-svg');
  expect(svg.text).toContain('<svg');

  const best = heatmap.locator('[data-best="true"]');
  const range = ((await best.getAttribute('data-testid')) ?? '').replace('sweep-cell-', '');
  await best.click();
  await expect(page.getByTestId('experiment-kind')).toHaveValue('ovector');
  const [from, to] = range.split('-');
  await expect(page.getByTestId('experiment-blocks')).toHaveValue(from === to ? from! : range);
  expect(new URL(page.url()).searchParams.get('exp')).toBe('ovector');
});

test('FFN ablation: accuracy per step per variant, a step opens with its FFNs zeroed', async ({
  app,
  page,
}, testInfo) => {
  await app.open('/?page=experiments&exp=ablate&limit=4&steps=2');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 1)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const chart = page.getByTestId('figure7');
  await expect(chart.locator('[data-series="abstractive"] circle')).toHaveCount(3);
  await expect(chart.locator('[data-series="extractive"] circle')).toHaveCount(3);
  await attachFigure(page, testInfo, 'figure7');
  // the last column: every block's FFN removed
  const row = page.getByTestId('examples-0').locator('tbody tr').first();
  await row.getByTestId('open-example').last().click();
  const state = await app.settled({ intervened: true });
  expect(state.interventions.slots.map((s) => [s.block, s.mode])).toEqual([
    [0, 'zero'],
    [1, 'zero'],
    [2, 'zero'],
    [3, 'zero'],
  ]);
});

test('an upload with bad rows is refused, each bad line named; a good one runs', async ({ app, page }) => {
  await app.open('/?page=experiments&exp=stages');
  await page.getByTestId('experiment-upload-0').setInputFiles({
    name: 'mine.jsonl',
    mimeType: 'application/json',
    buffer: Buffer.from('{"prompt":"Q: A?\\nA:","answer":" B"}\n{"prompt":"x"}\nnot json\n'),
  });
  const errors = page.getByTestId('upload-errors');
  await expect(errors).toContainText('line 2');
  await expect(errors).toContainText('line 3');
  await page.getByTestId('experiment-upload-0').setInputFiles({
    name: 'good.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('prompt,answer,argument\n"The capital of France is",Paris, France\n'),
  });
  await expect(page.getByTestId('experiment-data-0')).toHaveValue('upload:good.csv');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
});

test('template builder: bad pair lines named by number, a good list becomes a data set and runs', async ({
  app,
  page,
}, testInfo) => {
  await app.open('/?page=experiments&exp=stages');
  await page.getByTestId('template-builder').locator('summary').click();
  await page.getByTestId('template-name').fill('my-capitals');
  await page
    .getByTestId('template-pairs')
    .fill('Poland, Warsaw\nonly one\n\nJapan, Tokyo, extra\nChina, Beijing');
  await page.getByTestId('template-build').click();
  const errors = page.getByTestId('template-errors');
  await expect(errors).toContainText('line 2');
  await expect(errors).toContainText('line 4');
  await expect(page.getByTestId('experiment-data-0')).toHaveValue('builtin:world-capitals');
  await page.getByTestId('template-pairs').fill('Poland, Warsaw\nJapan, Tokyo\nChina, Beijing');
  await expect(page.getByTestId('template-preview')).toContainText('capital of Poland?');
  await page.getByTestId('template-build').click();
  await expect(errors).toBeHidden();
  await expect(page.getByTestId('experiment-data-0')).toHaveValue('upload:my-capitals');
  await page.getByTestId('template-builder').scrollIntoViewIfNeeded();
  await testInfo.attach('template-builder-1280x800.png', {
    body: await page.screenshot(),
    contentType: 'image/png',
  });
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(part(page, 0)).toContainText('3 examples');
  await expect(page.getByTestId('figure3')).toBeVisible();
});

test('reproduce the paper: the three figures beside the paper, the HTML report opens offline with them', async ({
  app,
  page,
  browser,
}, testInfo) => {
  await app.open('/?page=reproduce');
  await expect(page.getByTestId('reproduce-banner')).toContainText('random weights');
  await page.getByTestId('reproduce-limit').fill('4');
  await page.getByTestId('reproduce-run').click();
  await expect(page.getByTestId('reproduce-status')).toHaveAttribute('data-status', 'done', {
    timeout: 150_000,
  });
  for (const figure of [3, 5, 7]) {
    await expect(page.getByTestId(`reproduce-figure-${figure}`)).toHaveAttribute('data-status', 'done');
    await expect(page.getByTestId(`paper-table-${figure}`)).toBeVisible();
  }
  await expect(page.getByTestId('paper-table-5')).toContainText('37%');
  await expect(page.getByTestId('reproduce-meta')).toContainText('builtin @ builtin');
  await page.getByTestId('reproduce-figure-5').scrollIntoViewIfNeeded();
  await audit(page, testInfo, 'reproduce', []);
  await testInfo.attach('reproduce-figure5-1280x800.png', {
    body: await page.screenshot(),
    contentType: 'image/png',
  });

  const json = JSON.parse((await download(page, 'reproduce-export-json')).text);
  expect(json.kind).toBe('lenslab-reproduction');
  expect(json.sections.map((s: { figure: number }) => s.figure)).toEqual([3, 5, 7]);

  const downloading = page.waitForEvent('download');
  await page.getByTestId('reproduce-export-html').click();
  const file = await downloading;
  const path = testInfo.outputPath('report.html');
  await file.saveAs(path);
  // a fresh context with the network off: the file must stand alone
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 800 } });
  const report = await context.newPage();
  const requests: string[] = [];
  report.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await report.goto(`file://${path}`);
  await expect(report.locator('h1')).toContainText('reproduced on builtin');
  await expect(report.locator('.banner')).toContainText('random weights');
  await expect(report.locator('section[data-figure] svg')).toHaveCount(4);
  await expect(report.locator('section[data-figure="5"] table').first()).toContainText('37%');
  await testInfo.attach('report-1280x800.png', { body: await report.screenshot(), contentType: 'image/png' });
  expect(requests).toEqual([]);
  await context.close();
});

test('on a loopback-Hub checkpoint: results are kept per model, reopen with its link, and overlay on a relative-depth axis', async ({
  app,
  page,
  hub,
}, testInfo) => {
  await app.open(`/?${hub.query}&page=experiments&exp=stages&limit=6`);
  await page.getByTestId('model-select').selectOption('gpt2');
  await page.getByTestId('model-load').click();
  await expect
    .poll(async () => JSON.stringify((await app.state())?.modelSource), { timeout: 120_000 })
    .toContain('openai-community/gpt2');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('builtin-banner')).toBeHidden();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'pending');
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('figure3')).toBeVisible();

  // the link (hash: the cached model; query: the experiment) reopens the finished run
  await page.waitForFunction(() => window.location.hash.length > 1);
  // (a goto to the same URL would only be a same-document hash navigation: reload instead)
  await page.reload();
  await expect
    .poll(async () => JSON.stringify((await app.state())?.modelSource), { timeout: 120_000 })
    .toContain('openai-community/gpt2');
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done');
  await expect(part(page, 0)).toContainText('reopened from the stored run');

  // another model: another key, nothing stored for it
  await page.getByTestId('model-select').selectOption('builtin');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('builtin-banner')).toBeVisible({ timeout: 60_000 });
  await expect(part(page, 0)).toHaveAttribute('data-status', 'pending');

  // the built-in model's run of the same data and settings lists the Hub model's for the overlay
  await page.getByTestId('experiment-run').click();
  await expect(part(page, 0)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  const overlay = page.locator('[data-testid^="overlay-run-gpt2@"]');
  await expect(overlay).toHaveCount(1);
  await expect(page.getByTestId('figure3-depth')).toHaveCount(0);
  await overlay.check();
  const depth = page.getByTestId('figure3-depth');
  await expect(depth.locator('[data-series="0-answer"] path')).toHaveCount(1);
  await expect(depth.locator('[data-series="1-answer"] path')).toHaveCount(1);
  await expect(depth).toContainText('builtin · answer');
  await expect(depth).toContainText('gpt2');
  await attachFigure(page, testInfo, 'figure3-depth');
  await audit(page, testInfo, 'experiments-depth-overlay', []);
  const csv = await download(page, 'export-figure3-depth-csv');
  expect(csv.text.split('\n')[0]).toBe('series,x,y');
  expect(csv.text).toContain(',1,');
});
