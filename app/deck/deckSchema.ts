/**
 * The deck validator: a deck file or link is data from anyone, so every field is checked like a
 * state link's (app/url/stateSchema.ts). What makes the whole thing unreadable (not a deck, a newer
 * deck version, no usable slide) fails with one sentence; anything smaller is fixed or dropped with
 * a human-readable problem, prefixed with the slide it is on. Also the id helpers. Pure: no DOM, no
 * React.
 */
import { cut, isRecord, keysOf, reportUnknownKeys, show } from '../url/schemaValues.ts';
import { type SharedStateV1, VECTOR_ID_PATTERN, validateState } from '../url/stateSchema.ts';
import {
  DECK_KIND,
  DECK_VERSION,
  type DeckV1,
  type Slide,
  type SlideMark,
  type StageName,
} from './deckTypes.ts';

export const DECK_LIMITS = {
  slides: 100,
  title: 120,
  caption: 600,
  marks: 20,
  /** Deck and slide ids, as vector ids. */
  id: 64,
} as const;

export const DEFAULT_DECK_TITLE = 'Untitled deck';

export type DeckResult = { ok: true; deck: DeckV1; problems: string[] } | { ok: false; error: string };

const STAGES: readonly StageName[] = ['argument', 'function', 'saturation'];

/** The keys a deck's objects may have (a slide's state has its own, in stateSchema): others are reported. */
const KEYS = {
  deck: keysOf<DeckV1>({ v: true, kind: true, id: true, title: true, slides: true }),
  slide: keysOf<Slide>({
    id: true,
    title: true,
    caption: true,
    state: true,
    marks: true,
    fallback: true,
    figure: true,
  }),
  // any kind's keys: a row mark's "position" is not a misspelling
  mark: keysOf<SlideMark>({ kind: true, state: true, position: true, stage: true }),
};

// ---------------------------------------------------------------------------------------------
// Ids

/** `length` random base36 characters (crypto when there is one: ids of two decks should not meet). */
function randomBase36(length: number): string {
  const words = new Uint32Array(length);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(words);
  else for (let i = 0; i < length; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  // 2^32 mod 36 is 4: the first four digits are favoured by under 1e-8
  return Array.from(words, (w) => (w % 36).toString(36)).join('');
}

/** A fresh deck id: "deck-" and 10 random base36 characters. */
export function newDeckId(): string {
  return `deck-${randomBase36(10)}`;
}

/** A fresh slide id that is not in `taken`: "s-" and 6 random base36 characters. */
export function newSlideId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `s-${randomBase36(6)}`;
    if (!taken.has(id)) return id;
  }
}

const isId = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= DECK_LIMITS.id && VECTOR_ID_PATTERN.test(v);

// ---------------------------------------------------------------------------------------------
// Validation

/** What a non-object is, for "this is not a LensLab deck: it is ...". */
function whatItIs(v: unknown): string {
  if (v === null || v === undefined) return 'it is empty';
  if (Array.isArray(v)) return 'it is a list, not an object';
  if (typeof v === 'string') return 'it is text, not an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `it is ${show(v)}, not an object`;
  return `it is a ${typeof v}, not an object`;
}

const count = (x: number) => x.toLocaleString('en');

