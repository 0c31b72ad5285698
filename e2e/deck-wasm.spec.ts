/**
 * Talk mode, on the 'wasm' project only (talk mode is about the app, and SwiftShader would make each
 * slide tens of seconds): a deck built by clicking, reordered by keyboard, presented with the keys,
 * exported and imported, opened from a link; bad deck files and links; the built-in paper deck at
 * 1920x1080 (screenshots in the report); "Prepare for talk"; and the look-ahead figures.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { paperDeck } from '../app/deck/paperDeck.ts';
import { startHubServer } from '../tests/support/hubServer.ts';
import { startStaticServer } from '../tests/support/staticServer.ts';
import { DEEP_REPO, expect, RUN_TIMEOUT, test, writeFixtureHub } from './fixtures.ts';

/** A Hub that refuses connections: the venue without network. */
const NO_HUB = `hub=${encodeURIComponent('http://127.0.0.1:9')}`;

async function slideTitles(page: Page): Promise<string[]> {
  return page
    .getByTestId('deck-slide-title')
    .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

async function slideIdAt(page: Page, index: number): Promise<string> {
  const id = await page.getByTestId('deck-slide').nth(index).getAttribute('data-slide-id');
  if (id === null) throw new Error(`slide ${index} has no data-slide-id`);
  return id;
}

/** Waits until dnd-kit has told a screen reader that the dragged slide is over slide `overId`. */
async function announcedOver(page: Page, overId: string): Promise<void> {
  // one live region per DndContext (the vector library has its own)
  const said = page.locator('[id^="DndLiveRegion"]').filter({ hasText: `droppable area ${overId}.` });
  await expect(said).toHaveCount(1);
}

async function waitSlideReady(page: Page, title: string): Promise<void> {
  await expect(page.getByTestId('slide-title')).toHaveText(title);
  await expect(page.getByTestId('slide')).toHaveAttribute('data-ready', 'true', { timeout: RUN_TIMEOUT });
}

async function setPrompt(page: Page, app: { settled: (o?: object) => Promise<unknown> }, prompt: string) {
  if ((await page.getByTestId('prompt-input').inputValue()) === prompt) return;
  const before = await page.evaluate(() => window.__lenslab!);
  await page.getByTestId('prompt-input').fill(prompt);
  await app.settled({ after: before });
}

test('a deck built by clicking: reordered by keyboard, presented with the keys, exported, imported, linked', async ({
  app,
  page,
  context,
}, testInfo) => {
  page.on('dialog', (d) => void d.accept());
  await app.open('/');
  await app.settled();
  await page.getByTestId('deck-open').click();
  await expect(page.getByTestId('deck-panel')).toBeVisible();

  const prompts = [
    'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
    'table mug free China table mug free China table mug free',
    'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
  ];
  const titles = ['One', 'Two', 'Three'];
  for (const [i, prompt] of prompts.entries()) {
    await setPrompt(page, app, prompt);
    await page.getByTestId('deck-add-slide').click();
    await expect(page.getByTestId('deck-slide')).toHaveCount(i + 1);
    await page.getByTestId('deck-slide-title').nth(i).fill(titles[i]!);
  }
  await page.getByTestId('deck-slide-caption').nth(1).fill('The second prompt, with a caption.');
  await page.getByTestId('deck-mark-function').nth(0).check();
  expect(await slideTitles(page)).toEqual(['One', 'Two', 'Three']);

  // keyboard reorder, dnd-kit's way: focus the handle, Space, arrow, Space
  // Each step waits for what dnd-kit shows and tells a screen reader: the drop lands where the
  // last announcement said, and under CI load a drop sent before it would land nowhere.
  const handle = page.getByTestId('deck-slide-handle').nth(2);
  const overTwo = await slideIdAt(page, 1);
  await handle.focus();
  await page.keyboard.press('Space');
  await expect(handle).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowUp');
  await announcedOver(page, overTwo);
  await page.keyboard.press('Space');
  await expect.poll(() => slideTitles(page)).toEqual(['One', 'Three', 'Two']);
  // and the shortcut on a slide: Alt+ArrowDown
  await page.getByTestId('deck-slide-title').nth(0).focus();
  await page.keyboard.press('Alt+ArrowDown');
  await expect.poll(() => slideTitles(page)).toEqual(['Three', 'One', 'Two']);
  // and with the pointer: drag slide 1's handle below slide 2, then back
  const drag = async (from: number, to: number): Promise<void> => {
    const handle = (await page.getByTestId('deck-slide-handle').nth(from).boundingBox())!;
    const source = (await page.getByTestId('deck-slide').nth(from).boundingBox())!;
    const target = (await page.getByTestId('deck-slide').nth(to).boundingBox())!;
    // move the slide's centre onto the target's centre
    const x = handle.x + handle.width / 2;
    const y = handle.y + handle.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y + 10, { steps: 3 });
    const targetId = await slideIdAt(page, to);
    await page.mouse.move(x, y + (target.y + target.height / 2) - (source.y + source.height / 2), {
      steps: 12,
    });
    await announcedOver(page, targetId);
    await page.mouse.up();
  };
  // room for the whole list: near the window's edge dnd-kit scrolls the page while dragging
  await page.setViewportSize({ width: 1280, height: 1600 });
  await drag(0, 1);
  await expect.poll(() => slideTitles(page)).toEqual(['One', 'Three', 'Two']);
  await drag(1, 0);
  await expect.poll(() => slideTitles(page)).toEqual(['Three', 'One', 'Two']);
  await page.setViewportSize({ width: 1280, height: 800 });

  // present and move with the keys presenters (and their clickers) use
  await page.getByTestId('deck-present').click();
  await waitSlideReady(page, 'Three');
  await expect(page.getByTestId('slide-number')).toHaveText('1 / 3');
  await page.keyboard.press('ArrowRight');
  await waitSlideReady(page, 'One');
  await expect(page.getByTestId('prompt-input')).toBeHidden(); // the live editor is folded away
  expect((await page.evaluate(() => window.__lenslab!)).result?.prompts[0]?.tokens.length).toBeGreaterThan(
    10,
  );
  await page.keyboard.press('Space');
  await waitSlideReady(page, 'Two');
  await expect(page.getByTestId('slide-caption')).toHaveText('The second prompt, with a caption.');
  await page.keyboard.press('PageUp');
  await waitSlideReady(page, 'One');
  await page.keyboard.press('End');
  await waitSlideReady(page, 'Two');
  await page.keyboard.press('Home');
  await waitSlideReady(page, 'Three');
  await page.getByTestId('slide-next').click();
  await waitSlideReady(page, 'One');
  await page.getByTestId('slide-prev').click();
  await waitSlideReady(page, 'Three');
  await page.keyboard.press('b');
  await expect(page.getByTestId('slide-blank')).toBeVisible();
  await page.keyboard.press('b');
  await expect(page.getByTestId('slide-blank')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('slide')).toHaveCount(0);
  await expect(page.getByTestId('deck-panel')).toBeVisible();

  // export, delete, import: the same slides come back
  const downloading = page.waitForEvent('download');
  await page.getByTestId('deck-export').click();
  const file = testInfo.outputPath('deck.json');
  await (await downloading).saveAs(file);
  const exported = JSON.parse(await readFile(file, 'utf8'));
  expect(exported.kind).toBe('lenslab-deck');
  expect(exported.slides.map((s: { title: string }) => s.title)).toEqual(['Three', 'One', 'Two']);
  expect(exported.slides[1].marks).toEqual([{ kind: 'stage', stage: 'function' }]);
  await page.getByTestId('deck-delete').click();
  // back on the built-in deck
  await expect(page.getByTestId('deck-slide')).toHaveCount(paperDeck().slides.length);
  await page.getByTestId('deck-import').setInputFiles(file);
  await expect(page.getByTestId('deck-notice')).toContainText('Imported');
  expect(await slideTitles(page)).toEqual(['Three', 'One', 'Two']);
  // saved in IndexedDB: still there after a reload
  await page.reload();
  await page.getByTestId('deck-open').click();
  await expect.poll(() => slideTitles(page)).toEqual(['Three', 'One', 'Two']);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready', {
    timeout: RUN_TIMEOUT,
  });

  // the deck link, opened in a new page, shows the same deck ready to present
  await page.getByTestId('deck-share').click();
  const link = await page.getByTestId('deck-link').inputValue();
  expect(link).toMatch(/#d1\./);
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('deck-panel')).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(other.getByTestId('deck-notice')).toContainText('ready to present');
  await expect.poll(() => slideTitles(other)).toEqual(['Three', 'One', 'Two']);
  await expect(other.getByTestId('model-status')).toHaveAttribute('data-status', 'ready', {
    timeout: RUN_TIMEOUT,
  });
  await other.getByTestId('deck-present').click();
  await waitSlideReady(other, 'Three');
  await other.keyboard.press('ArrowRight');
  await waitSlideReady(other, 'One');
  const theirs = await other.evaluate(() => window.__lenslab!);
  const ours = await page.evaluate(() => window.__lenslab!);
  expect(theirs.result?.prompts[0]?.tokens.length).toBeGreaterThan(10);
  expect(ours.modelSource).toEqual(theirs.modelSource);
  await other.close();
});

