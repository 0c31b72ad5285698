/** Charts: layout math (heatmap, rank plot), exports, and server-rendered markup of the components. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { csvField, gridToCsv, gridToJson, rankSeriesToCsv } from '../app/charts/exportChart.ts';
import {
  cellAt,
  cellView,
  contrastRatio,
  displayedStates,
  formatProb,
  heatmapLayout,
  MIN_CELL_WIDTH,
  maxCharsFor,
  moveCell,
  placeTooltip,
  probColor,
  relativeLuminance,
  rowsForRange,
  shouldUseCanvas,
  stageRowMarks,
  stateLabel,
  textColorOn,
  truncateText,
} from '../app/charts/heatmapLayout.ts';
import { HeatmapTooltip, LensHeatmap } from '../app/charts/LensHeatmap.tsx';
import { RankPlot } from '../app/charts/RankPlot.tsx';
import {
  functionApplicationLabel,
  functionApplicationX,
  logDomainMax,
  logTickLabel,
  placeLabels,
  rankGeometry,
  rankPoints,
  rankSeriesFromGrid,
  rankValue,
  seriesPath,
  stageBand,
  stageLabelXs,
  stageLegendText,
  stateX,
  trackedSeries,
  wrapText,
  xTicks,
  yTicks,
} from '../app/charts/rankLayout.ts';
import { TopKTable } from '../app/charts/TopKTable.tsx';
import type { LensGrid } from '../app/domain.ts';
import { describeResidualState } from '../models/gpt2/config.ts';
import type { StateResult, Token } from '../workers/engine/types.ts';

// ---------- fixtures ----------

function state(
  index: number,
  position: number,
  top: Array<[number, string, number]>,
  tracked: StateResult['tracked'] = [],
) {
  const d = describeResidualState(index);
  return {
    prompt: 0,
    index,
    layer: d.layer,
    kind: d.kind,
    position,
    top: top.map(([id, token, prob]) => ({ id, token, prob })),
    tracked,
    entropy: 1.5,
  } satisfies StateResult;
}

const TOKENS: Token[] = [
  { id: 1, text: 'Poland' },
  { id: 2, text: ':' },
  { id: 3, text: ' Warsaw' },
  { id: 4, text: ',' },
];

/** A grid of `nLayer` blocks with states [0, arrived) filled; every cell's top-1 from `top1`. */
function makeGrid(
  nLayer: number,
  arrived: number,
  top1: (s: number, p: number) => [number, string, number] = (s) => [100 + s, `tok${s}`, 0.5],
  tokens: Token[] = TOKENS,
): LensGrid {
  const n = 2 * nLayer + 1;
  const grid: LensGrid['grid'] = Array.from({ length: n }, (_, s) =>
    Array.from({ length: tokens.length }, (_, p) =>
      s < arrived ? state(s, p, [top1(s, p), [9, ' the', 0.1], [8, 'x', 0.05]]) : undefined,
    ),
  );
  return { tokens, nLayer, grid, complete: arrived >= n };
}

function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