/** Text cut to `max`, or `fallback` when not text; `what` starts the problem ("title", "the deck's title"). */
function text(v: unknown, max: number, what: string, fallbackWords: string, fallback: string, out: string[]) {
  if (typeof v !== 'string') {
    out.push(`${what} ${v === undefined ? 'is missing' : 'is not text'}; ${fallbackWords}`);
    return fallback;
  }
  if (v.length > max) {
    out.push(`${what} has ${count(v.length)} characters, more than ${count(max)}; cut to ${count(max)}`);
    return cut(v, max);
  }
  return v;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** One mark, or null with a problem. */
function mark(v: unknown, path: string, out: string[]): SlideMark | null {
  if (!isRecord(v)) {
    out.push(`${path} is not an object; dropped`);
    return null;
  }
  reportUnknownKeys(v, KEYS.mark, path, out);
  if (v.kind === 'stage') {
    if (typeof v.stage === 'string' && (STAGES as readonly string[]).includes(v.stage))
      return { kind: 'stage', stage: v.stage as StageName };
    out.push(`${path}.stage: ${show(v.stage)} is not one of ${STAGES.join(', ')}; dropped`);
    return null;
  }
  if (v.kind !== 'row' && v.kind !== 'cell') {
    out.push(`${path}.kind: ${show(v.kind)} is not row, cell or stage; dropped`);
    return null;
  }
  if (!isIndex(v.state)) {
    out.push(`${path}.state: ${show(v.state)} is not a state index; dropped`);
    return null;
  }
  if (v.kind === 'row') return { kind: 'row', state: v.state };
  if (v.position !== 'last' && !isIndex(v.position)) {
    out.push(`${path}.position: ${show(v.position)} is not a token position or "last"; dropped`);
    return null;
  }
  return { kind: 'cell', state: v.state, position: v.position };
}

function marks(v: unknown, out: string[]): SlideMark[] {
  if (v === undefined) {
    out.push('marks is missing; using none');
    return [];
  }
  if (!Array.isArray(v)) {
    out.push('marks is not a list; using none');
    return [];
  }
  if (v.length > DECK_LIMITS.marks)
    out.push(`marks: ${v.length} marks, more than ${DECK_LIMITS.marks}; kept the first ${DECK_LIMITS.marks}`);
  const kept: SlideMark[] = [];
  v.slice(0, DECK_LIMITS.marks).forEach((item, i) => {
    const m = mark(item, `marks[${i}]`, out);
    if (m) kept.push(m);
  });
  return kept;
}

/**
 * validateState's problems speak of "the link"; inside a deck the state is the slide's (the
 * rewording is cosmetic: a message it misses still reads correctly with its prefix).
 */
const reword = (problem: string) => problem.replace(/\bthe link\b/g, 'the slide');

/** The label that prefixes a slide's problems: `slide 3 (“Title”)`, or `slide 3` without a title. */
function label(n: number, title: string): string {
  if (title === '') return `slide ${n}`;
  const short = title.length > 40 ? `${cut(title, 37)}...` : title;
  return `slide ${n} (\u201c${short}\u201d)`;
}

/** Slide `n` (1-based) of the input, or null when it is dropped; its problems go to `problems`. */
function slide(
  raw: unknown,
  n: number,
  claimed: ReadonlySet<string>,
  used: Set<string>,
  problems: string[],
): Slide | null {
  if (!isRecord(raw)) {
    problems.push(`slide ${n} is not an object; dropped`);
    return null;
  }
  const own: string[] = [];
  reportUnknownKeys(raw, KEYS.slide, '', own);
  const title = text(raw.title, DECK_LIMITS.title, 'title', 'left empty', '', own);
  const where = label(n, title);
  if (!isRecord(raw.state)) {
    problems.push(
      raw.state === undefined
        ? `${where} has no state; dropped`
        : `${where}: state is not an object; dropped`,
    );
    return null;
  }
  const caption = text(raw.caption, DECK_LIMITS.caption, 'caption', 'left empty', '', own);

  let id: string;
  if (isId(raw.id) && !used.has(raw.id)) id = raw.id;
  else {
    // deterministic, so that opening the same file twice gives the same ids
    const taken = (x: string) => claimed.has(x) || used.has(x);
    let k = n;
    while (taken(`s${k}`)) k++;
    id = `s${k}`;
    own.push(
      raw.id === undefined
        ? `id is missing; using ${id}`
        : isId(raw.id)
          ? `id: ${show(raw.id)} is used by an earlier slide; using ${id}`
          : `id: ${show(raw.id)} is not a slide id; using ${id}`,
    );
  }

  const state = validateState(raw.state, 'state');
  for (const p of state.problems) own.push(reword(p));
  const slideMarks = marks(raw.marks, own);

  const out: Slide = { id, title, caption, state: state.state, marks: slideMarks };
  if (raw.fallback !== undefined) {
    const fb = fallback(raw.fallback, own);
    if (fb) out.fallback = fb;
  }
  if (raw.figure === 'figure5') out.figure = raw.figure;
  else if (raw.figure !== undefined)
    own.push(`figure: ${show(raw.figure)} is not a figure this version draws; ignored`);
  for (const p of own) problems.push(`${where}: ${p}`);
  used.add(id);
  return out;
}

/** A slide's fallback: a state on the built-in model, or null with a problem. */
function fallback(v: unknown, out: string[]): SharedStateV1 | null {
  if (!isRecord(v)) {
    out.push('fallback is not an object; dropped');
    return null;
  }
  const { state, problems } = validateState(v);
  if (state.model.source !== 'builtin') {
    // the fallback is what runs when the Hub cannot be reached: a Hub model defeats its purpose
    out.push(`fallback runs on ${state.model.repo}, not the built-in model; dropped`);
    return null;
  }
  for (const p of problems) out.push(`fallback: ${reword(p)}`);
  return state;
}

function deckVersion(v: unknown): string | null {
  if (v === DECK_VERSION) return null;
  if (v === undefined) return 'this is not a usable LensLab deck: it has no version (v)';
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > DECK_VERSION)
    return `the deck is from a newer version of LensLab (deck version ${v}; this app reads ${DECK_VERSION}): update the app to open it`;
  return `this is not a usable LensLab deck: its version (v: ${show(v)}) is not a positive whole number`;
}

