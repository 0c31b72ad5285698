/**
 * Live views: after an edit or a drop, the last position's lens (the rank plot, the top-k table, the
 * heatmap's last column) reaches the store before the rest of the heatmap. Every state the app
 * publishes for tests (window.__lenslab) is recorded in order, so the order is read, not timed.
 */
import { expect, type LensLabWindowState, test } from './fixtures.ts';

/** What each publish said about the newest control and intervened runs. */
interface Published {
  controlSeq?: number;
  controlRankSeq?: number;
  controlDone: boolean;
  intervenedSeq?: number;
  intervenedRankSeq?: number;
  intervenedDone: boolean;
}

type Recorder = Window & { __lenslabPublished?: Published[] };

test('after an edit and after a drop the rank plot and top-k are up to date before the heatmap is complete', async ({
  app,
  page,
}) => {
  await page.addInitScript(() => {
    const published: Published[] = [];
    let current: LensLabWindowState | undefined;
    Object.defineProperty(window, '__lenslab', {
      configurable: true,
      get: () => current,
      set: (state: LensLabWindowState | undefined) => {
        current = state;
        published.push({
          controlSeq: state?.controlSeq,
          controlRankSeq: state?.runStats.controlRank?.seq,
          controlDone: !!state?.result,
          intervenedSeq: state?.intervenedSeq,
          intervenedRankSeq: state?.runStats.intervenedRank?.seq,
          intervenedDone: !!state?.intervened,
        });
      },
    });
    (window as Recorder).__lenslabPublished = published;
  });
  const load = await app.open();
  let state = await app.settled();
  const published = () => page.evaluate(() => (window as Recorder).__lenslabPublished!.splice(0));
  await published();

  // an edit: the control run's last position (proposals, rank plot, top-k) first
  await page.getByTestId('prompt-input').fill('table mug free China table mug free China');
  state = await app.settled({ after: state });
  const seq = state.controlSeq!;
  let order = await published();
  const rankAt = order.findIndex((p) => p.controlSeq === seq && p.controlRankSeq === seq);
  const doneAt = order.findIndex((p) => p.controlSeq === seq && p.controlDone);
  expect(rankAt).toBeGreaterThanOrEqual(0);
  expect(rankAt).toBeLessThan(doneAt);
  const rank = state.runStats.controlRank!;
  expect(rank.seq).toBe(seq);
  expect(rank.cells).toBe(2 * load.info.nLayer + 1);
  expect(rank.cells).toBeLessThan(rank.ofCells);
  await expect(page.getByTestId('rank-plot')).toBeVisible();
  await expect(page.getByTestId('topk-table')).toBeVisible();
  await expect(page.getByTestId('lens-heatmap')).toHaveAttribute('data-complete', 'true');

  // a drop: a captured vector on blocks 1-2; the intervened run's last position first
  const last = load.info.nLayer - 1;
  await page.locator(`[data-testid="lens-row-label"][data-state-index="${2 * last + 2}"]`).click();
  await expect(page.getByTestId('vector-chip')).toHaveCount(1);
  const vector = (await app.state())!.vectors[0]!;
  await published();
  await page.getByTestId('range-vector').selectOption(vector.id);
  await page.getByTestId('range-from').fill('1');
  await page.getByTestId('range-to').fill('2');
  await page.getByTestId('apply-range-button').click();
  state = await app.settled({ after: state, intervened: true });
  const intervenedSeq = state.intervenedSeq!;
  order = await published();
  const intervenedRankAt = order.findIndex(
    (p) => p.intervenedSeq === intervenedSeq && p.intervenedRankSeq === intervenedSeq,
  );
  const intervenedDoneAt = order.findIndex((p) => p.intervenedSeq === intervenedSeq && p.intervenedDone);
  expect(intervenedRankAt).toBeGreaterThanOrEqual(0);
  expect(intervenedRankAt).toBeLessThan(intervenedDoneAt);
  expect(state.runStats.intervenedRank!.cells).toBeLessThan(state.runStats.intervenedRank!.ofCells);
  await expect(page.getByTestId('rank-plot')).toContainText('intervened');
});