test('a malformed deck file, a deck from a newer version and a malformed deck link each say what is wrong', async ({
  app,
  page,
}, testInfo) => {
  await app.open('/');
  await page.getByTestId('deck-open').click();
  const decksBefore = await page.getByTestId('deck-select').locator('option').count();

  const bad = testInfo.outputPath('broken.lenslab-deck.json');
  await writeFile(bad, '{"kind": "lenslab-deck", "v": 1, "slides": [');
  await page.getByTestId('deck-import').setInputFiles(bad);
  await expect(page.getByTestId('deck-error')).toContainText('Could not import broken.lenslab-deck.json');
  await expect(page.getByTestId('deck-error')).toContainText('not JSON');

  const newer = testInfo.outputPath('newer.lenslab-deck.json');
  await writeFile(
    newer,
    JSON.stringify({ kind: 'lenslab-deck', v: 2, id: 'x', title: 'From the future', slides: [] }),
  );
  await page.getByTestId('deck-import').setInputFiles(newer);
  await expect(page.getByTestId('deck-error')).toContainText('newer version');

  const other = testInfo.outputPath('state.json');
  await writeFile(other, JSON.stringify({ v: 1, prompt: 'a state, not a deck' }));
  await page.getByTestId('deck-import').setInputFiles(other);
  await expect(page.getByTestId('deck-error')).toContainText('lenslab-deck');
  // nothing saved was lost
  await expect(page.getByTestId('deck-select').locator('option')).toHaveCount(decksBefore);

  // a fresh load each time (a hash change alone does not reload the page)
  await page.goto('about:blank');
  await page.goto('/#d1.this-is-not-a-deck');
  await expect(page.getByTestId('deck-error')).toContainText('This deck link cannot be opened', {
    timeout: RUN_TIMEOUT,
  });
  await page.goto('about:blank');
  await page.goto('/#d7.AAAA');
  await expect(page.getByTestId('deck-error')).toContainText('newer version', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('deck-select').locator('option')).toHaveCount(decksBefore);
});

