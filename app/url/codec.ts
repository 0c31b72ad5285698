/**
 * The URL hash <-> shared state. Format: `s1.` + base64url(deflate-raw(UTF-8 JSON)). The `s1` tag
 * versions the framing; the JSON's own `v` versions the schema. Async because CompressionStream is
 * (browsers and Node 20 both have 'deflate-raw'). Decoding never throws: a broken link gives the
 * default state (or the nearest valid one) and a list of problems for the user.
 *
 * Typical length: a state with a short prompt, four tracked tokens, one imported 1024-d vector
 * (float16: 2,731 base64url characters, which deflate only brings back to ~2.2 KB of bytes) and six
 * slots is about 3.2 KB of hash (tests/urlState.test.ts measures it: 3,227); without vectors ~280.
 */
import {
  base64UrlDecode,
  base64UrlEncode,
  defaultState,
  type SharedStateV1,
  validateState,
} from './stateSchema.ts';

export const HASH_PREFIX = 's1.';
/** Longer hashes are not read (Chrome caps URLs at 2 MB anyway). */
export const MAX_HASH_LENGTH = 4_000_000;
/** A link may not inflate beyond this (a small hash can hold a deflate bomb). */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

export interface Decoded {
  state: SharedStateV1;
  problems: string[];
}

/** Thrown by `inflateRaw` when the output would pass its limit. */
export class TooLarge extends Error {}

/** Runs bytes through a (de)compression stream, stopping once the output passes `maxBytes`. */
async function transform(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // errors surface on the reading side; these promises only need handling
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** deflate-raw of `bytes` (the deck links reuse it). */
export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  return transform(bytes, new CompressionStream('deflate-raw'));
}

/** Inflates deflate-raw `bytes`; throws TooLarge past `maxBytes`, any other error when the data is damaged. */
export async function inflateRaw(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return transform(bytes, new DecompressionStream('deflate-raw'), maxBytes);
}

/** The hash (without '#') for `state`; the state is normalised by the validator first. */
export async function encodeState(state: SharedStateV1): Promise<string> {
  const json = JSON.stringify(validateState(state).state);
  const packed = await deflateRaw(new TextEncoder().encode(json));
  return HASH_PREFIX + base64UrlEncode(packed);
}

/**
 * The state in `hash` (with or without '#'). An empty hash is the default state with no problems;
 * anything else that cannot be read is the default state with one problem saying why.
 */
export async function decodeState(hash: string): Promise<Decoded> {
  const fail = (why: string): Decoded => ({ state: defaultState(), problems: [why] });
  try {
    const text = (typeof hash === 'string' ? hash : '').replace(/^#/, '').trim();
    if (text === '') return { state: defaultState(), problems: [] };
    if (text.length > MAX_HASH_LENGTH) return fail('could not decode the link: it is too long');
    const tag = /^s(\d+)\./.exec(text);
    if (!tag) return fail('could not decode the link: it is not a LensLab state link');
    if (tag[0] !== HASH_PREFIX) {
      const n = Number(tag[1]);
      return fail(
        n > 1
          ? `the link is from a newer version of LensLab (format s${n}); update the app to open it`
          : `could not decode the link: unknown format s${tag[1]}`,
      );
    }
    let packed: Uint8Array;
    try {
      packed = base64UrlDecode(text.slice(HASH_PREFIX.length));
    } catch {
      return fail('could not decode the link: bad base64 (is it cut short or altered?)');
    }
    let bytes: Uint8Array;
    try {
      bytes = await inflateRaw(packed, MAX_JSON_BYTES);
    } catch (e) {
      if (e instanceof TooLarge) return fail('could not decode the link: it expands to more than 8 MiB');
      return fail('could not decode the link: the data is damaged or cut short (deflate failed)');
    }
    let json: string;
    try {
      json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail('could not decode the link: its content is not UTF-8 text');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return fail('could not decode the link: its content is not JSON');
    }
    return validateState(raw);
  } catch (e) {
    // the validator does not throw; this is a last line so that opening a link never crashes the app
    return fail(`could not decode the link: ${e instanceof Error ? e.message : String(e)}`);
  }
}
