/**
 * The rest of the talk's acceptance points, on the 'wasm' project only (the webgpu project ignores this
 * file: SwiftShader makes each full run tens of seconds and these are about the app, not the backend):
 * a Hub 500, a corrupt cached weights file, a wrong-size .npy import, malformed and hostile links, and
 * exported files that hold what the UI shows.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { encodeState, HASH_PREFIX, packJson } from '../app/url/codec.ts';
import { defaultState } from '../app/url/stateSchema.ts';
import { encodeVector } from '../app/url/vectorData.ts';
import { expect, RUN_TIMEOUT, test } from './fixtures.ts';

test.beforeEach(({ hub }) => {
  hub.server.faults.clear();
  hub.server.faults.latencyMs = 0;
});

test('a Hub 500 on the weights names the file and the status, and offers the built-in model', async ({
  app,
  page,
  hub,
}) => {
  await app.open(`/?${hub.query}`);
  hub.server.faults.failNext('model.safetensors', 500);
  await page.getByTestId('model-select').selectOption('gpt2');
  await page.getByTestId('model-load').click();
  const error = page.getByTestId('error');
  await expect(error).toContainText('model.safetensors');
  await expect(error).toContainText('500');
  await expect(page.getByTestId('use-builtin')).toBeVisible();
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready');
});

test('a corrupt cached weights file is detected and fetched again; the model then runs', async ({
  app,
  page,
  hub,
}) => {
  await app.open(`/?${hub.query}`);
  let state = await app.settled();
  await page.getByTestId('model-select').selectOption('gpt2');
  await page.getByTestId('model-load').click();
  await expect
    .poll(async () => (await app.state())?.load?.files?.length ?? 0, { timeout: RUN_TIMEOUT })
    .toBe(3);
  state = await app.settled({ after: state });
  expect(state.modelSource).toMatchObject({ source: 'hub', repo: 'openai-community/gpt2' });
  const fromNetwork = state.load!.files!;
  expect(fromNetwork.map((f) => f.from)).toEqual(['network', 'network', 'network']);
  const weights = fromNetwork.findIndex((f) => f.file === 'model.safetensors');
  expect(weights).toBeGreaterThanOrEqual(0);

  // same URL, same headers (size, stored SHA-256), wrong bytes in the middle of the tensor data
  const corrupted = await page.evaluate(async () => {
    const cache = await caches.open('lenslab-models');
    const urls: string[] = [];
    for (const request of await cache.keys()) {
      if (!request.url.endsWith('/model.safetensors')) continue;
      const response = (await cache.match(request))!;
      const body = new Uint8Array(await response.arrayBuffer());
      const at = Math.floor(body.length / 2);
      for (let i = at; i < at + 16; i++) body[i] = (body[i]! + 1) % 256;
      await cache.put(request, new Response(body, { headers: response.headers }));
      urls.push(request.url);
    }
    return urls;
  });
  expect(corrupted).toHaveLength(1);

  await page.reload();
  state = await app.settled();
  expect(state.modelSource).toMatchObject({ repo: 'openai-community/gpt2' });
  const files = state.load!.files!;
  expect(files[weights]!.from).toBe('network');
  expect(files.filter((_, i) => i !== weights).map((f) => f.from)).toEqual(['cache', 'cache']);
  const notes = page.getByTestId('load-notes');
  await expect(notes).toContainText('model.safetensors: the cached copy was unusable');
  await expect(notes).toContainText('xxHash64');
  // the model works: a run completes
  expect(state.result?.prompts[0]?.states).toHaveLength(2 * 3 + 1);
  await expect(page.getByTestId('lens-heatmap')).toHaveAttribute('data-complete', 'true');
});

/** A version-1.0 .npy file: magic, header (padded to 64 bytes with a newline), little-endian data. */
function npyFloat32(values: number[], shape: number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 6 + 2 + 2 + header.length + 1;
  header += `${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(new Float32Array(values).buffer);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

test('a .npy of the wrong size is refused with its shape and the size the model needs', async ({
  app,
  page,
}) => {
  const load = await app.open();
  await app.settled();
  const file = npyFloat32([1, 2, 3, 4, 5, 6, 7], [7]);
  // header padded as numpy does (to a multiple of 64 bytes: 128 here), then 7 float32 values
  expect(file.length).toBe(128 + 7 * 4);
  await page.getByTestId('vector-import').setInputFiles({
    name: 'o_short.npy',
    mimeType: 'application/octet-stream',
    buffer: file,
  });
  const error = page.getByTestId('vector-import-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('o_short.npy');
  await expect(error).toContainText('(7,)');
  await expect(error).toContainText(`the model needs ${load.info.nEmbd}`);
  await expect(page.getByTestId('vector-chip')).toHaveCount(0);
});

async function pwned(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
}

test('a malformed link opens with its problems listed and the app usable; link text is never HTML', async ({
  app,
  page,
}) => {
  const load = await app.open('/#s1.garbage');
  await expect(page.getByTestId('link-problems')).toBeVisible();
  await expect(page.getByTestId('link-problems')).toContainText('could not decode the link');
  const state = await app.settled();
  expect(state.result?.prompts[0]?.states.length).toBeGreaterThan(0);
  await expect(page.getByTestId('lens-heatmap')).toHaveAttribute('data-complete', 'true');

  // a well-formed link whose prompt is HTML
  const prompt = '<img src=x onerror=window.__pwned=1>';
  const hash = await encodeState({ ...defaultState(), prompt });
  await page.goto('about:blank');
  await app.open(`/#${hash}`);
  await app.settled();
  await expect(page.getByTestId('prompt-input')).toHaveValue(prompt);
  await expect(page.getByTestId('token-chips')).toContainText('<img');
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator('main img, [data-testid="lens-heatmap"] img').count()).toBe(0);
  await page.waitForTimeout(500);
  expect(await pwned(page)).toBeUndefined();
  await expect(page.getByTestId('link-problems')).toHaveCount(0);

  // a misspelled key (written by hand: the app's own links never carry one) is named with the key it
  // probably means, and the rest of the link applies: the slot adds its vector, at the default scale
  const typo = {
    ...defaultState(),
    vectors: [{ id: 'v', name: 'v', data: encodeVector(new Array(load.info.nEmbd).fill(0.5)) }],
    interventions: { scope: 'all', slots: [{ block: 1, kind: 'ffn', mode: 'add', vectorId: 'v', sca1e: 3 }] },
  };
  await page.goto('about:blank');
  await app.open(`/#${HASH_PREFIX}${await packJson(typo)}`);
  await expect(page.getByTestId('link-problems')).toContainText(
    'interventions.slots[0]: unknown key "sca1e" (did you mean "scale"?)',
  );
  const applied = await app.settled({ intervened: true });
  expect(applied.interventions.slots).toEqual([{ block: 1, kind: 'ffn', mode: 'add', vectorId: 'v' }]);
  expect(applied.linkProblems).toHaveLength(1);
});