test('a slide whose model cannot be loaded says so and offers the built-in model; the rest of the deck presents', async ({
  app,
  page,
}, testInfo) => {
  await app.open(`/?${NO_HUB}`);
  const state = (prompt: string, model: object) => ({
    v: 1,
    model,
    prompt,
    tracked: [],
    view: { rows: 'blocks', rank: 'reciprocal', front: 'heatmap' },
    vectors: [],
    interventions: { scope: 'all', slots: [] },
  });
  const deck = {
    v: 1,
    kind: 'lenslab-deck',
    id: 'venue',
    title: 'At the venue',
    slides: [
      {
        id: 'a',
        title: 'On the Hub',
        caption: '',
        marks: [],
        state: state('The Eiffel Tower is in', { source: 'hub', repo: 'gpt2', revision: 'main' }),
      },
      {
        id: 'b',
        title: 'Built in',
        caption: '',
        marks: [],
        state: state('The capital of Poland is', { source: 'builtin' }),
      },
    ],
  };
  const file = testInfo.outputPath('venue.lenslab-deck.json');
  await writeFile(file, JSON.stringify(deck));
  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-import').setInputFiles(file);
  await page.getByTestId('deck-present').click();
  await expect(page.getByTestId('slide-title')).toHaveText('On the Hub');
  await expect(page.getByTestId('slide-model-problem')).toContainText('gpt2 could not be loaded', {
    timeout: RUN_TIMEOUT,
  });
  await page.keyboard.press('ArrowRight');
  await waitSlideReady(page, 'Built in');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('slide-model-problem')).toBeVisible();
  await page.getByTestId('slide-use-builtin').click();
  await waitSlideReady(page, 'On the Hub');
  await expect(page.getByTestId('slide-builtin-banner')).toContainText('random weights');
});

