/** Present mode's fit of the heatmap to the slide: row heights and bringing the marked rows into view. */
import { describe, expect, it } from 'vitest';
import { heatmapLayout, MIN_ROW_HEIGHT, ROW_HEIGHT } from '../app/charts/heatmapLayout.ts';
import { paperDeck } from '../app/deck/paperDeck.ts';
import {
  HEATMAP_CHROME_PX,
  markedStates,
  presentRowHeight,
  revealedScrollTop,
} from '../app/deck/presentFit.ts';

describe('presentRowHeight', () => {
  it('fits the rows into the body when they can be at least MIN_ROW_HEIGHT tall', () => {
    // gpt2 (13 rows) in a 430 px body: (430 - 140) / 13 = 22.3
    expect(presentRowHeight(430, 13)).toBe(22);
    expect(13 * presentRowHeight(430, 13) + HEATMAP_CHROME_PX).toBeLessThanOrEqual(430);
  });
  it('never grows rows past the normal height, nor shrinks them below the minimum', () => {
    expect(presentRowHeight(1000, 5)).toBe(ROW_HEIGHT);
    // gpt2-medium with attention states: 49 rows cannot fit; they stay readable and the body scrolls
    expect(presentRowHeight(430, 49)).toBe(MIN_ROW_HEIGHT);
  });
  it('keeps the normal height before anything is measured', () => {
    expect(presentRowHeight(0, 25)).toBe(ROW_HEIGHT);
    expect(presentRowHeight(430, 0)).toBe(ROW_HEIGHT);
  });
});

describe('heatmapLayout rowHeight', () => {
  it('uses the given row height for every row, clamped to the readable range', () => {
    const l = heatmapLayout({
      nLayer: 24,
      rows: 'blocks',
      nPositions: 10,
      availableWidth: 990,
      rowHeight: 20,
    });
    expect(l.rowHeight).toBe(20);
    expect(l.height).toBe(l.gridY + 25 * 20 + 2);
    const tiny = heatmapLayout({
      nLayer: 2,
      rows: 'blocks',
      nPositions: 3,
      availableWidth: 990,
      rowHeight: 4,
    });
    expect(tiny.rowHeight).toBe(MIN_ROW_HEIGHT);
    const huge = heatmapLayout({
      nLayer: 2,
      rows: 'blocks',
      nPositions: 3,
      availableWidth: 990,
      rowHeight: 90,
    });
    expect(huge.rowHeight).toBe(ROW_HEIGHT);
  });
});

describe('markedStates', () => {
  it('lists row and cell marks once, in order, and ignores stage marks', () => {
    expect(
      markedStates([
        { kind: 'stage', stage: 'argument' },
        { kind: 'row', state: 38 },
        { kind: 'cell', state: 48, position: 'last' },
        { kind: 'cell', state: 38, position: 3 },
      ]),
    ).toEqual([38, 48]);
    expect(markedStates([{ kind: 'stage', stage: 'function' }])).toEqual([]);
  });
  it('gives every heatmap slide of the paper deck something to bring into view', () => {
    for (const slide of paperDeck().slides) {
      if (slide.state.view.front === 'rank') continue;
      expect(markedStates(slide.marks).length, slide.title).toBeGreaterThan(0);
    }
  });
});

describe('revealedScrollTop', () => {
  // a 400 px view from y = 100; the heatmap's last row ends at 1000 on screen
  const view = { viewTop: 100, viewHeight: 400, scale: 1, gridBottom: 1000 };
  it('leaves a span already in view alone (the column headers stay on the slide)', () => {
    expect(revealedScrollTop({ ...view, scrollTop: 30, targetTop: 200, targetBottom: 260 })).toBe(30);
  });
  it('otherwise puts the last row at the bottom when the span is then in view', () => {
    // grid bottom 1000 -> view bottom 500: 500 px down; the span 700..760 lands at 200..260
    expect(revealedScrollTop({ ...view, scrollTop: 0, targetTop: 700, targetBottom: 760 })).toBe(500);
  });
  it('otherwise centres the span', () => {
    // the span 300..340 would leave the view if the output row were brought up: centre it (mid 320 -> 300)
    const far = { ...view, gridBottom: 2000 };
    expect(revealedScrollTop({ ...far, scrollTop: 100, targetTop: 50, targetBottom: 90 })).toBe(0);
    expect(revealedScrollTop({ ...far, scrollTop: 0, targetTop: 600, targetBottom: 640 })).toBe(320);
  });
  it('keeps the top of a span taller than the view, and never scrolls above the start', () => {
    const far = { ...view, gridBottom: 3000 };
    expect(revealedScrollTop({ ...far, scrollTop: 0, targetTop: 700, targetBottom: 1300 })).toBe(600);
    expect(revealedScrollTop({ ...far, scrollTop: 10, targetTop: 60, targetBottom: 80 })).toBe(0);
  });
  it('divides screen pixels by the stage zoom', () => {
    // x1.875 (1920x1080): the 375 screen px from the last row to the view's bottom are 200 CSS px
    expect(
      revealedScrollTop({
        viewTop: 0,
        viewHeight: 600,
        scale: 1.875,
        gridBottom: 975,
        scrollTop: 0,
        targetTop: 700,
        targetBottom: 740,
      }),
    ).toBe(200);
  });
});