function validate(raw: unknown): DeckResult {
  const fail = (error: string): DeckResult => ({ ok: false, error });
  if (!isRecord(raw)) return fail(`this is not a LensLab deck: ${whatItIs(raw)}`);
  if (raw.kind !== DECK_KIND)
    return fail(
      `this is not a LensLab deck: it has no kind "${DECK_KIND}" (is it a state link or another file?)`,
    );
  const badVersion = deckVersion(raw.v);
  if (badVersion) return fail(badVersion);

  const list = raw.slides;
  if (list === undefined) return fail('this is not a usable LensLab deck: it has no slides');
  if (!Array.isArray(list)) return fail('this is not a usable LensLab deck: its slides are not a list');
  if (list.length === 0) return fail('this is not a usable LensLab deck: its list of slides is empty');
  if (list.length > DECK_LIMITS.slides)
    return fail(
      `this deck has ${count(list.length)} slides, more than LensLab opens (${DECK_LIMITS.slides}); split it into smaller decks`,
    );

  const problems: string[] = [];
  reportUnknownKeys(raw, KEYS.deck, 'the deck', problems);
  let id: string;
  if (isId(raw.id)) id = raw.id;
  else {
    id = newDeckId();
    problems.push(
      raw.id === undefined
        ? 'the deck has no id; gave it a new one'
        : `the deck's id: ${show(raw.id)} is not an id; gave it a new one`,
    );
  }
  const title = text(
    raw.title,
    DECK_LIMITS.title,
    "the deck's title",
    `using "${DEFAULT_DECK_TITLE}"`,
    DEFAULT_DECK_TITLE,
    problems,
  );

  // ids a slide gives itself win over fresh ones for slides without one, wherever they stand
  const claimed = new Set<string>();
  for (const s of list) if (isRecord(s) && isId(s.id)) claimed.add(s.id);
  const used = new Set<string>();
  const slides: Slide[] = [];
  list.forEach((s, i) => {
    const kept = slide(s, i + 1, claimed, used, problems);
    if (kept) slides.push(kept);
  });
  if (slides.length === 0) {
    const first = problems.find((p) => p.startsWith('slide ')) ?? '';
    return fail(`this deck has no usable slide (${first})`);
  }
  return { ok: true, deck: { v: DECK_VERSION, kind: DECK_KIND, id, title, slides }, problems };
}

/**
 * The deck in `raw` (parsed JSON), fixed where it can be, or why it cannot be opened. Never throws.
 * Unknown fields are ignored, so decks from nearby versions stay readable, and named among the
 * problems (a misspelled key would otherwise be lost without a word).
 */
export function validateDeck(raw: unknown): DeckResult {
  try {
    return validate(raw);
  } catch (e) {
    // only exotic inputs get here (getters that throw, proxies): JSON.parse output does not
    return { ok: false, error: `this is not a LensLab deck: ${e instanceof Error ? e.message : String(e)}` };
  }
}