/** Minimal RFC 4180 parser, to check that quoting round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ---------- heatmap layout ----------

describe('heatmapLayout', () => {
  it('selects block outputs or all states', () => {
    expect(displayedStates(2, 'blocks')).toEqual([0, 2, 4]);
    expect(displayedStates(2, 'all')).toEqual([0, 1, 2, 3, 4]);
    expect(displayedStates(24, 'blocks')).toHaveLength(25);
    expect(displayedStates(24, 'all')).toHaveLength(49);
    expect(displayedStates(24, 'blocks').every((s) => s === 0 || s % 2 === 0)).toBe(true);
  });

  it('labels rows', () => {
    expect(stateLabel(0)).toBe('embed');
    expect(stateLabel(7)).toBe('attn 3');
    expect(stateLabel(8)).toBe('block 3');
    expect(stateLabel(48)).toBe('block 23');
  });

  it('truncates token text with an ellipsis, by code point', () => {
    expect(truncateText('␣Warsaw', 10)).toBe('␣Warsaw');
    expect(truncateText('␣Washington', 6)).toBe('␣Wash…');
    expect(truncateText('abc', 1)).toBe('…');
    expect(truncateText('😀😀😀', 2)).toBe('😀…');
    expect(maxCharsFor(60, 13)).toBe(6);
  });

  it('chooses the text colour with the better contrast (>= 4.5:1 everywhere)', () => {
    expect(textColorOn(probColor(1, 'blues'))).toBe('#ffffff');
    expect(textColorOn(probColor(0, 'blues'))).not.toBe('#ffffff');
    expect(textColorOn(probColor(0, 'viridis'))).toBe('#ffffff');
    expect(textColorOn(probColor(1, 'viridis'))).not.toBe('#ffffff');
    for (const scheme of ['blues', 'viridis'] as const) {
      for (let i = 0; i <= 100; i++) {
        const bg = probColor(i / 100, scheme);
        expect(contrastRatio(bg, textColorOn(bg))).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('colour maps are monotonic in luminance (readable in grayscale)', () => {
    for (const scheme of ['blues', 'viridis'] as const) {
      const lum = Array.from({ length: 21 }, (_, i) => relativeLuminance(probColor(i / 20, scheme)));
      const diffs = lum.slice(1).map((l, i) => l - lum[i]!);
      const sign = scheme === 'blues' ? -1 : 1;
      expect(diffs.every((d) => sign * d > 0)).toBe(true);
    }
    expect(probColor(Number.NaN)).toBe(probColor(0));
    expect(probColor(2)).toBe(probColor(1));
  });

  it('formats probabilities', () => {
    expect(formatProb(0.4321)).toBe('43.2%');
    expect(formatProb(0.0432)).toBe('4.3%');
    expect(formatProb(0.00432)).toBe('0.43%');
    expect(formatProb(0.00000432)).toBe('<0.01%');
    expect(formatProb(1)).toBe('100.0%');
    expect(formatProb(0)).toBe('0%');
  });

  it('lays out 24 blocks x 25 tokens: fixed height, readable cells, labels not clipped', () => {
    const a = heatmapLayout({ nLayer: 24, rows: 'blocks', nPositions: 25, availableWidth: 1240 });
    expect(a.states).toHaveLength(25);
    expect(a.cellWidth).toBeGreaterThanOrEqual(MIN_CELL_WIDTH);
    expect(a.cellChars).toBeGreaterThanOrEqual(6);
    // "block 23" at 14px fits in the label column
    expect(a.labelWidth).toBeGreaterThanOrEqual('block 23'.length * 14 * 0.6 + 12);
    expect(a.width).toBeGreaterThanOrEqual(a.gridX + a.gridWidth);
    expect(a.height).toBe(a.gridY + 25 * a.rowHeight + 2);
    // wider than the window: it scrolls rather than shrinking cells below the minimum
    expect(a.width).toBeGreaterThan(1240);
    const all = heatmapLayout({ nLayer: 24, rows: 'all', nPositions: 25, availableWidth: 1240 });
    expect(all.states).toHaveLength(49);
    expect(all.height - all.gridY).toBe(49 * all.rowHeight + 2);
    // few tokens: cells grow to the maximum, the legend still fits
    const small = heatmapLayout({ nLayer: 2, rows: 'blocks', nPositions: 3, availableWidth: 1240 });
    expect(small.cellWidth).toBe(120);
    expect(small.width).toBeGreaterThanOrEqual(620);
  });

  it('hit-tests cells and moves the roving focus within bounds', () => {
    const l = heatmapLayout({ nLayer: 2, rows: 'all', nPositions: 4, availableWidth: 800 });
    expect(cellAt(l, 4, l.gridX + 1, l.gridY + 1)).toEqual({ row: 0, col: 0 });
    expect(cellAt(l, 4, l.gridX + l.cellWidth * 3.5, l.gridY + l.rowHeight * 4.5)).toEqual({
      row: 4,
      col: 3,
    });
    expect(cellAt(l, 4, l.gridX - 1, l.gridY + 1)).toBeNull();
    expect(cellAt(l, 4, l.gridX + 1, l.gridY + l.rowHeight * 5)).toBeNull();
    expect(moveCell({ row: 0, col: 0 }, 'ArrowUp', 5, 4)).toEqual({ row: 0, col: 0 });
    expect(moveCell({ row: 0, col: 0 }, 'ArrowDown', 5, 4)).toEqual({ row: 1, col: 0 });
    expect(moveCell({ row: 2, col: 3 }, 'ArrowRight', 5, 4)).toEqual({ row: 2, col: 3 });
    expect(moveCell({ row: 2, col: 1 }, 'End', 5, 4)).toEqual({ row: 2, col: 3 });
    expect(moveCell({ row: 2, col: 1 }, 'End', 5, 4, true)).toEqual({ row: 4, col: 3 });
    expect(moveCell({ row: 2, col: 1 }, 'Home', 5, 4)).toEqual({ row: 2, col: 0 });
    expect(moveCell({ row: 2, col: 1 }, 'a', 5, 4)).toBeNull();
  });

  it('switches to canvas above 3000 cells', () => {
    expect(shouldUseCanvas(49, 25)).toBe(false);
    expect(shouldUseCanvas(49, 62)).toBe(true);
  });

  it('places the tooltip inside the viewport', () => {
    const vp = { width: 1280, height: 800 };
    const size = { width: 300, height: 280 };
    expect(placeTooltip({ left: 100, top: 100, width: 60, height: 26 }, size, vp)).toEqual({
      left: 168,
      top: 100,
    });
    // near the right edge: flips left; near the bottom: bottom-aligned with the cell
    const p = placeTooltip({ left: 1200, top: 700, width: 60, height: 26 }, size, vp);
    expect(p.left).toBe(1200 - 8 - 300);
    expect(p.top).toBe(700 + 26 - 280);
  });

  it('marks stages on displayed rows; attention states map to their block row', () => {
    const blocks = displayedStates(24, 'blocks');
    expect(rowsForRange(blocks, 39, 39)).toEqual([20, 20]); // attn 19 -> block 19's row
    const stages = {
      argumentFormation: { from: 31, to: 39 },
      functionApplication: { state: 40, block: 19, sublayer: 'ffn' as const, replacesArgument: true },
      saturation: { from: 40, to: 48 },
    };
    expect(stageRowMarks(stages, blocks)).toEqual([
      { key: 'A', name: 'argument formation', fromRow: 16, toRow: 19 },
      { key: 'B', name: 'function application', fromRow: 20, toRow: 20 },
      { key: 'C', name: 'saturation', fromRow: 20, toRow: 24 },
    ]);
    const all = displayedStates(24, 'all');
    expect(stageRowMarks(stages, all)[0]).toMatchObject({ fromRow: 31, toRow: 39 });
    expect(stageRowMarks(null, all)).toEqual([]);
  });

  it('describes a cell: pending, differing from the control', () => {
    expect(cellView(undefined, undefined, 6, 'blues')).toMatchObject({
      pending: true,
      text: '',
      differs: false,
    });
    const a = state(2, 0, [[5, ' Washington', 0.9]]);
    const b = state(2, 0, [[6, ' Warsaw', 0.8]]);
    const v = cellView(a, b, 6, 'blues');
    expect(v).toMatchObject({ pending: false, text: '␣Wash…', full: '␣Washington', differs: true });
    expect(v.control?.id).toBe(6);
    expect(cellView(a, a, 6, 'blues').differs).toBe(false);
    expect(cellView(a, undefined, 6, 'blues').differs).toBe(false);
    // a complete run that did not decode this cell (last position only): empty, not "pending"
    expect(cellView(undefined, undefined, 6, 'blues', true)).toMatchObject({ pending: false, missing: true });
  });
});

// ---------- rank layout ----------

describe('rankLayout', () => {
  it('puts states on the layer axis: embeddings 0, attention i + 0.5, block i output i + 1', () => {
    expect(stateX(0)).toBe(0);
    expect(stateX(1)).toBe(0.5);
    expect(stateX(2)).toBe(1);
    expect(stateX(39)).toBe(19.5);
    expect(stateX(40)).toBe(20);
  });

  it('transforms ranks: reciprocal 1/(rank+1), log rank+1, unknown null', () => {
    expect(rankValue(0, 'reciprocal')).toBe(1);
    expect(rankValue(3, 'reciprocal')).toBe(0.25);
    expect(rankValue(0, 'log')).toBe(1);
    expect(rankValue(99, 'log')).toBe(100);
    expect(rankValue(Number.NaN, 'log')).toBeNull();
    expect(rankValue(undefined, 'reciprocal')).toBeNull();
    expect(rankValue(-1, 'reciprocal')).toBeNull();
  });

  it('handles states not arrived yet (streaming) as gaps', () => {
    const pts = rankPoints([5, undefined, 0], 5, 'reciprocal');
    expect(pts).toHaveLength(5);
    expect(pts.map((p) => p.value)).toEqual([1 / 6, null, 1, null, null]);
    const g = rankGeometry({
      width: 600,
      nLayer: 2,
      plotTop: 20,
      plotHeight: 200,
      margins: { left: 50, right: 50 },
      scale: 'reciprocal',
      logMax: 10,
    });
    const d = seriesPath(pts, g) ?? '';
    expect(count(d, 'M')).toBe(2); // two segments around the gap
    expect(seriesPath(rankPoints([], 5, 'log'), g)).toBeNull();
  });

  it('scales: best rank at the top in both modes, x fixed to [0, nLayer]', () => {
    const common = {
      width: 900,
      nLayer: 24,
      plotTop: 40,
      plotHeight: 300,
      margins: { left: 70, right: 100 },
    };
    const r = rankGeometry({ ...common, scale: 'reciprocal', logMax: 10 });
    expect(r.y(1)).toBe(40);
    expect(r.y(0)).toBe(340);
    expect(r.x(0)).toBe(70);
    expect(r.x(24)).toBe(800);
    const l = rankGeometry({ ...common, scale: 'log', logMax: 100000 });
    expect(l.y(1)).toBe(40);
    expect(l.y(100000)).toBe(340);
    expect(l.y(1000)).toBeCloseTo(40 + 300 * 0.6);
    expect(
      logDomainMax([
        [0, 5, 50256],
        [undefined, Number.NaN],
      ]),
    ).toBe(100000);
    expect(logDomainMax([[0, 1]])).toBe(10);
    expect(yTicks('log', 100000).map((t) => t.label)).toEqual(['1', '10', '100', '1k', '10k', '100k']);
    expect(yTicks('reciprocal', 10).map((t) => t.value)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(logTickLabel(1000000)).toBe('1M');
  });

  it('ticks: whole layers (thinned when narrow), minor ticks after attention', () => {
    const t = xTicks(24, 900);
    expect(t.major).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(t.minor).toHaveLength(24);
    expect(t.minor[19]).toBe(19.5);
    expect(xTicks(24, 300).major).toEqual([0, 4, 8, 12, 16, 20, 24]);
  });

  it('stage bands and the function application marker sit between states', () => {
    expect(stageBand({ from: 31, to: 39 }, 24)).toEqual({ x0: 15.25, x1: 19.75 });
    expect(stageBand({ from: 40, to: 48 }, 24)).toEqual({ x0: 19.75, x1: 24 });
    expect(stageBand({ from: 0, to: 2 }, 24)).toEqual({ x0: 0, x1: 1.25 });
    expect(functionApplicationX(40)).toBe(19.75);
    expect(functionApplicationLabel({ block: 19, sublayer: 'ffn' })).toBe('FFN 19');
    expect(functionApplicationLabel({ block: 19, sublayer: 'attn' })).toBe('attn 19');
    const text = stageLegendText({
      argumentFormation: { from: 31, to: 39 },
      functionApplication: { state: 40, block: 19, sublayer: 'ffn', replacesArgument: true },
      saturation: { from: 40, to: 48 },
    });
    expect(text).toContain('Shaded A: argument formation');
    expect(text).toContain('FFN of block 19');
    expect(stageLegendText(null)).toBe('');
    // labels above the plot: A and C pushed clear of B's text, B kept inside the plot
    const xs = stageLabelXs({ a: 480, b: 500, bWidth: 60, c: 510, lo: 70, hi: 900 });
    expect(xs.b).toBe(500);
    expect(xs.a).toBeLessThanOrEqual(500 - 30 - 6);
    expect(xs.c).toBeGreaterThanOrEqual(500 + 30 + 6);
    expect(stageLabelXs({ a: null, b: 895, bWidth: 60, c: null, lo: 70, hi: 900 }).b).toBe(870);
    expect(stageLabelXs({ a: 100, b: null, bWidth: 0, c: 300, lo: 70, hi: 900 })).toEqual({
      a: 100,
      b: null,
      c: 300,
    });
  });

  it('places end labels apart and wraps text', () => {
    const m = placeLabels(
      [
        { key: 'a', y: 100 },
        { key: 'b', y: 105 },
        { key: 'c', y: 400 },
      ],
      18,
      0,
      300,
    );
    expect(Math.abs(m.get('b')! - m.get('a')!)).toBeGreaterThanOrEqual(18);
    expect(m.get('c')).toBe(300);
    expect(wrapText('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrapText('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });

  it('reads tracked ranks from a grid: tracked entry, else top-k place, else unknown', () => {
    const grid = makeGrid(1, 2, (s) => (s === 0 ? [7, ' Poland', 0.3] : [8, ' Warsaw', 0.6]));
    grid.grid[0]![3] = state(
      0,
      3,
      [[7, ' Poland', 0.3]],
      [{ id: 8, token: ' Warsaw', rank: 1234, prob: 0.0001 }],
    );
    expect(rankSeriesFromGrid(grid, 8)).toEqual([1234, 0, undefined]);
    expect(rankSeriesFromGrid(grid, 7)).toEqual([0, undefined, undefined]);
    const series = trackedSeries(grid, {
      argument: { id: 7, text: ' Poland', proposed: true },
      answer: { id: 8, text: ' Warsaw', proposed: true },
    });
    expect(series.map((s) => [s.key, s.label])).toEqual([
      ['argument', '␣Poland'],
      ['answer', '␣Warsaw'],
    ]);
  });
});

// ---------- exports ----------

describe('exports', () => {
  it('quotes CSV fields with commas, quotes, newlines and edge spaces', () => {
    expect(csvField('abc')).toBe('abc');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField('\r')).toBe('"\r"');
    expect(csvField(' Poland')).toBe('" Poland"');
    expect(csvField('=')).toBe('=');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('writes the grid as CSV that parses back to the same tokens', () => {
    const tokens: Token[] = [
      { id: 11, text: ' a,b' },
      { id: 12, text: 'say "x"' },
      { id: 13, text: '\n' },
    ];
    const grid = makeGrid(1, 2, (s, p) => [20 + p, tokens[p]!.text, 0.25 * (s + 1)], tokens);
    grid.grid[1]![2] = state(
      1,
      2,
      [[20, ' a,b', 0.5]],
      [{ id: 21, token: 'say "x"', rank: 41, prob: 0.001 }],
    );
    const csv = gridToCsv(grid, { tracked: [{ name: 'answer', id: 21 }] });
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([
      'state',
      'layer',
      'kind',
      'position',
      'token',
      'top1_id',
      'top1_token',
      'top1_prob',
      'entropy',
      'answer_id',
      'answer_rank',
      'answer_prob',
    ]);
    expect(rows).toHaveLength(1 + 2 * 3); // states 0 and 1 arrived, 3 positions each
    expect(rows.slice(1).map((r) => r[4])).toEqual([' a,b', 'say "x"', '\n', ' a,b', 'say "x"', '\n']);
    expect(rows[1]!.slice(0, 4)).toEqual(['0', '-1', 'embed', '0']);
    expect(rows[4]!.slice(0, 4)).toEqual(['1', '0', 'attn', '0']);
    // tracked: the rank from the tracked entry, else the place in the top-k (here not there: empty)
    expect(rows[6]!.slice(9)).toEqual(['21', '41', '0.001']);
    expect(rows[1]!.slice(9)).toEqual(['21', '', '']);
    expect(rows[2]!.slice(9)).toEqual(['21', '0', '0.25']);
    const last = parseCsv(gridToCsv(grid, { positions: 'last' }));
    expect(last).toHaveLength(3);
  });

  it('writes the grid as JSON', () => {
    const grid = makeGrid(1, 1);
    const json = JSON.parse(gridToJson(grid));
    expect(json.format).toBe('lenslab-lens-grid');
    expect(json.cells).toHaveLength(4);
    expect(json.cells[0].top[0]).toEqual({ id: 100, token: 'tok0', prob: 0.5 });
    expect(json.tokens).toEqual(TOKENS);
  });

  it('writes rank series as CSV', () => {
    const csv = rankSeriesToCsv(
      [
        { key: 'argument', label: '␣Poland', ranks: [10, 0, undefined] },
        { key: 'answer', label: '␣Warsaw', ranks: [3, 1, 0] },
      ],
      1,
      [{ key: 'answer', label: '␣Warsaw', ranks: [3, 3, 3] }],
    );
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([
      'state',
      'x',
      'layer',
      'kind',
      'argument_rank',
      'argument_reciprocal_rank',
      'answer_rank',
      'answer_reciprocal_rank',
      'answer_intervened_rank',
      'answer_intervened_reciprocal_rank',
    ]);
    expect(rows).toHaveLength(4);
    expect(rows[2]).toEqual(['1', '0.5', '0', 'attn', '0', '1', '1', '0.5', '3', '0.25']);
    expect(rows[3]!.slice(4, 6)).toEqual(['', '']);
  });
});

// ---------- components (server-rendered markup) ----------

describe('LensHeatmap markup', () => {
  it('renders one row per displayed state, placeholders for rows not arrived yet', () => {
    const grid = makeGrid(24, 10);
    const html = renderToStaticMarkup(createElement(LensHeatmap, { grid, rows: 'blocks' }));
    expect(html).toContain('data-testid="lens-heatmap"');
    expect(count(html, 'data-testid="lens-row"')).toBe(25);
    // states 0..9 arrived: block rows 0, 2, 4, 6, 8 complete
    expect(count(html, 'data-complete="true"')).toBe(5);
    expect(count(html, 'data-testid="lens-cell"')).toBe(5 * 4);
    expect(count(html, 'data-testid="lens-cell-pending"')).toBe(20 * 4);
    expect(html).toContain('data-state-index="48"');
    expect(html).toContain('data-top-id="108"');
    expect(html).toContain('data-top-prob="0.5"');
    expect(html).toContain('>block 23<');
    expect(html).toContain('>embed<');
    expect(html).toContain('data-render="svg"');
    expect(count(html, 'data-testid="lens-row-label"')).toBe(25);
    expect(count(html, 'data-testid="lens-legend"')).toBe(1);
    expect(count(html, 'data-testid="lens-col-header"')).toBe(4);
    // one tab stop: roving tabindex
    expect(count(html, 'tabindex="0"')).toBe(1);
  });

  it('a complete run without some positions shows them empty, not pending', () => {
    const grid = makeGrid(1, 3);
    for (const row of grid.grid) row[0] = undefined;
    const html = renderToStaticMarkup(createElement(LensHeatmap, { grid, rows: 'all' }));
    expect(count(html, 'data-testid="lens-cell-empty"')).toBe(3);
    expect(count(html, 'data-testid="lens-cell-pending"')).toBe(0);
    expect(count(html, 'data-complete="true"')).toBe(1 + 3); // the container and every row
  });

  it('shows all states and a custom test id', () => {
    const grid = makeGrid(2, 5);
    const html = renderToStaticMarkup(
      createElement(LensHeatmap, { grid, rows: 'all', testId: 'lens-heatmap-intervened' }),
    );
    expect(html).toContain('data-testid="lens-heatmap-intervened"');
    expect(count(html, 'data-testid="lens-row"')).toBe(5);
    expect(html).toContain('>attn 1<');
  });

  it('escapes token strings', () => {
    const tokens: Token[] = [{ id: 1, text: '<script>' }];
    const grid = makeGrid(1, 3, () => [2, '<img src=x onerror=alert(1)>', 0.9], tokens);
    const html = renderToStaticMarkup(createElement(LensHeatmap, { grid, rows: 'all' }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img');
  });

  it('marks cells whose top-1 differs from the control', () => {
    const control = makeGrid(2, 5);
    const intervened = makeGrid(2, 5, (s, p) =>
      s === 4 && p === 3 ? [999, ' Paris', 0.7] : [100 + s, `tok${s}`, 0.5],
    );
    const html = renderToStaticMarkup(
      createElement(LensHeatmap, { grid: intervened, diff: control, rows: 'all' }),
    );
    expect(count(html, 'data-differs="true"')).toBe(1);
    expect(html).toMatch(/data-position="3" data-top-id="999"[^>]*data-differs="true"/);
    expect(html).toContain('top-1 differs from control');
  });

  it('offers row selection on attention and block rows, not the embeddings', () => {
    const grid = makeGrid(2, 5);
    const html = renderToStaticMarkup(
      createElement(LensHeatmap, { grid, rows: 'all', onRowSelect: () => {}, selectedState: 4 }),
    );
    expect(count(html, 'role="button"')).toBe(4);
    expect(html).toContain('aria-pressed="true"');
  });

  it('draws stage boxes and their key', () => {
    const grid = makeGrid(2, 5);
    const html = renderToStaticMarkup(
      createElement(LensHeatmap, {
        grid,
        rows: 'all',
        stages: {
          argumentFormation: { from: 1, to: 2 },
          functionApplication: { state: 4, block: 1, sublayer: 'ffn', replacesArgument: true },
          saturation: { from: 4, to: 4 },
        },
      }),
    );
    expect(count(html, 'data-testid="lens-stage"')).toBe(3);
    expect(html).toContain('A argument formation');
    // the key twice: on screen under the scroller, and in the SVG for exports only
    expect(count(html, 'data-testid="lens-stage-key"')).toBe(1);
    expect(count(html, 'data-export="only"')).toBeGreaterThanOrEqual(2);
    // stages found (the rank plot shows them) but none of them with a box here: no key either
    const hidden = renderToStaticMarkup(
      createElement(LensHeatmap, {
        grid,
        rows: 'all',
        stages: { argumentFormation: null, functionApplication: null, saturation: null },
      }),
    );
    expect(count(hidden, 'data-testid="lens-stage"')).toBe(0);
    expect(hidden).not.toContain('A argument formation');
  });

  it('uses a canvas for large grids, keeping row hooks', () => {
    const tokens = Array.from({ length: 70 }, (_, i) => ({ id: i, text: `t${i}` }));
    const grid = makeGrid(24, 49, undefined, tokens);
    const html = renderToStaticMarkup(createElement(LensHeatmap, { grid, rows: 'all' }));
    expect(html).toContain('data-render="canvas"');
    expect(html).toContain('<canvas');
    expect(count(html, 'data-testid="lens-row"')).toBe(49);
    expect(count(html, 'data-testid="lens-cell"')).toBe(0);
    expect(count(html, 'data-testid="lens-cursor"')).toBe(1);
  });

  it('tooltip lists the top 10 with probabilities and the control', () => {
    const top = Array.from({ length: 12 }, (_, i): [number, string, number] => [i, `<t${i}>`, 0.5 / (i + 1)]);
    const html = renderToStaticMarkup(
      createElement(HeatmapTooltip, {
        stateIndex: 40,
        position: 3,
        token: ' Poland',
        result: state(40, 3, top),
        control: state(40, 3, [[77, ' Warsaw', 0.4]]),
        pinned: true,
      }),
    );
    expect(html).toContain('data-testid="lens-tooltip"');
    expect(count(html, '<li')).toBe(10);
    expect(html).toContain('&lt;t0&gt;');
    expect(html).toContain('50.0%');
    expect(html).toContain('block 19');
    expect(html).toContain('␣Warsaw');
    expect(html).toContain('(differs)');
  });
});

describe('TopKTable markup', () => {
  it('renders the last position top-k per displayed state', () => {
    const grid = makeGrid(2, 3);
    const html = renderToStaticMarkup(
      createElement(TopKTable, { grid, rows: 'blocks', k: 3, marks: [{ id: 9, tag: 'ans' }] }),
    );
    expect(html).toContain('data-testid="topk-table"');
    expect(html).toContain('data-position="3"');
    expect(count(html, 'data-testid="topk-row"')).toBe(3);
    expect(count(html, 'data-complete="true"')).toBe(2); // states 0 and 2 arrived, 4 not
    expect(count(html, 'data-token-id=')).toBe(2 * 3);
    expect(count(html, 'data-mark="ans"')).toBe(2);
    expect(html).toContain('␣the');
  });
});

describe('RankPlot markup', () => {
  const series = [
    { key: 'argument', label: '␣Poland', ranks: [500, 20, 0, 0, 3] },
    { key: 'answer', label: '␣Warsaw', ranks: [900, 100, 5, undefined, 0] },
  ];
  const stages = {
    argumentFormation: { from: 2, to: 3 },
    functionApplication: { state: 4, block: 1, sublayer: 'ffn' as const, replacesArgument: true },
    saturation: { from: 4, to: 4 },
  };

  it('draws both series with point hooks, stage marks and their text', () => {
    const html = renderToStaticMarkup(createElement(RankPlot, { nLayer: 2, series, stages }));
    expect(html).toContain('data-testid="rank-plot"');
    expect(html).toContain('data-scale="reciprocal"');
    expect(count(html, 'data-testid="rank-series" data-series="argument"')).toBe(1);
    expect(count(html, 'data-testid="rank-series" data-series="answer"')).toBe(1);
    expect(count(html, 'data-testid="rank-point" data-series="argument"')).toBe(5);
    expect(count(html, 'data-testid="rank-point" data-series="answer"')).toBe(4);
    expect(html).toContain('data-state-index="4" data-rank="0"');
    expect(count(html, 'data-testid="rank-stage"')).toBe(3);
    expect(html).toContain('B FFN 1');
    expect(html).toContain('argument: ␣Poland');
    expect(html).toContain('Function application');
  });

  it('log scale and an intervened overlay', () => {
    const html = renderToStaticMarkup(
      createElement(RankPlot, {
        nLayer: 2,
        series,
        scale: 'log',
        intervened: [{ key: 'answer', label: '␣Warsaw', ranks: [900, 90, 9, 2, 0] }],
      }),
    );
    expect(html).toContain('data-scale="log"');
    expect(html).toContain('rank (log scale, 1 = top)');
    expect(html).toContain('>1k<');
    expect(count(html, 'data-series="answer-intervened"')).toBe(1 + 5);
    expect(html).toContain('stroke-dasharray="7 5"');
    expect(html).toContain('intervened (dashed, hollow)');
    expect(count(html, 'data-testid="rank-stage"')).toBe(0);
  });
});
