/** A deterministic vector with values in [-2, 2): the interventions' test vectors (an LCG, seeded). */
export function seededVector(d: number, seed: number): Float32Array {
  const v = new Float32Array(d);
  let s = seed;
  for (let i = 0; i < d; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = (s / 2147483648 - 0.5) * 4;
  }
  return v;
}
