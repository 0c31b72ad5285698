/**
 * Exports for slides and papers: the charts as standalone SVG or PNG, the lens data as CSV or JSON.
 * The CSV/JSON functions are pure (tested in Node); the SVG/PNG ones need a browser.
 */
import { describeResidualState } from '../../models/gpt2/config.ts';
import type { StateResult } from '../../workers/engine/types.ts';
import { rankInState, reciprocalRank } from '../analysis/stages.ts';
import type { LensGrid } from '../domain.ts';
import { knownRank, type RankSeriesInput, stateX } from './rankLayout.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Computed styles a standalone SVG needs: the page's CSS does not travel with it. */
const INLINE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'text-decoration-line',
  'dominant-baseline',
  'paint-order',
  'visibility',
  'display',
] as const;

/** Properties that inherit in SVG: written only where they differ from the parent's. */
const INHERITED = new Set<string>([
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linejoin',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'paint-order',
  'visibility',
]);

/** Initial values: left out at the root (and for non-inherited properties anywhere). */
const INITIAL: Record<string, readonly string[]> = {
  'fill-opacity': ['1'],
  'stroke-opacity': ['1'],
  'stroke-dasharray': ['none'],
  'stroke-linejoin': ['miter'],
  opacity: ['1'],
  'font-style': ['normal'],
  'font-weight': ['400', 'normal'],
  'text-anchor': ['start'],
  'text-decoration-line': ['none'],
  'dominant-baseline': ['auto'],
  'paint-order': ['normal'],
  visibility: ['visible'],
  display: ['inline', 'block'],
};

/** The declarations an element needs so that its clone looks the same outside the page. */
function neededStyle(el: Element, cs: CSSStyleDeclaration, parent: CSSStyleDeclaration | null): string {
  const decl: string[] = [];
  for (const prop of INLINE_PROPS) {
    const v = cs.getPropertyValue(prop);
    if (!v) continue;
    // an attribute on the clone would win over inheritance: always state the computed value then
    const hasAttr = el.hasAttribute(prop);
    if (!hasAttr && INHERITED.has(prop) && parent && parent.getPropertyValue(prop) === v) continue;
    if (!hasAttr && (INHERITED.has(prop) ? !parent : true) && INITIAL[prop]?.includes(v)) continue;
    decl.push(`${prop}:${v}`);
  }
  return decl.join(';');
}

/**
 * The chart as a standalone SVG file: xmlns, explicit size, computed styles inlined, a white
 * background, focus and hover marks left out. A canvas drawn under the SVG (the heatmap's large-grid
 * renderer, marked data-export-underlay) is embedded as an image.
 */
export function exportSvg(svgElement: SVGSVGElement): Blob {
  return new Blob([serializeSvg(svgElement)], { type: 'image/svg+xml;charset=utf-8' });
}

function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = svg.getBoundingClientRect();
  const width = Number(svg.getAttribute('width')) || box.width || 800;
  const height = Number(svg.getAttribute('height')) || box.height || 600;
  return { width, height };
}

function serializeSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
  const computed = new Map<Element, CSSStyleDeclaration>();
  originals.forEach((orig, i) => {
    const copy = copies[i];
    if (!copy) return;
    const cs = getComputedStyle(orig);
    computed.set(orig, cs);
    const parentEl = orig === svg ? null : orig.parentElement;
    const parent = parentEl ? (computed.get(parentEl) ?? null) : null;
    const decl = neededStyle(orig, cs, parent);
    const own = copy.getAttribute('style');
    if (decl || own) copy.setAttribute('style', own ? `${decl};${own}` : decl);
  });
  for (const el of Array.from(clone.querySelectorAll('[data-export="exclude"]'))) el.remove();
  // parts drawn elsewhere on screen (e.g. a legend that sticks while the chart scrolls)
  for (const el of Array.from(clone.querySelectorAll<SVGElement>('[data-export="only"]'))) {
    el.style.removeProperty('display');
  }
  // interaction and test attributes mean nothing in a file (the root keeps its aria-label as a title)
  for (const el of Array.from(clone.querySelectorAll('*'))) {
    for (const name of el.getAttributeNames()) {
      if (name === 'tabindex' || name === 'role' || name.startsWith('aria-') || name.startsWith('data-')) {
        el.removeAttribute(name);
      }
    }
  }

  const { width, height } = svgSize(svg);
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${width} ${height}`);

  const doc = clone.ownerDocument;
  const first = clone.firstChild;
  const bg = doc.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, first);
  const underlay = svg.parentElement?.querySelector<HTMLCanvasElement>(
    ':scope > canvas[data-export-underlay]',
  );
  if (underlay) {
    const img = doc.createElementNS(SVG_NS, 'image');
    img.setAttribute('href', underlay.toDataURL('image/png'));
    img.setAttribute('x', '0');
    img.setAttribute('y', '0');
    img.setAttribute('width', String(underlay.clientWidth || width));
    img.setAttribute('height', String(underlay.clientHeight || height));
    clone.insertBefore(img, first);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** The chart as PNG at `scale` times its on-screen size (2 = crisp on slides). */
export async function exportPng(svgElement: SVGSVGElement, scale = 2): Promise<Blob> {
  const { width, height } = svgSize(svgElement);
  const url = URL.createObjectURL(exportSvg(svgElement));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be rendered as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or leading/trailing
 * whitespace (tokens often start with a space, which spreadsheet imports would trim); quotes doubled.
 * Values are written as they are, never rewritten (so a token "=" stays "=").
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (/[",\r\n]/.test(value) || /^\s|\s$/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export function csvLine(fields: ReadonlyArray<string | number | null | undefined>): string {
  return fields.map(csvField).join(',');
}

export interface TrackedColumn {
  /** Column prefix, e.g. "argument" gives argument_id, argument_rank, argument_prob. */
  name: string;
  id: number;
}

export interface GridExportOptions {
  /** Tokens whose rank and probability get columns of their own. */
  tracked?: TrackedColumn[];
  /** Every position (default) or the last only. */
  positions?: 'all' | 'last';
}

function trackedFields(st: StateResult, t: TrackedColumn): Array<number | string> {
  const entry = st.tracked.find((e) => e.id === t.id);
  const r = rankInState(st, t.id);
  const prob = entry?.prob ?? st.top.find((e) => e.id === t.id)?.prob;
  return [t.id, Number.isFinite(r) ? r : '', prob ?? ''];
}

function positionsOf(grid: LensGrid, positions: 'all' | 'last' | undefined): number[] {
  const n = grid.tokens.length;
  if (positions === 'last') return n > 0 ? [n - 1] : [];
  return Array.from({ length: n }, (_, p) => p);
}

/** Arrived cells in state order, then position order. */
function cells(grid: LensGrid, positions: 'all' | 'last' | undefined): StateResult[] {
  const out: StateResult[] = [];
  const ps = positionsOf(grid, positions);
  grid.grid.forEach((row) => {
    for (const p of ps) {
      const st = row?.[p];
      if (st) out.push(st);
    }
  });
  return out;
}

/**
 * One row per arrived (state, position): state,layer,kind,position,token,top1_id,top1_token,top1_prob,
 * entropy, then <name>_id,<name>_rank,<name>_prob per tracked token. Layer is the block (-1 for the
 * embeddings); token is the prompt token at that position; ranks are 0-based (0 = top-1); entropy in nats.
 */
export function gridToCsv(grid: LensGrid, options: GridExportOptions = {}): string {
  const tracked = options.tracked ?? [];
  const header = [
    'state',
    'layer',
    'kind',
    'position',
    'token',
    'top1_id',
    'top1_token',
    'top1_prob',
    'entropy',
    ...tracked.flatMap((t) => [`${t.name}_id`, `${t.name}_rank`, `${t.name}_prob`]),
  ];
  const lines = [csvLine(header)];
  for (const st of cells(grid, options.positions)) {
    const top = st.top[0];
    lines.push(
      csvLine([
        st.index,
        st.layer,
        st.kind,
        st.position,
        grid.tokens[st.position]?.text ?? '',
        top?.id,
        top?.token,
        top?.prob,
        st.entropy,
        ...tracked.flatMap((t) => trackedFields(st, t)),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The grid as JSON: tokens, model size, and every arrived cell with its whole top-k and tracked list. */
export function gridToJson(grid: LensGrid, options: GridExportOptions = {}): string {
  const out = {
    format: 'lenslab-lens-grid',
    version: 1,
    nLayer: grid.nLayer,
    complete: grid.complete,
    tokens: grid.tokens,
    tracked: options.tracked ?? [],
    cells: cells(grid, options.positions).map((st) => ({
      state: st.index,
      layer: st.layer,
      kind: st.kind,
      position: st.position,
      entropy: st.entropy,
      top: st.top,
      tracked: st.tracked,
    })),
  };
  return JSON.stringify(out, null, 2);
}

/**
 * The rank plot's data: state,x,layer,kind, then <key>_rank and <key>_reciprocal_rank per series
 * (empty where unknown). `intervened` series get "<key>_intervened_" columns.
 */
export function rankSeriesToCsv(
  series: readonly RankSeriesInput[],
  nLayer: number,
  intervened: readonly RankSeriesInput[] = [],
): string {
  const all = [
    ...series.map((s) => ({ col: s.key, s })),
    ...intervened.map((s) => ({ col: `${s.key}_intervened`, s })),
  ];
  const header = [
    'state',
    'x',
    'layer',
    'kind',
    ...all.flatMap((a) => [`${a.col}_rank`, `${a.col}_reciprocal_rank`]),
  ];
  const lines = [csvLine(header)];
  for (let s = 0; s < 2 * nLayer + 1; s++) {
    const d = describeResidualState(s);
    const fields: Array<string | number | undefined> = [s, stateX(s), d.layer, d.kind];
    for (const a of all) {
      const r = knownRank(a.s.ranks[s]);
      fields.push(r ?? undefined, r === null ? undefined : reciprocalRank(r));
    }
    lines.push(csvLine(fields));
  }
  return `${lines.join('\n')}\n`;
}

/** A CSV string as a downloadable blob. */
export function csvBlob(text: string): Blob {
  return new Blob([text], { type: 'text/csv;charset=utf-8' });
}
