/**
 * The app in headless Chromium on a real-shape random checkpoint from the loopback Hub, timed as a
 * user meets it: Load to the first heatmap row (no cache, then from the cache after a reload), the
 * worker's memory once loaded, and an edit to the updated rank plot and the full heatmap. Not a test:
 * `npm run build && npm run bench:browser [-- --model gpt2-medium --backend wasm]`. Serves dist/ itself
 * (COOP/COEP), so run a build first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { writeHubFolder } from '../scripts/writeHubFolder.ts';
import { startHubServer } from '../tests/support/hubServer.ts';
import { startStaticServer } from '../tests/support/staticServer.ts';
import { fastGpt2Fixture, MODEL_SHAPES } from './fixture.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'gpt2-medium' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const shape = MODEL_SHAPES[values.model!];
if (!shape) throw new Error(`unknown model ${values.model}`);
const ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** RSS of every Chromium process (the renderer and its worker threads included), in bytes. */
function chromiumRss(): number {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return out.split('\n').reduce((sum, line) => sum + (Number(line.trim()) || 0) * 1024, 0);
}

const state = (page: Page) =>
  page.evaluate(() => (window as unknown as { __lenslab: Record<string, unknown> }).__lenslab);

async function waitFor(page: Page, test: string, timeout = 240_000): Promise<void> {
  try {
    await page.waitForFunction(test, undefined, { timeout, polling: 20 });
  } catch (error) {
    const s = await state(page).catch(() => undefined);
    process.stderr.write(
      `waiting for ${test}\nstate: ${JSON.stringify({ ...s, result: undefined, intervened: undefined }).slice(0, 2000)}\n`,
    );
    throw error;
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lenslab-bench-browser-'));
  const profile = mkdtempSync(join(tmpdir(), 'lenslab-bench-profile-'));
  const repo = 'bench/model';
  await writeHubFolder(join(root, repo), fastGpt2Fixture(shape!, 7), loadGpt2TokenizerJsonFromPackage());
  const hub = await startHubServer({ root });
  const app = await startStaticServer(join(process.cwd(), 'dist'));
  const appUrl = app.url.replace(/\/$/, '');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: [...ARGS, ...(values.backend === 'webgpu' ? ['--enable-unsafe-webgpu'] : ['--disable-webgpu'])],
    headless: true,
  });
  const figures: Record<string, number> = {};
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => process.stderr.write(`[console] ${m.text()}\n`));
    // a link to the checkpoint: offered, then loaded on a click
    const { encodeState } = await import('../app/url/codec.ts');
    const { defaultState } = await import('../app/url/stateSchema.ts');
    const model = { source: 'hub' as const, repo, revision: 'main' };
    await page.goto(
      `${appUrl}/?hub=${encodeURIComponent(hub.url)}&debug=1#${await encodeState({ ...defaultState(), model })}`,
    );
    await page.getByTestId('pending-model-load').waitFor({ timeout: 120_000 });
    const seqBefore = Number((await state(page)).controlSeq ?? 0);
    let t0 = Date.now();
    await page.getByTestId('pending-model-load').click();
    await waitFor(
      page,
      `window.__lenslab?.info?.name === 'bench/model' && (window.__lenslab?.controlSeq ?? 0) > ${seqBefore} && document.querySelectorAll('[data-testid="lens-heatmap"] [data-testid="lens-cell"]').length > 0`,
    );
    figures.firstRowNoCacheMs = Date.now() - t0;
    await waitFor(
      page,
      "window.__lenslab?.running === false && document.querySelector('[data-testid=lens-heatmap]')?.getAttribute('data-complete') === 'true'",
    );
    figures.fullHeatmapNoCacheMs = Date.now() - t0;
    const loaded = await state(page);
    figures.fetchMs = (loaded.load as { timings: { fetchMs: number } }).timings.fetchMs;
    figures.rssAfterLoadBytes = chromiumRss();
    figures.measuredBytes = await page
      .evaluate(async () => {
        const measure = (performance as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
          .measureUserAgentSpecificMemory;
        return measure ? (await measure.call(performance)).bytes : -1;
      })
      .catch(() => -1);

    // an edit: the rank plot first, then the whole heatmap (the run controller's own timings)
    const edit = Date.now();
    await page
      .getByTestId('prompt-input')
      .fill('Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Spain?\nA:');
    await waitFor(
      page,
      "window.__lenslab?.running === false && window.__lenslab?.runStats?.trigger === 'prompt'",
    );
    figures.editToIdleMs = Date.now() - edit;
    const stats = (await state(page)).runStats as Record<string, unknown>;
    for (const [key, value] of Object.entries(stats))
      if (typeof value === 'number') figures[`runStats.${key}`] = value;

    // reload: from the cache, no click
    t0 = Date.now();
    await page.reload();
    await waitFor(
      page,
      'window.__lenslab?.info?.name === \'bench/model\' && document.querySelectorAll(\'[data-testid="lens-heatmap"] [data-testid="lens-cell"]\').length > 0',
    );
    figures.firstRowCachedMs = Date.now() - t0;
    await waitFor(
      page,
      "window.__lenslab?.running === false && document.querySelector('[data-testid=lens-heatmap]')?.getAttribute('data-complete') === 'true'",
    );
    figures.fullHeatmapCachedMs = Date.now() - t0;
    figures.rssAfterCachedLoadBytes = chromiumRss();
  } finally {
    await context.close();
    await hub.close();
    await app.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(
    `${JSON.stringify({ model: shape!.name, backend: values.backend, ...figures }, null, 2)}\n`,
  );
}

await main();