test('"Prepare for talk" fetches, verifies and caches what the paper deck needs', async ({
  app,
  page,
  hub,
}) => {
  await app.open(`/?${hub.query}`);
  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-select').selectOption('paper');
  await page.getByTestId('deck-prepare').click();
  const report = page.getByTestId('deck-prepare-report');
  await expect(report).toContainText('Ready for the talk', { timeout: RUN_TIMEOUT });
  await expect(report).toContainText('gpt2-medium');
  await expect(report).toContainText('city_capital_o19_gpt2-medium.npy');
  // the app's own files, gpt2-medium, the built-in model, 3 vectors
  await expect(report.locator('li[data-ok="true"]')).toHaveCount(6);
  await expect(report).toContainText('a reload without network starts the app');
  // a second time everything comes from the cache
  await page.getByTestId('deck-prepare').click();
  await expect(report).toContainText('already cached', { timeout: RUN_TIMEOUT });
  await expect(report).not.toContainText('downloaded');
});

async function presentPaperDeck(
  page: Page,
  testInfo: TestInfo,
  shots: { width: number; height: number } | false,
  lookAhead = true,
): Promise<void> {
  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-select').selectOption('paper');
  const titles = await slideTitles(page);
  expect(titles.length).toBeGreaterThanOrEqual(5);
  await page.getByTestId('deck-present').click();
  for (const [i, title] of titles.entries()) {
    if (i > 0) {
      // a presenter talks before moving on: with look-ahead, that is when the next slide is computed
      if (lookAhead)
        await page.waitForFunction((n) => window.__lenslabDeck?.aheadIndex === n, i, {
          timeout: RUN_TIMEOUT,
        });
      await page.keyboard.press('ArrowRight');
    }
    await waitSlideReady(page, title);
    if (!shots) continue;
    await expect(page.getByTestId('slide-builtin-banner')).toContainText('random weights');
    // nothing clipped: title, caption and footer inside the screen, the title on its lines
    for (const id of ['slide-title', 'slide-caption', 'slide-number', 'slide-next']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.x, id).toBeGreaterThanOrEqual(0);
      expect(box!.y, id).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, id).toBeLessThanOrEqual(shots.width);
      expect(box!.y + box!.height, id).toBeLessThanOrEqual(shots.height);
    }
    // each heatmap's colour key inside the heatmap's box, however far the grid is scrolled
    for (const figure of await page.locator('.present figure.lens-heatmap').all()) {
      const box = (await figure.boundingBox())!;
      const key = (await figure.getByTestId('lens-legend').boundingBox())!;
      expect(key.x, 'colour key not cut on the left').toBeGreaterThanOrEqual(box.x - 1);
      expect(key.x + key.width, 'colour key not cut on the right').toBeLessThanOrEqual(box.x + box.width + 1);
    }
    // control beside intervened: one scroll moves both, so their columns are the same tokens
    if (await page.getByTestId('lens-heatmap-intervened').isVisible()) {
      const scrollers = page.locator('.present .lens-heatmap-scroll');
      const lefts = () => scrollers.evaluateAll((els) => els.map((e) => Math.round(e.scrollLeft)));
      const start = await lefts();
      expect(start[0], 'scrolled to the last tokens').toBeGreaterThan(0);
      expect(start[1]).toBe(start[0]);
      await scrollers.first().evaluate((e) => {
        e.scrollLeft = 0;
      });
      await expect.poll(lefts).toEqual([0, 0]);
      await scrollers.last().evaluate((e) => {
        e.scrollLeft = e.scrollWidth;
      });
      await expect.poll(lefts).toEqual(start);
    }
    const overflow = await page
      .getByTestId('slide-title')
      .evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    expect(overflow).toBe(false);
    await testInfo.attach(`paper-slide-${i + 1}-${shots.width}x${shots.height}.png`, {
      body: await page.screenshot(),
      contentType: 'image/png',
    });
  }
}

