/**
 * Store interventions (slots naming library vectors by id) -> the engine's InterventionSpec (vectors as
 * Float32Array). Pure. Slots whose vector is missing or of the wrong size are left out, with a reason.
 */
import type { InterventionSpec } from '../../workers/engine/types.ts';
import type { Interventions, VectorEntry } from '../domain.ts';

export interface SpecOutcome {
  /** undefined when no slot is usable: run the control only. */
  spec?: InterventionSpec;
  /** One sentence per slot left out. */
  skipped: string[];
}

export function toInterventionSpec(
  interventions: Interventions,
  vectors: readonly VectorEntry[],
  dModel: number,
  nLayer: number,
): SpecOutcome {
  const byId = new Map(vectors.map((v) => [v.id, v]));
  const ffn: NonNullable<InterventionSpec['ffn']> = {};
  const attn: NonNullable<InterventionSpec['attn']> = {};
  const skipped: string[] = [];
  let used = 0;
  for (const slot of interventions.slots) {
    const where = `${slot.kind === 'ffn' ? 'FFN' : 'attention'} of block ${slot.block}`;
    if (slot.block < 0 || slot.block >= nLayer) {
      skipped.push(`${where}: this model has blocks 0-${nLayer - 1}`);
      continue;
    }
    const target = slot.kind === 'ffn' ? ffn : attn;
    if (slot.mode === 'zero') {
      target[slot.block] = { mode: 'zero' };
      used++;
      continue;
    }
    const vector = slot.vectorId === undefined ? undefined : byId.get(slot.vectorId);
    if (!vector) {
      skipped.push(`${where}: its vector is not in the library (yet)`);
      continue;
    }
    if (vector.data.length !== dModel) {
      skipped.push(`${where}: ${vector.name} has ${vector.data.length} values, the model needs ${dModel}`);
      continue;
    }
    target[slot.block] =
      slot.mode === 'add'
        ? { mode: 'add', vector: vector.data, scale: slot.scale ?? 1 }
        : { mode: 'replace', vector: vector.data };
    used++;
  }
  if (used === 0) return { skipped };
  const spec: InterventionSpec = { positions: interventions.scope };
  if (Object.keys(ffn).length > 0) spec.ffn = ffn;
  if (Object.keys(attn).length > 0) spec.attn = attn;
  return { spec, skipped };
}

/**
 * A key that changes whenever the spec would: slots, scope, and which vectors exist with which size.
 * Vectors never change their data under an id, so ids stand for contents.
 */
export function interventionKey(interventions: Interventions, vectors: readonly VectorEntry[]): string {
  const sizes = new Map(vectors.map((v) => [v.id, v.data.length]));
  return JSON.stringify([
    interventions.scope,
    interventions.slots.map((s) => [
      s.block,
      s.kind,
      s.mode,
      s.mode === 'add' ? (s.scale ?? 1) : null,
      s.mode === 'zero' ? null : (s.vectorId ?? null),
      s.mode === 'zero' || s.vectorId === undefined ? null : (sizes.get(s.vectorId) ?? -1),
    ]),
  ]);
}
