/** The heatmap's colours and numbers as shown: probability text, cell colours, readable text on them. */
import { interpolateBlues, interpolateViridis, rgb } from 'd3';

export type ColorScheme = 'blues' | 'viridis';

/** Probability as people read it on a slide: 43.2%, 4.3%, 0.43%, <0.01%. */
export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '–';
  const pct = p * 100;
  if (pct >= 99.95 && p < 1) return '>99.9%';
  if (pct >= 1) return `${pct.toFixed(1)}%`;
  if (pct >= 0.01) return `${pct.toFixed(2)}%`;
  if (pct > 0) return '<0.01%';
  return '0%';
}

/**
 * Cell colour for a probability. Both schemes get darker (Blues) or lighter (viridis) monotonically,
 * so they stay readable printed in grayscale. Blues starts slightly tinted so p = 0 is not the page.
 */
export function probColor(prob: number, scheme: ColorScheme = 'blues'): string {
  const p = Number.isFinite(prob) ? Math.min(1, Math.max(0, prob)) : 0;
  const c = scheme === 'viridis' ? interpolateViridis(p) : interpolateBlues(0.06 + 0.94 * p);
  return rgb(c).formatHex();
}

/** WCAG relative luminance of a CSS colour. */
export function relativeLuminance(color: string): number {
  const c = rgb(color);
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG contrast ratio (1..21). */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Pure black: with white it guarantees >= 4.5:1 on any background. */
export const DARK_TEXT = '#000000';
export const LIGHT_TEXT = '#ffffff';

/** Text colour for a cell: whichever of near-black and white contrasts more with the background. */
export function textColorOn(background: string): string {
  return contrastRatio(background, DARK_TEXT) >= contrastRatio(background, LIGHT_TEXT)
    ? DARK_TEXT
    : LIGHT_TEXT;
}

/** Gradient stops for the legend (and the SVG linearGradient). */
export function legendStops(scheme: ColorScheme, n = 11): Array<{ offset: number; color: string }> {
  return Array.from({ length: n }, (_, i) => {
    const offset = i / (n - 1);
    return { offset, color: probColor(offset, scheme) };
  });
}
