/**
 * Pure helpers for the intervention slots: drag ids, block ranges (one gesture covers several blocks),
 * labels for slots and announcements, and reducers on Interventions that a store can use as is.
 */
import type { InterventionMode, Interventions, Slot, SublayerKind, VectorEntry } from '../domain.ts';

const SLOT_PREFIX = 'slot:';
const VECTOR_PREFIX = 'vector:';

export function slotDropId(block: number): string {
  return `${SLOT_PREFIX}${block}`;
}

/** The block of a droppable id `slot:<block>`, or undefined for anything else. */
export function parseSlotDropId(id: unknown): number | undefined {
  if (typeof id !== 'string' || !id.startsWith(SLOT_PREFIX)) return undefined;
  const rest = id.slice(SLOT_PREFIX.length);
  if (!/^\d+$/.test(rest)) return undefined;
  return Number(rest);
}

export function vectorDragId(vectorId: string): string {
  return `${VECTOR_PREFIX}${vectorId}`;
}

/** The vector id of a draggable id `vector:<id>` (the id itself may contain colons). */
export function parseVectorDragId(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith(VECTOR_PREFIX)) return undefined;
  const rest = id.slice(VECTOR_PREFIX.length);
  return rest === '' ? undefined : rest;
}

/** Every block from min(a, b) to max(a, b), inclusive. */
export function blockRange(a: number, b: number): number[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

/** How long the pointer must rest on a slot for it to count as aimed at, not crossed on the way. */
export const SWEEP_DWELL_MS = 300;

/**
 * The slots a drag has passed over, for finding where its range starts. A sweep is a chain of
 * neighbouring slots (one may be skipped by a fast pointer); a jump, say from row 1 to row 2 on the
 * way in, starts a new chain, so slots merely crossed earlier do not count.
 */
export interface SweepState {
  /** First slot of the current chain. */
  chainStart?: number;
  /** The slot the pointer is on (or was last on), and since when. */
  current?: number;
  enteredAt?: number;
  /** First slot of the chain the pointer rested on (SWEEP_DWELL_MS) before moving on. */
  rested?: number;
}

/** The sweep after the pointer enters `block` at time `now` (ms). */
export function enterSlot(
  state: SweepState,
  block: number,
  now: number,
  dwellMs: number = SWEEP_DWELL_MS,
): SweepState {
  const { current, enteredAt } = state;
  if (current === block) return state;
  if (current === undefined || Math.abs(block - current) > 2) {
    return { chainStart: block, current: block, enteredAt: now };
  }
  const restedOnCurrent = enteredAt !== undefined && now - enteredAt >= dwellMs;
  return {
    chainStart: state.chainStart ?? current,
    current: block,
    enteredAt: now,
    rested: state.rested ?? (restedOnCurrent ? current : undefined),
  };
}

/**
 * Where the range of a drop at time `now` starts: the first slot the pointer rested on in this sweep;
 * else, when it rests only on the drop slot, that slot alone (a slot crossed on the way in is not
 * aimed at); else (a quick sweep with no rest) the start of the chain.
 */
export function sweepAnchor(
  state: SweepState,
  now: number,
  dwellMs: number = SWEEP_DWELL_MS,
): number | undefined {
  if (state.rested !== undefined) return state.rested;
  if (state.enteredAt !== undefined && now - state.enteredAt >= dwellMs) return state.current;
  return state.chainStart;
}

/** The blocks a drop assigns: the sweep's range, or with Shift the range from the last assigned block. */
export function dropBlocks(options: {
  drop: number;
  anchor?: number | undefined;
  shift?: boolean;
  lastAssigned?: number | undefined;
}): number[] {
  const { drop, anchor, shift, lastAssigned } = options;
  if (shift && lastAssigned !== undefined) return blockRange(lastAssigned, drop);
  return blockRange(anchor ?? drop, drop);
}

/** "block 18", "blocks 18–23", "blocks 2, 5, 7" (contiguous runs are joined with an en dash). */
export function formatBlocks(blocks: readonly number[]): string {
  const sorted = [...new Set(blocks)].sort((a, b) => a - b);
  if (sorted.length === 0) return 'no blocks';
  if (sorted.length === 1) return `block ${sorted[0]}`;
  const runs: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (const b of [...sorted.slice(1), Number.NaN]) {
    if (b === prev + 1) {
      prev = b;
      continue;
    }
    runs.push(start === prev ? String(start) : `${start}–${prev}`);
    start = b;
    prev = b;
  }
  return `blocks ${runs.join(', ')}`;
}

export function kindLabel(kind: SublayerKind): string {
  return kind === 'ffn' ? 'FFN' : 'attention';
}

/** The range form's default: the paper's blocks 18–23 of 24, i.e. the last quarter of the model. */
export function defaultRange(nLayer: number): { from: number; to: number } {
  if (nLayer <= 0) return { from: 0, to: 0 };
  return { from: Math.floor(nLayer * 0.75), to: nLayer - 1 };
}

/** Parse the range form's two fields: integers within 0..nLayer-1, in either order. */
export function parseBlockRange(
  from: string,
  to: string,
  nLayer: number,
): { blocks: number[]; error?: undefined } | { blocks?: undefined; error: string } {
  const parse = (text: string, label: string): number | string => {
    const t = text.trim();
    if (t === '') return `enter the ${label} block`;
    if (!/^\d+$/.test(t)) return `the ${label} block must be a whole number, got "${t}"`;
    const n = Number(t);
    if (n >= nLayer)
      return `the ${label} block must be at most ${nLayer - 1} (the model has ${nLayer} blocks)`;
    return n;
  };
  const a = parse(from, 'first');
  if (typeof a === 'string') return { error: a };
  const b = parse(to, 'last');
  if (typeof b === 'string') return { error: b };
  return { blocks: blockRange(a, b) };
}

/** Parse a scale field: any finite number. */
export function parseScale(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export function findSlot(interventions: Interventions, block: number, kind: SublayerKind): Slot | undefined {
  return interventions.slots.find((s) => s.block === block && s.kind === kind);
}

/** "replace with o_city", "add o_city ×2", "zero". */
export function describeSlot(slot: Slot, vectors: readonly VectorEntry[]): string {
  if (slot.mode === 'zero') return 'zero';
  const name = vectorName(slot.vectorId, vectors);
  return slot.mode === 'replace' ? `replace with ${name}` : `add ${name} ×${formatScale(slot.scale ?? 1)}`;
}

export function vectorName(vectorId: string | undefined, vectors: readonly VectorEntry[]): string {
  if (vectorId === undefined) return 'no vector';
  return vectors.find((v) => v.id === vectorId)?.name ?? 'missing vector';
}

export function formatScale(scale: number): string {
  // 1, 0.5, 2.25: no trailing zeros, but not 17 digits either
  return String(Number(scale.toPrecision(4)));
}

// --- Reducers: the store may apply these directly.

function sortSlots(slots: Slot[]): Slot[] {
  return slots.sort((a, b) => (a.kind === b.kind ? a.block - b.block : a.kind === 'ffn' ? -1 : 1));
}

/** Put `vectorId` on `kind` of every block in `blocks` (replacing what was there). */
export function assignSlots(
  interventions: Interventions,
  blocks: readonly number[],
  kind: SublayerKind,
  vectorId: string,
  mode: Exclude<InterventionMode, 'zero'> = 'replace',
  scale?: number,
): Interventions {
  const set = new Set(blocks);
  const kept = interventions.slots.filter((s) => !(s.kind === kind && set.has(s.block)));
  const added = [...set].map(
    (block): Slot => ({ block, kind, mode, vectorId, ...(scale !== undefined ? { scale } : {}) }),
  );
  return { ...interventions, slots: sortSlots([...kept, ...added]) };
}

export function clearSlots(
  interventions: Interventions,
  blocks: readonly number[],
  kind: SublayerKind,
): Interventions {
  const set = new Set(blocks);
  return {
    ...interventions,
    slots: interventions.slots.filter((s) => !(s.kind === kind && set.has(s.block))),
  };
}

/**
 * Change mode or scale of one slot. Setting mode 'zero' on an empty block creates a slot (zeroing needs no
 * vector); replace/add without a vector is refused (the interventions come back unchanged).
 */
export function updateSlot(
  interventions: Interventions,
  block: number,
  kind: SublayerKind,
  patch: Partial<Pick<Slot, 'mode' | 'scale'>>,
): Interventions {
  const current = findSlot(interventions, block, kind);
  const next: Slot = { ...(current ?? { block, kind, mode: 'zero' }), ...patch };
  if (next.mode !== 'zero' && next.vectorId === undefined) return interventions;
  if (next.mode === 'add' && next.scale === undefined) next.scale = 1;
  if (next.scale !== undefined && !Number.isFinite(next.scale)) return interventions;
  const others = interventions.slots.filter((s) => !(s.block === block && s.kind === kind));
  return { ...interventions, slots: sortSlots([...others, next]) };
}
