/**
 * Decks in and out: as a JSON file (pretty, for people and version control) and as a link,
 * `#d1.` + base64url(deflate-raw(UTF-8 JSON)) — the state links' framing (app/url/codec.ts) with its
 * own tag, so the app can tell the two apart. Reading never throws: it gives the validated deck
 * (app/deck/deckSchema.ts) or one sentence saying why the deck cannot be opened.
 */
import { MAX_HASH_LENGTH, packJson, unpackJson } from '../url/codec.ts';
import { type DeckResult, validateDeck } from './deckSchema.ts';
import type { DeckV1 } from './deckTypes.ts';

export const DECK_LINK_PREFIX = 'd1.';
/** Deck files larger than this are not read (a 100-slide deck with vectors is a few MB). */
export const MAX_DECK_FILE_BYTES = 16 * 1024 * 1024;
/**
 * Longer links are not offered: chat apps and mail clients cut or refuse them, so the app offers
 * the JSON file instead.
 */
export const MAX_DECK_LINK_LENGTH = 32_000;

/** The deck normalised by the validator (stray app fields stay out); as given when it is not valid. */
function normalised(deck: DeckV1): DeckV1 {
  const checked = validateDeck(deck);
  return checked.ok ? checked.deck : deck;
}

// ---------------------------------------------------------------------------------------------
// File

/** The deck as a JSON file's text: 2-space indent, trailing newline. */
export function deckToJson(deck: DeckV1): string {
  return `${JSON.stringify(normalised(deck), null, 2)}\n`;
}

/** A parser message, cut: it may quote a long stretch of the file. */
function short(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 100 ? `${oneLine.slice(0, 97)}...` : oneLine;
}

/** The deck in a JSON file's text, or why it cannot be opened. Never throws. */
export function deckFromJson(text: string): DeckResult {
  const fail = (error: string): DeckResult => ({ ok: false, error });
  if (typeof text !== 'string') return fail('the file could not be read as text');
  // a string's length bounds its UTF-8 size from below, so this never refuses a file under the limit
  if (text.length > MAX_DECK_FILE_BYTES) return fail('the file is larger than 16 MiB: it is not a deck');
  // editors on Windows may start a UTF-8 file with a byte order mark
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return fail('the file is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    return fail(`the file is not JSON: ${short(e instanceof Error ? e.message : String(e))}`);
  }
  return validateDeck(raw);
}

// ---------------------------------------------------------------------------------------------
// Link

/** The hash (without '#') for `deck`: `d1.` + base64url(deflate-raw(UTF-8 JSON)). */
export async function encodeDeckLink(deck: DeckV1): Promise<string> {
  return DECK_LINK_PREFIX + (await packJson(normalised(deck)));
}

/** Whether `hash` (with or without '#') is a deck link rather than a state link (`s1.`). */
export function isDeckLink(hash: string): boolean {
  return typeof hash === 'string' && /^#?(deck=|d\d+\.)/.test(hash.trim());
}

/**
 * The deck in `hash`: with or without '#', as `deck=d1....`, or a whole pasted URL. Never throws;
 * anything that cannot be read gives one sentence saying why.
 */
export async function decodeDeckLink(hash: string): Promise<DeckResult> {
  const fail = (why: string): DeckResult => ({ ok: false, error: `could not open the deck link: ${why}` });
  try {
    let text = (typeof hash === 'string' ? hash : '').trim();
    // a pasted URL: base64url has no '#', so the hash is whatever follows the first one
    const at = text.indexOf('#');
    if (at >= 0) text = text.slice(at + 1);
    text = text.replace(/^deck=/, '');
    if (text === '') return { ok: false, error: 'the deck link is empty' };
    if (text.length > MAX_HASH_LENGTH) return fail('it is too long');
    const tag = /^d(\d+)\./.exec(text);
    if (!tag) {
      if (/^s\d+\./.test(text)) return fail('it is a link to one view (a state link), not to a deck');
      return fail('it is not a LensLab deck link');
    }
    if (tag[0] !== DECK_LINK_PREFIX) {
      const n = Number(tag[1]);
      return n > 1
        ? {
            ok: false,
            error: `the deck link is from a newer version of LensLab (format d${n}; this app reads d1): update the app to open it`,
          }
        : fail(`unknown format d${tag[1]}`);
    }
    const unpacked = await unpackJson(text.slice(DECK_LINK_PREFIX.length));
    if (!unpacked.ok) return fail(unpacked.why);
    return validateDeck(unpacked.raw);
  } catch (e) {
    // a last line: opening a link must never crash the app
    return fail(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The link to share `deck` from `baseUrl` (its own hash is replaced), or, when that link is longer
 * than MAX_DECK_LINK_LENGTH, its length (`tooLong`, characters of the whole URL) so the app can offer
 * the JSON file instead.
 */
export async function deckLinkOrReason(
  deck: DeckV1,
  baseUrl: string,
): Promise<{ url: string } | { tooLong: number }> {
  const base = baseUrl.replace(/#.*$/s, '');
  const url = `${base}#${await encodeDeckLink(deck)}`;
  return url.length > MAX_DECK_LINK_LENGTH ? { tooLong: url.length } : { url };
}
