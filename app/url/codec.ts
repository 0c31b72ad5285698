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
import { CodedError } from '../../models/errors.ts';
import { defaultState, type SharedStateV1, validateState } from './stateSchema.ts';
import { base64UrlDecode, base64UrlEncode } from './vectorData.ts';

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
export class TooLarge extends CodedError<'link-too-large'> {
  constructor(message: string) {
    super(message, 'link-too-large');
  }
}

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
      throw new TooLarge(`the link's state would inflate past ${maxBytes} bytes`);
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

/** base64url(deflate-raw(UTF-8 JSON)) of `value`: the payload of state and deck links. */
export async function packJson(value: unknown): Promise<string> {
  return base64UrlEncode(await deflateRaw(new TextEncoder().encode(JSON.stringify(value))));
}

/**
 * The JSON value in a link's payload, or why it cannot be read (a phrase: "bad base64 (...)",
 * "it expands to more than 8 MiB", "the data is damaged ...", "its content is not UTF-8 text / JSON").
 */
export async function unpackJson(
  payload: string,
): Promise<{ ok: true; raw: unknown } | { ok: false; why: string }> {
  let packed: Uint8Array;
  try {
    packed = base64UrlDecode(payload);
  } catch {
    return { ok: false, why: 'bad base64 (is it cut short or altered?)' };
  }
  let bytes: Uint8Array;
  try {
    bytes = await inflateRaw(packed, MAX_JSON_BYTES);
  } catch (e) {
    if (e instanceof TooLarge) return { ok: false, why: 'it expands to more than 8 MiB' };
    return { ok: false, why: 'the data is damaged or cut short (deflate failed)' };
  }
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, why: 'its content is not UTF-8 text' };
  }
  try {
    return { ok: true, raw: JSON.parse(json) };
  } catch {
    return { ok: false, why: 'its content is not JSON' };
  }
}

/** The hash (without '#') for `state`; the state is normalised by the validator first. */
export async function encodeState(state: SharedStateV1): Promise<string> {
  return HASH_PREFIX + (await packJson(validateState(state).state));
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
    const unpacked = await unpackJson(text.slice(HASH_PREFIX.length));
    if (!unpacked.ok) return fail(`could not decode the link: ${unpacked.why}`);
    return validateState(unpacked.raw);
  } catch (e) {
    // the validator does not throw; this is a last line so that opening a link never crashes the app
    return fail(`could not decode the link: ${e instanceof Error ? e.message : String(e)}`);
  }
}
