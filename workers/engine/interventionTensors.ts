/** Intervention specs validated and turned into the trunk graph's input tensors. */
import { EngineError, type Intervention, type InterventionSpec } from './types.ts';

export interface InterventionArrays {
  attnKeep: Float32Array; // [L]
  attnAdd: Float32Array; // [L * d]
  ffnKeep: Float32Array;
  ffnAdd: Float32Array;
  scope: 'all' | 'last';
}

export function interventionArrays(
  spec: InterventionSpec | undefined,
  nLayer: number,
  dModel: number,
): InterventionArrays {
  const arrays: InterventionArrays = {
    attnKeep: new Float32Array(nLayer).fill(1),
    attnAdd: new Float32Array(nLayer * dModel),
    ffnKeep: new Float32Array(nLayer).fill(1),
    ffnAdd: new Float32Array(nLayer * dModel),
    scope: spec?.positions ?? 'all',
  };
  if (!spec) return arrays;
  if (spec.positions !== 'all' && spec.positions !== 'last') {
    throw new EngineError(
      `intervention positions must be "all" or "last" (got ${JSON.stringify(spec.positions)})`,
      'bad-request',
    );
  }
  const fill = (kind: 'ffn' | 'attn', entries: Record<number, Intervention> | undefined): void => {
    if (!entries) return;
    const keep = kind === 'ffn' ? arrays.ffnKeep : arrays.attnKeep;
    const add = kind === 'ffn' ? arrays.ffnAdd : arrays.attnAdd;
    for (const [key, iv] of Object.entries(entries)) {
      const block = Number(key);
      const where = `${kind.toUpperCase()} intervention on block ${key}`;
      if (!Number.isInteger(block) || block < 0 || block >= nLayer) {
        throw new EngineError(`${where}: the model has blocks 0-${nLayer - 1}`, 'bad-request');
      }
      if (iv.mode === 'zero') {
        keep[block] = 0;
        continue;
      }
      if (iv.mode !== 'replace' && iv.mode !== 'add') {
        throw new EngineError(
          `${where}: mode ${JSON.stringify(iv.mode)} is not one of replace, add, zero`,
          'bad-request',
        );
      }
      const vector = iv.vector;
      if (!vector) throw new EngineError(`${where}: mode ${iv.mode} needs a vector`, 'bad-vector');
      if (vector.length !== dModel) {
        throw new EngineError(
          `${where}: vector has ${vector.length} values, the model's d_model is ${dModel}`,
          'bad-vector',
        );
      }
      const scale = iv.mode === 'add' ? (iv.scale ?? 1) : 1;
      if (!Number.isFinite(scale))
        throw new EngineError(`${where}: scale must be a finite number`, 'bad-request');
      for (let i = 0; i < dModel; i++) {
        const value = vector[i]!;
        if (!Number.isFinite(value)) {
          throw new EngineError(`${where}: vector value ${i} is not a finite number`, 'bad-vector');
        }
        add[block * dModel + i] = scale * value;
      }
      keep[block] = iv.mode === 'replace' ? 0 : 1;
    }
  };
  fill('ffn', spec.ffn);
  fill('attn', spec.attn);
  return arrays;
}
