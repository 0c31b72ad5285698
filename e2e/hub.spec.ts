/**
 * Models from a Hub: a loopback server in the Hub's URL layout (tests/support/hubServer.ts) serves small
 * random checkpoints under the GPT-2 repo names; the app is opened with ?hub=<its URL>.
 */
import { expect, RUN_TIMEOUT, test } from './fixtures.ts';

test.beforeEach(({ hub }) => {
  hub.server.faults.clear();
  hub.server.faults.latencyMs = 0;
});

test('offers gpt2-medium when the Hub answers; loads it with progress, then from the verified cache', async ({
  app,
  page,
  hub,
  expectedBackend,
}) => {
  // four page loads, each paying SwiftShader's shader builds and first heatmap
  if (expectedBackend === 'webgpu') test.slow();
  await app.open(`/?${hub.query}`);
  await expect(page.getByTestId('hub-status')).toHaveAttribute('data-reachable', 'true');
  const select = page.getByTestId('model-select');
  await expect(select).toHaveValue('gpt2-medium');
  // the built-in model is what runs until the user asks for more
  expect((await app.state())!.modelSource).toEqual({ source: 'builtin' });
  const options = await select.locator('option').allTextContents();
  expect(options.join('\n')).toMatch(/random weights/);
  const sizes: Array<[string, string]> = [
    ['gpt2', '548 MB'],
    ['gpt2-medium', '1.52 GB'],
    ['gpt2-large', '3.25 GB'],
    ['gpt2-xl', '6.43 GB'],
  ];
  for (const [id, size] of sizes)
    expect(
      options.some((o) => o.startsWith(`${id} `) && o.includes(size)),
      `${id} ${size}`,
    ).toBe(true);

  // a short prompt: this test is about loading, and on SwiftShader's WebGPU each page load's first
  // heatmap of the 26-token default prompt takes about a minute (the lens's full sort, issue 10)
  const first = await app.settled();
  await page.getByTestId('prompt-input').fill('The capital of Poland is');
  const before = await app.settled({ after: first });
  hub.server.faults.latencyMs = 400; // slow enough to see the progress bar
  await page.getByTestId('model-load').click();
  const progress = page.getByTestId('load-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText('gpt2-medium');
  await expect(page.getByTestId('load-cancel')).toBeVisible();
  await expect(progress).toBeHidden({ timeout: RUN_TIMEOUT });
  hub.server.faults.latencyMs = 0;
  await expect(page.getByTestId('model-label')).toContainText('gpt2-medium');
  let state = await app.settled({ after: before });
  expect(state.modelSource).toEqual({
    source: 'hub',
    repo: 'openai-community/gpt2-medium',
    revision: 'main',
  });
  expect(state.load?.files?.map((f) => f.from)).toEqual(['network', 'network', 'network']);
  expect(state.result?.prompts[0]?.states).toHaveLength(2 * 3 + 1);

  // the link names the model: a reload loads it again, from Cache Storage, verified
  await page.reload();
  state = await app.settled();
  expect(state.modelSource).toMatchObject({ repo: 'openai-community/gpt2-medium' });
  expect(state.load?.files?.map((f) => f.from)).toEqual(['cache', 'cache', 'cache']);

  // a corrupt cached copy is noticed and fetched again
  await page.evaluate(async () => {
    const cache = await caches.open('lenslab-models');
    for (const request of await cache.keys()) {
      if (!request.url.endsWith('gpt2-medium/resolve/main/config.json')) continue;
      const response = (await cache.match(request))!;
      const body = new Uint8Array(await response.arrayBuffer());
      body[3] = (body[3]! + 1) % 256;
      await cache.put(request, new Response(body, { headers: response.headers }));
    }
  });
  await page.reload();
  state = await app.settled();
  expect(state.load?.files?.map((f) => f.from)).toEqual(['network', 'cache', 'cache']);
  await expect(page.getByTestId('load-notes')).toContainText('config.json: the cached copy was unusable');
});

test('an HTTP error names the file and the status, and offers the built-in model', async ({
  app,
  page,
  hub,
}) => {
  await app.open(`/?${hub.query}`);
  hub.server.faults.failNext('model.safetensors', 503);
  await page.getByTestId('model-select').selectOption('gpt2');
  await page.getByTestId('model-load').click();
  const error = page.getByTestId('error');
  await expect(error).toContainText('model.safetensors');
  await expect(error).toContainText('503');
  await expect(error).toHaveAttribute('data-code', 'http');
  // the built-in model is still loaded and keeps working
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('use-builtin').click();
  await expect(error).toBeHidden();
  expect((await app.state())!.modelSource).toEqual({ source: 'builtin' });
});

test('a download can be cancelled; the loaded model stays', async ({ app, page, hub }) => {
  await app.open(`/?${hub.query}`);
  await app.settled();
  hub.server.faults.latencyMs = 5000;
  await page.getByTestId('model-select').selectOption('gpt2');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('load-progress')).toBeVisible();
  await page.getByTestId('load-cancel').click();
  await expect(page.getByTestId('load-progress')).toBeHidden();
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('model-label')).toContainText('builtin');
});

test('an unreachable Hub is said so, with the built-in model offered', async ({ app, page }) => {
  // port 9 (discard): nothing listens there
  await app.open('/?hub=http://127.0.0.1:9');
  await expect(page.getByTestId('hub-status')).toHaveAttribute('data-reachable', 'false');
  await expect(page.getByTestId('model-select')).toHaveValue('builtin');
  await page.getByTestId('model-select').selectOption('gpt2-medium');
  await page.getByTestId('model-load').click();
  await expect(page.getByTestId('error')).toContainText('Hub unreachable');
  await expect(page.getByTestId('error')).toContainText('config.json');
  await expect(page.getByTestId('use-builtin')).toBeVisible();
});