test('the built-in paper deck at 1920x1080 and 1280x720, without a Hub: every slide on the built-in model under its banner', async ({
  app,
  page,
}, testInfo) => {
  for (const size of [
    { width: 1920, height: 1080 },
    { width: 1280, height: 720 },
  ]) {
    await page.setViewportSize(size);
    await app.open(`/?${NO_HUB}`);
    await presentPaperDeck(page, testInfo, size);
    await page.keyboard.press('Escape');
  }
});

test('look-ahead: key press to the next slide finished, with and without it (figures in the report)', async ({
  app,
  page,
}, testInfo) => {
  const figures: Record<string, Array<{ index: number; ms: number; cached: boolean }>> = {};
  for (const lookAhead of [false, true]) {
    // a fresh page each time: no run cached from the other pass
    await app.open(`/?${NO_HUB}${lookAhead ? '' : '&lookahead=0'}`);
    await presentPaperDeck(page, testInfo, false, lookAhead);
    const timings = (await page.evaluate(() => window.__lenslabDeck!.timings)).filter(
      (t) => t.lookAhead === lookAhead,
    );
    figures[lookAhead ? 'with' : 'without'] = timings.map(({ index, ms, cached }) => ({
      index,
      ms: Math.round(ms),
      cached,
    }));
    await page.keyboard.press('Escape');
  }
  await testInfo.attach('look-ahead.json', {
    body: JSON.stringify(figures, null, 2),
    contentType: 'application/json',
  });
  console.log('[look-ahead]', JSON.stringify(figures));
  // after the first slide every move is served from the look-ahead
  const withIt = figures.with!.filter((t) => t.index > 0);
  expect(withIt.length).toBeGreaterThanOrEqual(4);
  expect(withIt.every((t) => t.cached)).toBe(true);
  expect(figures.without!.filter((t) => t.index > 0).every((t) => !t.cached)).toBe(true);
});

test("a deep model's marked rows are in view on the slide, at 1280x720 and 1920x1080", async ({
  app,
  page,
  hub,
}, testInfo) => {
  // 24 blocks, as gpt2-medium: at the full row height block 19 would sit below the slide's fold
  const state = (rows: 'blocks' | 'all') => ({
    v: 1,
    model: { source: 'hub', repo: DEEP_REPO, revision: 'main' },
    prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
    tracked: [],
    view: { rows, rank: 'reciprocal', front: 'heatmap' },
    vectors: [],
    interventions: { scope: 'all', slots: [] },
  });
  const slides = [
    {
      id: 'blocks',
      title: 'Block 19 and the output',
      caption: '',
      marks: [
        { kind: 'row', state: 40 },
        { kind: 'cell', state: 48, position: 'last' },
      ],
      state: state('blocks'),
    },
    {
      id: 'all',
      title: "Block 19's attention, among 49 rows",
      caption: '',
      marks: [{ kind: 'cell', state: 39, position: 'last' }],
      state: state('all'),
    },
  ];
  const file = testInfo.outputPath('deep.lenslab-deck.json');
  await writeFile(file, JSON.stringify({ v: 1, kind: 'lenslab-deck', id: 'deep', title: 'Deep', slides }));
  await app.open(`/?${hub.query}`);
  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-import').setInputFiles(file);
  for (const size of [
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
  ]) {
    await page.setViewportSize(size);
    await page.getByTestId('deck-present').click();
    for (const slide of slides) {
      await waitSlideReady(page, slide.title);
      await expect(page.getByTestId('slide-builtin-banner')).toBeHidden();
      const body = (await page.getByTestId('slide-body').boundingBox())!;
      // the marked rows, and the output row (block 23) below them: the marks down to the prediction
      for (const stateIndex of [...slide.marks.map((m) => m.state), 48]) {
        const label = page
          .getByTestId('lens-heatmap')
          .locator(`[data-testid="lens-row-label"][data-state-index="${stateIndex}"]`);
        // poll: the body is scrolled in the effect after the slide is ready
        await expect
          .poll(async () => {
            const box = (await label.boundingBox())!;
            return box.y >= body.y && box.y + box.height <= body.y + body.height;
          }, `${slide.id}: state ${stateIndex} inside the slide at ${size.width}x${size.height}`)
          .toBe(true);
      }
      await testInfo.attach(`deep-${slide.id}-${size.width}x${size.height}.png`, {
        body: await page.screenshot(),
        contentType: 'image/png',
      });
      await page.keyboard.press('ArrowRight');
    }
    await page.keyboard.press('Escape');
  }
});

