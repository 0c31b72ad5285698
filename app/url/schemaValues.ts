/**
 * Value helpers the state link and deck validators share (app/url/stateSchema.ts,
 * app/deck/deckSchema.ts): what counts as an object, how a bad value is quoted in a problem, how text
 * is cut. Pure.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, safe rendering of a bad value for a problem message. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a non-finite number';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isRecord(v)) return 'an object';
  if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') return `a ${typeof v}`;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Cut to `max` UTF-16 units without leaving half a surrogate pair. */
export function cut(text: string, max: number): string {
  let out = text.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}
