/** Writes a random checkpoint from a list of tensor specs: seeded normal values, in file order. */
import { seededRandom, type WeightSpec } from '../fixtures.ts';
import { type SafetensorsDtype, type TensorToWrite, writeSafetensors } from '../safetensors.ts';

export interface FamilyFixture {
  config: Record<string, unknown>;
  safetensors: Uint8Array;
}

export function randomCheckpoint(
  specs: readonly WeightSpec[],
  seed: number,
  dtype: SafetensorsDtype,
): Uint8Array {
  const random = seededRandom(seed);
  const normal = (): number => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const tensors = new Map<string, TensorToWrite>();
  for (const spec of specs) {
    const n = spec.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    if ('fill' in spec) for (let i = 0; i < n; i++) data[i] = spec.fill(i);
    else for (let i = 0; i < n; i++) data[i] = spec.center + spec.std * normal();
    tensors.set(spec.name, { dtype, shape: spec.shape, data });
  }
  return writeSafetensors(tensors);
}

/** Adds a normal(center, std) tensor spec. */
export function specList(): {
  specs: WeightSpec[];
  gauss: (name: string, shape: number[], std: number, center?: number) => void;
} {
  const specs: WeightSpec[] = [];
  return { specs, gauss: (name, shape, std, center = 0) => void specs.push({ name, shape, center, std }) };
}
