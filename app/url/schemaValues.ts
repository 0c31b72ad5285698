/**
 * Value helpers the state link and deck validators share (app/url/stateSchema.ts,
 * app/deck/deckSchema.ts): what counts as an object, how a bad value is quoted in a problem, how text
 * is cut, and which keys are unknown (with the known key they are probably a misspelling of). Pure.
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

/** The keys of every member of a union (`keyof` of a union is only the keys they share). */
export type AllKeys<T> = T extends unknown ? keyof T : never;

/**
 * The keys a validator knows for objects of type T, written once as `{ key: true, ... }`: the
 * compiler then rejects a missing or an extra one, so a field added to the type is known here too.
 */
export const keysOf = <T>(keys: Record<AllKeys<T>, true>): readonly string[] => Object.keys(keys);

/** Unknown keys named per object; past this they are counted (a link or deck is data from anyone). */
const NAMED_UNKNOWN_KEYS = 5;

/**
 * Optimal string alignment distance (edits: insert, delete, substitute, swap two neighbours),
 * case-insensitive: "sca1e" and "sacle" are 1 from "scale".
 */
function keyDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++)
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[s.length]![t.length]!;
}

/**
 * The known key `key` is most likely a misspelling of: within one edit in three characters (so a
 * one-letter key is only matched by case), the nearest, the first listed on a tie; else null.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const limit = Math.floor(Math.max(candidate.length, key.length) / 3);
    // lengths further apart than the limit cannot be within it (and a long key costs no table)
    if (Math.abs(candidate.length - key.length) > limit) continue;
    const distance = keyDistance(key, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Reports each key of `obj` that is not in `known` ("sca1e" would otherwise be dropped without a
 * word, and the scale be 1): `${path}: unknown key "sca1e" (did you mean "scale"?)`, the path left out
 * when empty. Keys whose value is undefined are skipped: JSON has none, and the app's own objects
 * carry them for optional fields.
 */
export function reportUnknownKeys(
  obj: Record<string, unknown>,
  known: readonly string[],
  path: string,
  problems: string[],
): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k) && obj[k] !== undefined);
  const at = path === '' ? '' : `${path}: `;
  for (const key of unknown.slice(0, NAMED_UNKNOWN_KEYS)) {
    const near = nearestKey(key, known);
    problems.push(`${at}unknown key ${show(key)}${near ? ` (did you mean "${near}"?)` : ''}`);
  }
  const more = unknown.length - NAMED_UNKNOWN_KEYS;
  if (more > 0) problems.push(`${at}${more} more unknown ${more === 1 ? 'key' : 'keys'}`);
}
