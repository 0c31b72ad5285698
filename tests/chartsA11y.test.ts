/**
 * What assistive technology gets from the charts: the heatmap cell's accessible name (whole token, cut
 * form, control; label in name for any token and width) and the top-k table's scrolling region.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { cellLabel, spokenToken } from '../app/charts/cellLabel.ts';
import { cellView } from '../app/charts/heatmapLayout.ts';
import { LensHeatmap } from '../app/charts/LensHeatmap.tsx';
import { TopKTable } from '../app/charts/TopKTable.tsx';
import type { LensGrid } from '../app/domain.ts';
import { describeResidualState } from '../models/gpt2/config.ts';
import type { StateResult } from '../workers/engine/types.ts';

/** A decoded state whose top-1 is `token`. */
const state = (index: number, token: string, prob: number, id = 5): StateResult => ({
  ...describeResidualState(index),
  prompt: 0,
  position: 0,
  top: [{ id, token, prob }],
  tracked: [],
  entropy: 1,
});

/**
 * The words of a text as axe-core's label-content-name-mismatch compares them (NFKD, anything that is
 * not a letter or a digit is a space); the rule's check is that the shown words stand, in order and
 * next to each other, among the name's words.
 */
const words = (text: string): string[] =>
  text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter(Boolean);

function nameHoldsShown(name: string, shown: string): boolean {
  const needle = words(shown);
  const hay = words(name);
  for (let i = 0; i + needle.length <= hay.length; i++)
    if (needle.every((w, j) => hay[i + j] === w)) return true;
  return needle.length === 0;
}

describe('cellLabel', () => {
  it('names the row, the position and its token, the top-1 and its probability', () => {
    const cell = cellView(state(38, ' Warsaw', 0.432), undefined, 10, 'blues');
    expect(cellLabel(38, 14, ' Warsaw', cell)).toBe("block 18, position 14 ' Warsaw': top-1 ' Warsaw' 43.2%");
  });

  it('a cut token: the whole token and the form the cell shows', () => {
    const cell = cellView(state(2, ' Washington', 0.9), undefined, 6, 'blues');
    expect(cell.text).toBe('␣Wash…');
    expect(cellLabel(2, 3, ' of', cell)).toBe(
      "block 0, position 3 ' of': top-1 ' Washington', shown as ' Wash…', 90.0%",
    );
  });

  it('line breaks keep the glyphs the cell shows; surrogate pairs are not split', () => {
    const cell = cellView(state(0, '\n\nQ', 0.5), undefined, 10, 'blues');
    expect(cellLabel(0, 0, '\n', cell)).toBe("embed, position 0 '↵': top-1 '↵↵Q' 50.0%");
    const emoji = cellView(state(0, '\u{1F600}\u{1F600}ab', 0.5), undefined, 3, 'blues');
    expect(cellLabel(0, 1, 'x', emoji)).toContain("shown as '\u{1F600}\u{1F600}…'");
  });

  it('says when the top-1 differs from the control', () => {
    const control = state(4, ' Paris', 0.8, 6);
    const cell = cellView(state(4, ' Warsaw', 0.6), control, 10, 'blues');
    expect(cellLabel(4, 2, ' is', cell)).toBe(
      "block 1, position 2 ' is': top-1 ' Warsaw' 60.0%; differs from control ' Paris'",
    );
  });

  it('pending, not decoded and empty cells', () => {
    expect(cellLabel(1, 0, 'Q', undefined)).toBe("attn 0, position 0 'Q': not computed yet");
    expect(cellLabel(1, 0, 'Q', cellView(undefined, undefined, 6, 'blues'))).toMatch(/not computed yet$/);
    expect(cellLabel(1, 0, 'Q', cellView(undefined, undefined, 6, 'blues', true))).toMatch(
      /not decoded in this run$/,
    );
    const empty = cellView({ ...state(1, 'x', 1), top: [] }, undefined, 6, 'blues');
    expect(cellLabel(1, 0, 'Q', empty)).toMatch(/no prediction$/);
  });

  it('holds the words the cell shows, for any token and width (label in name)', () => {
    const tokens = [
      ' Warsaw',
      ' Washington',
      'Q',
      ':\n',
      ' the capital of',
      '\t\tx y',
      'Ã©t',
      ' café',
      '1,000',
      '—',
    ];
    for (const token of tokens)
      for (let maxChars = 1; maxChars <= 12; maxChars++) {
        const cell = cellView(state(2, token, 0.3), undefined, maxChars, 'blues');
        const name = cellLabel(2, 0, 'x', cell);
        expect(nameHoldsShown(name, cell.text), `${JSON.stringify(token)} in ${maxChars}: ${name}`).toBe(
          true,
        );
      }
  });

  it('the check itself fails on the old name, which left the cut form out', () => {
    const cell = cellView(state(2, ' Warsaw', 0.3), undefined, 5, 'blues');
    expect(nameHoldsShown("block 0, position 0 'x': top-1 ␣Warsaw 30.0%", cell.text)).toBe(false);
  });

  it('spokenToken quotes, keeping spaces', () => {
    expect(spokenToken(' a b')).toBe("' a b'");
    expect(spokenToken('\r\n')).toBe("'␍↵'");
  });
});

/** Every state of a 2-block model at 3 positions, with long top-1 tokens the cells must cut. */
function grid(): LensGrid {
  const tokens = [' Poland', ' is', ' in'].map((text, id) => ({ id, text }));
  const words = [' Warsaw', ' Washington', ' extraordinarily', '\n\nQ', ' the capital'];
  const rows = Array.from({ length: 5 }, (_, s) =>
    tokens.map((_, p) => state(s, words[(s + p) % words.length]!, 0.2 + 0.1 * p)),
  );
  return { tokens, nLayer: 2, grid: rows, complete: true };
}

describe('chart markup', () => {
  it("every heatmap cell's name holds the text it shows", () => {
    const html = renderToStaticMarkup(createElement(LensHeatmap, { grid: grid(), rows: 'all' }));
    const cells = [
      ...html.matchAll(
        /role="gridcell"[^>]*aria-label="([^"]*)"[\s\S]*?class="lens-cell-text"[^>]*>([^<]*)</g,
      ),
    ];
    expect(cells).toHaveLength(15);
    const decode = (t: string) =>
      t
        .replace(/&#x27;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    expect(cells.some(([, , shown]) => shown!.endsWith('…'))).toBe(true);
    for (const [, name, shown] of cells)
      expect(nameHoldsShown(decode(name!), decode(shown!)), name).toBe(true);
  });

  it("the top-k table's scroller is a tab stop, a region named by the table's caption", () => {
    const html = renderToStaticMarkup(createElement(TopKTable, { grid: grid(), rows: 'blocks', k: 3 }));
    const wrap = /<section class="topk-wrap" tabindex="0" aria-labelledby="([^"]+)">/.exec(html);
    expect(wrap).not.toBeNull();
    expect(html).toContain(`<caption class="chart-title" id="${wrap![1]}">Top tokens per layer`);
  });
});
