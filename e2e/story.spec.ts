/**
 * The talk's story on the built-in model, in both projects: capture an o-vector, drag it with a real
 * pointer onto the slots of blocks 2-3, and check that the intervened heatmap marks exactly the cells
 * whose top-1 differs from the control run. Screenshots of the main views (1280x800) are attached.
 */
import type { Page, TestInfo } from '@playwright/test';
import { expect, type LensLabWindowState, test } from './fixtures.ts';

/** A viewport screenshot (1280x800) with `testId` scrolled into view, written to a file and attached. */
async function shoot(page: Page, testInfo: TestInfo, name: string, testId: string): Promise<void> {
  await page.getByTestId(testId).first().scrollIntoViewIfNeeded();
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(`${name}.png`, { path, contentType: 'image/png' });
}

/** Moves the mouse from (x0, y0) to (x1, y1) in `steps` small moves, with a pause between them. */
async function glide(page: Page, from: [number, number], to: [number, number], steps: number) {
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    await page.mouse.move(from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t);
    await page.waitForTimeout(16);
  }
}

test('drag a vector with the pointer onto blocks 2-3; the intervened view marks exactly the changed cells', async ({
  app,
  page,
  expectedBackend,
}, testInfo) => {
  const load = await app.open();
  let state = await app.settled();
  const nLayer = load.info.nLayer;
  const stateCount = 2 * nLayer + 1;
  expect(nLayer).toBeGreaterThanOrEqual(4);
  await page.getByTestId('rows-toggle').check();
  await expect(page.getByTestId('lens-heatmap').getByTestId('lens-row')).toHaveCount(stateCount);
  await expect(page.getByTestId('rank-plot')).toBeVisible();
  await shoot(page, testInfo, `1-heatmap-rank-${expectedBackend}`, 'lens-heatmap');

  // capture the last block's FFN output at the last position (click on its row label)
  const last = nLayer - 1;
  await page.locator(`[data-testid="lens-row-label"][data-state-index="${2 * last + 2}"]`).click();
  const chip = page.getByTestId('vector-chip');
  await expect(chip).toHaveCount(1);
  const vectorId = (await app.state())!.vectors[0]!.id;

  // a real pointer drag: down on the handle, small steps to slot 2, rest there, on to slot 3, release
  const handle = chip.getByTestId('vector-drag-handle');
  const slot2 = page.getByTestId('layer-slot-2');
  const slot3 = page.getByTestId('layer-slot-3');
  await slot2.scrollIntoViewIfNeeded();
  await handle.scrollIntoViewIfNeeded();
  const h = (await handle.boundingBox())!;
  const b2 = (await slot2.boundingBox())!;
  const b3 = (await slot3.boundingBox())!;
  const start: [number, number] = [h.x + h.width / 2, h.y + h.height / 2];
  const at2: [number, number] = [b2.x + b2.width / 2, b2.y + b2.height / 2];
  const at3: [number, number] = [b3.x + b3.width / 2, b3.y + b3.height / 2];
  await page.mouse.move(...start);
  await page.mouse.down();
  // up past the 5 px activation distance, along above the slot row (crossing no slot: a slow machine
  // could otherwise rest 300 ms on slot 1 on the way and start the range there), then down into slot 2
  const above = b2.y - 20;
  await glide(page, start, [start[0], above], 6);
  await glide(page, [start[0], above], [at2[0], above], 25);
  await glide(page, [at2[0], above], at2, 4);
  await page.waitForTimeout(400);
  await glide(page, at2, at3, 10);
  await page.waitForTimeout(100);
  await page.mouse.up();

  state = await app.settled({ after: state, intervened: true });
  for (const block of [2, 3]) {
    await expect(page.getByTestId(`layer-slot-${block}`)).toHaveAttribute('data-vector-id', vectorId);
    await expect(page.getByTestId(`slot-vector-${block}`)).toBeVisible();
  }
  for (let block = 0; block < nLayer; block++) {
    if (block === 2 || block === 3) continue;
    await expect(page.getByTestId(`layer-slot-${block}`)).not.toHaveAttribute('data-vector-id', /.+/);
  }
  expect(state.interventions.slots.map((s) => s.block).sort()).toEqual([2, 3]);

  const intervened = page.getByTestId('lens-heatmap-intervened');
  await expect(intervened).toHaveAttribute('data-complete', 'true');
  await expect(intervened.getByTestId('lens-row')).toHaveCount(stateCount);

  // expected: per state and position, the top-1 ids of the two runs the engine returned
  const expected = expectedDiffers(state);
  const shown = await intervened.evaluate((root) =>
    [...root.querySelectorAll('[data-testid="lens-row"]')].flatMap((row) =>
      [...row.querySelectorAll('[data-testid="lens-cell"]')].map((cell) => ({
        state: Number(row.getAttribute('data-state-index')),
        position: Number(cell.getAttribute('data-position')),
        topId: Number(cell.getAttribute('data-top-id')),
        differs: cell.getAttribute('data-differs') === 'true',
      })),
    ),
  );
  expect(shown).toHaveLength(expected.cells.length);
  const key = (c: { state: number; position: number }) => `${c.state}:${c.position}`;
  const shownByKey = new Map(shown.map((c) => [key(c), c]));
  for (const c of expected.cells) {
    const s = shownByKey.get(key(c));
    expect(s, `cell ${key(c)} shown`).toBeDefined();
    expect(s!.topId, `cell ${key(c)} top-1 id`).toBe(c.intervenedId);
  }
  const shownDiffers = shown
    .filter((c) => c.differs)
    .map(key)
    .sort();
  const expectedDiffersKeys = expected.cells
    .filter((c) => c.differs)
    .map(key)
    .sort();
  expect(shownDiffers).toEqual(expectedDiffersKeys);
  // blocks 0-1 come before the change: nothing there may differ
  for (const k of shownDiffers) expect(Number(k.split(':')[0])).toBeGreaterThanOrEqual(2 * 2 + 1);
  console.log(
    `[${expectedBackend}] drag 2-3: ${shownDiffers.length} of ${shown.length} cells differ from the control`,
  );

  await shoot(page, testInfo, `2-control-intervened-${expectedBackend}`, 'lens-heatmap-intervened');
  await shoot(page, testInfo, `3-library-slots-${expectedBackend}`, 'layer-slot-0');
});

function expectedDiffers(state: LensLabWindowState): {
  cells: Array<{ state: number; position: number; intervenedId: number; differs: boolean }>;
} {
  const control = state.result!.prompts[0]!.byPosition!;
  const intervened = state.intervened!.prompts[0]!.byPosition!;
  expect(intervened).toHaveLength(control.length);
  const cells: Array<{ state: number; position: number; intervenedId: number; differs: boolean }> = [];
  intervened.forEach((states, position) => {
    for (const s of states) {
      const c = control[position]!.find((x) => x.index === s.index)!;
      const intervenedId = s.top[0]!.id;
      cells.push({ state: s.index, position, intervenedId, differs: c.top[0]!.id !== intervenedId });
    }
  });
  return { cells };
}
