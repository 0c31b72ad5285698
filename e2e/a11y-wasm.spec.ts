/**
 * Accessibility: axe-core (the standard rule engine) on every view of
 * the app: the main view (heatmap, top-k table, rank plot, capture, vector library, intervention
 * slots), the same with control beside intervened, the deck panel, and present mode on a heatmap, a
 * rank-plot and a control-beside-intervened slide (e2e/axe.ts: a serious or critical finding fails).
 * On the 'wasm' project only: the markup does not depend on the backend, and SwiftShader takes minutes
 * over the runs these views need.
 */
import type { DeckV1 } from '../app/deck/deckTypes.ts';
import { defaultState } from '../app/url/stateSchema.ts';
import { audit, FAILING_IMPACTS, type Finding } from './axe.ts';
import { expect, RUN_TIMEOUT, test } from './fixtures.ts';

/** Three slides on the built-in model: one per view a slide can put in front. */
function threeViewDeck(): DeckV1 {
  const base = defaultState();
  const view = (front: 'heatmap' | 'rank' | 'compare') => ({ ...base.view, front });
  return {
    v: 1,
    kind: 'lenslab-deck',
    id: 'a11y',
    title: 'Every view',
    slides: [
      {
        id: 'heatmap',
        title: 'The heatmap',
        caption: 'The lens on every block, block 1 marked.',
        state: { ...base, view: view('heatmap') },
        marks: [{ kind: 'row', state: 4 }],
      },
      { id: 'rank', title: 'The rank plot', caption: '', state: { ...base, view: view('rank') }, marks: [] },
      {
        id: 'compare',
        title: 'Control and intervened',
        caption: '',
        state: {
          ...base,
          view: view('compare'),
          interventions: { scope: 'all', slots: [{ block: 1, kind: 'ffn', mode: 'zero' }] },
        },
        marks: [],
      },
    ],
  };
}

test('axe finds nothing serious or critical on any view', async ({ app, page }, testInfo) => {
  const found: Finding[] = [];
  const load = await app.open();
  const state = await app.settled();
  await audit(page, testInfo, 'main', found);

  // a captured vector in the library, applied to blocks 1 to the last: control beside intervened
  const last = load.info.nLayer - 1;
  await page.locator(`[data-testid="lens-row-label"][data-state-index="${2 * last + 2}"]`).click();
  await expect(page.getByTestId('vector-chip')).toHaveCount(1);
  const vector = (await app.state())!.vectors[0]!;
  await page.getByTestId('range-vector').selectOption(vector.id);
  await page.getByTestId('range-from').fill('1');
  await page.getByTestId('range-to').fill(String(last));
  await page.getByTestId('apply-range-button').click();
  await app.settled({ after: state, intervened: true });
  await expect(page.getByTestId('lens-heatmap-intervened')).toHaveAttribute('data-complete', 'true');
  await audit(page, testInfo, 'main-compare', found);

  await page.getByTestId('deck-open').click();
  await page.getByTestId('deck-import').setInputFiles({
    name: 'every-view.lenslab-deck.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(threeViewDeck())),
  });
  await expect(page.getByTestId('deck-notice')).toContainText('Imported');
  await expect(page.getByTestId('deck-slide')).toHaveCount(3);
  await audit(page, testInfo, 'deck-panel', found);

  await page.getByTestId('deck-present').click();
  for (const [title, front] of [
    ['The heatmap', 'heatmap'],
    ['The rank plot', 'rank'],
    ['Control and intervened', 'compare'],
  ] as const) {
    await expect(page.getByTestId('slide-title')).toHaveText(title);
    const slide = page.getByTestId('slide');
    await expect(slide).toHaveAttribute('data-front', front);
    await expect(slide).toHaveAttribute('data-ready', 'true', { timeout: RUN_TIMEOUT });
    if (front === 'compare') await expect(page.getByTestId('lens-heatmap-intervened')).toBeVisible();
    await audit(page, testInfo, `present-${front}`, found);
    await page.keyboard.press('ArrowRight');
  }

  await testInfo.attach('axe-summary.json', {
    body: JSON.stringify(found, null, 2),
    contentType: 'application/json',
  });
  // below serious nothing fails; the report still says what there is
  for (const f of found.filter((x) => !FAILING_IMPACTS.has(x.impact)))
    testInfo.annotations.push({ type: `axe ${f.impact}`, description: `${f.view}: ${f.rule} (${f.nodes})` });
});