/** RFC 4180 fields of one CSV line (quotes doubled inside quoted fields). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Splits CSV text into records, keeping newlines inside quoted fields. */
function csvRecords(text: string): string[] {
  const records: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === '\n' && !quoted) {
      records.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') records.push(current);
  return records;
}

test('exported heatmap files open and hold the data shown', async ({ app, page }) => {
  await app.open();
  const state = await app.settled();
  const prompt = state.result!.prompts[0]!;
  const lastPosition = prompt.tokens.length - 1;
  const download = async (testId: string): Promise<Buffer> => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return readFile(await d.path());
  };

  // CSV: the top-1 of every state at the last position is what the engine returned and the UI shows
  const csv = (await download('export-heatmap-csv')).toString('utf8');
  const [headerLine, ...rows] = csvRecords(csv);
  const header = csvFields(headerLine!);
  const col = (name: string) => header.indexOf(name);
  expect(col('top1_id')).toBeGreaterThan(0);
  const lastRows = rows
    .map(csvFields)
    .filter((f) => Number(f[col('position')]) === lastPosition)
    .sort((a, b) => Number(a[col('state')]) - Number(b[col('state')]));
  expect(lastRows.map((f) => Number(f[col('state')]))).toEqual(prompt.states.map((s) => s.index));
  expect(lastRows.map((f) => Number(f[col('top1_id')]))).toEqual(prompt.states.map((s) => s.top[0]!.id));
  expect(lastRows.map((f) => f[col('top1_token')])).toEqual(prompt.states.map((s) => s.top[0]!.token));
  const uiIds = await page
    .getByTestId('lens-heatmap')
    .locator(`[data-testid="lens-cell"][data-position="${lastPosition}"]`)
    .evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-top-id'))));
  // block rows by default: states 0, 2, 4, ...
  expect(uiIds).toEqual(prompt.states.filter((s) => s.index % 2 === 0).map((s) => s.top[0]!.id));

  // JSON: same cells, whole top-k
  const json = JSON.parse((await download('export-heatmap-json')).toString('utf8'));
  expect(json.format).toBe('lenslab-lens-grid');
  const jsonLast = (json.cells as Array<{ state: number; position: number; top: Array<{ id: number }> }>)
    .filter((c) => c.position === lastPosition)
    .sort((a, b) => a.state - b.state);
  expect(jsonLast.map((c) => c.top[0]!.id)).toEqual(prompt.states.map((s) => s.top[0]!.id));

  const png = await download('export-heatmap-png');
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const svg = (await download('export-heatmap-svg')).toString('utf8');
  expect(svg).toContain('<svg');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      root: doc.documentElement.nodeName,
      error: doc.querySelector('parsererror')?.textContent ?? null,
    };
  }, svg);
  expect(parsed).toEqual({ root: 'svg', error: null });
});