test('after "Prepare for talk", a reload with neither the app\'s server nor the Hub up starts the app and presents the paper deck', async ({
  app,
  page,
}) => {
  // an app server and a Hub of this test's own, to stop: the venue's network going away
  const root = await mkdtemp(join(tmpdir(), 'lenslab-venue-hub-'));
  await writeFixtureHub(root);
  const hub = await startHubServer({ root });
  const site = await startStaticServer('dist');
  try {
    const url = `${site.url}?hub=${encodeURIComponent(hub.url)}`;
    await app.open(url);
    await page.getByTestId('deck-open').click();
    await page.getByTestId('deck-select').selectOption('paper');
    await page.getByTestId('deck-prepare').click();
    const report = page.getByTestId('deck-prepare-report');
    await expect(report).toContainText('Ready for the talk', { timeout: RUN_TIMEOUT });
    await expect(report.locator('li[data-ok="true"]')).toHaveCount(6);
    await expect(report.locator('li').first()).toContainText('app LensLab');
    await expect(report.locator('li').first()).toContainText('a reload without network starts the app');

    await site.close();
    await hub.close();
    // the server is gone: only the service worker and the caches can answer now
    expect((await page.request.get(site.url).catch((e: Error) => e)) instanceof Error).toBe(true);
    const load = await app.open(url);
    expect(load.backend).toBe('wasm');
    // still cross-origin isolated from the cache (ORT's wasm threads need it)
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    await page.getByTestId('deck-open').click();
    await page.getByTestId('deck-select').selectOption('paper');
    const titles = await slideTitles(page);
    await page.getByTestId('deck-present').click();
    // the first two slides: gpt2-medium from the model cache, the o-vector from the vector cache
    for (const [i, title] of titles.slice(0, 2).entries()) {
      if (i > 0) await page.keyboard.press('ArrowRight');
      await waitSlideReady(page, title);
      await expect(page.getByTestId('slide-builtin-banner')).toBeHidden();
      await expect(page.getByTestId('slide-model-problem')).toBeHidden();
      if (i === 0) continue;
      // the paper's o-vector came from the cache, all 1024 values (the 3-block fixture standing in
      // for gpt2-medium has no blocks 18-23 to put it on: that, and only that, is said)
      const vectors = (await app.state())!.vectors;
      expect(vectors.some((v) => v.length === 1024)).toBe(true);
      const problems = page.getByTestId('slide-problems');
      await problems.locator('summary').click();
      await expect(problems).toContainText('18 is not a block of this model');
      await expect(problems).not.toContainText('vector “');
    }
    expect((await app.state())!.modelSource).toMatchObject({ repo: 'openai-community/gpt2-medium' });
  } finally {
    await site.close().catch(() => undefined);
    await hub.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
