/**
 * The last few trunk outputs (forward passes): re-decoding the same prompts and interventions with
 * other tracked tokens or top-k (reuseTrunk) skips the forward pass.
 */
import type { TrunkOutput } from './decode.ts';
import type { InterventionArrays } from './interventionTensors.ts';

const TRUNK_CACHE_ENTRIES = 4;

export class TrunkCache {
  private readonly entries = new Map<string, { iv: InterventionArrays; output: TrunkOutput }>();

  /** A cached trunk for these prompts; a last-position request can also read an every-position one. */
  get(prompts: number[][], iv: InterventionArrays, allPositions: boolean): TrunkOutput | undefined {
    return (
      this.lookUp(trunkKey(prompts, iv, allPositions), iv) ??
      (allPositions ? undefined : this.lookUp(trunkKey(prompts, iv, true), iv))
    );
  }

  put(prompts: number[][], iv: InterventionArrays, allPositions: boolean, output: TrunkOutput): void {
    const key = trunkKey(prompts, iv, allPositions);
    this.entries.delete(key);
    this.entries.set(key, { iv, output });
    while (this.entries.size > TRUNK_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  private lookUp(key: string, iv: InterventionArrays): TrunkOutput | undefined {
    const cached = this.entries.get(key);
    // the key's hash could collide: a hit must hold the very same intervention tensors
    return cached && sameInterventions(cached.iv, iv) ? cached.output : undefined;
  }
}

/** Identifies a trunk run: the prompts, the intervention tensors (hashed) and the positions mode. */
function trunkKey(prompts: number[][], iv: InterventionArrays, all: boolean): string {
  let hash = 0x811c9dc5;
  for (const array of [iv.attnKeep, iv.attnAdd, iv.ffnKeep, iv.ffnAdd]) {
    const bits = new Uint32Array(array.buffer, array.byteOffset, array.length);
    for (let i = 0; i < bits.length; i++) hash = Math.imul(hash ^ bits[i]!, 0x01000193);
  }
  return `${all ? 'all' : 'last'}|${iv.scope}|${hash >>> 0}|${prompts.map((p) => p.join(',')).join(';')}`;
}

function sameInterventions(a: InterventionArrays, b: InterventionArrays): boolean {
  const same = (x: Float32Array, y: Float32Array) =>
    x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return (
    a.scope === b.scope &&
    same(a.attnKeep, b.attnKeep) &&
    same(a.ffnKeep, b.ffnKeep) &&
    same(a.attnAdd, b.attnAdd) &&
    same(a.ffnAdd, b.ffnAdd)
  );
}
