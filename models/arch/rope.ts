/**
 * Rotary inverse frequencies from config.json: theta^(-2i/dim), with `rope_scaling` applied as
 * transformers' ROPE_INIT_FUNCTIONS do ('linear': positions / factor; 'llama3': Llama 3.1's
 * wavelength-dependent interpolation). Computed in float64; the engine feeds cos/sin per position.
 */
import type { ConfigFields } from './configFields.ts';

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3'] as const;

export function ropeInvFreq(config: ConfigFields, rotaryDim: number, theta: number): number[] {
  if (rotaryDim % 2 !== 0 || rotaryDim <= 0) config.fail(`rotary dimension ${rotaryDim} must be even`);
  const base = Array.from({ length: rotaryDim / 2 }, (_, i) => theta ** (-(2 * i) / rotaryDim));
  const scaling = config.record('rope_scaling');
  if (!scaling) return base;
  const type = scaling.rope_type ?? scaling.type ?? 'default';
  const num = (key: string, fallback?: number): number => {
    const v = scaling[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) config.fail(`rope_scaling.${key} must be a positive number`);
    return v as number;
  };
  if (type === 'default') return base;
  if (type === 'linear') {
    const factor = num('factor');
    return base.map((f) => f / factor);
  }
  if (type === 'llama3') {
    const factor = num('factor');
    const low = num('low_freq_factor', 1);
    const high = num('high_freq_factor', 4);
    const oldContext = num('original_max_position_embeddings', 8192);
    const lowWavelen = oldContext / low;
    const highWavelen = oldContext / high;
    return base.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highWavelen) return f; // high frequencies: kept
      if (wavelen > lowWavelen) return f / factor; // low frequencies: interpolated
      const smooth = (oldContext / wavelen - low) / (high - low);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
  }
  return config.fail(
    `rope_scaling type ${JSON.stringify(type)} is not supported; supported: ${SUPPORTED_ROPE_TYPES.join(', ')}`,
  );
}

/** cos and sin of position x frequency, [T, rotaryDim / 2] each, rounded once to float32. */
export function ropeTables(
  invFreq: readonly number[],
  seq: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const cos = new Float32Array(seq * half);
  const sin = new Float32Array(seq * half);
  for (let t = 0; t < seq; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * invFreq[i]!;
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
