/**
 * The residual stream of a decoder-only model, float64, given its blocks' sublayers: sequential
 * (x += attn(x); x += mlp(x); two states per block) or parallel (x += attn(x) + mlp(x); one state).
 * Interventions replace, add to or zero a sublayer's output at every position or the last.
 */
import type { InterventionSpec } from '../../../workers/engine/types.ts';
import { addVec, intervene, type Vec } from './math.ts';

export interface ReferenceBlock {
  /** All positions' stream in, all positions' attention output out (causal). */
  attn(x: Vec[]): Vec[];
  mlp(x: Vec): Vec;
}

export interface FamilyReferenceRun {
  states: Array<{ layer: number; kind: 'embed' | 'attn' | 'block' }>;
  /** residual[s][t] */
  residual: Vec[][];
  /** attnOut[block][t], ffnOut[block][t]: as added to the stream. */
  attnOut: Vec[][];
  ffnOut: Vec[][];
  logits(s: number, t: number): Vec;
}

export interface FamilyReference {
  nLayer: number;
  dModel: number;
  /** The tokenizer's tokens: the leading logit rows, the only ones shown as tokens (logits cover every row). */
  vocab: number;
  forward(ids: number[], intervention?: InterventionSpec): FamilyReferenceRun;
}

export function runDecoder(
  x0: Vec[],
  blocks: ReferenceBlock[],
  parallel: boolean,
  decode: (x: Vec) => Vec,
  intervention?: InterventionSpec,
): FamilyReferenceRun {
  const T = x0.length;
  const applies = (t: number): boolean => intervention?.positions === 'all' || t === T - 1;
  const states: FamilyReferenceRun['states'] = [{ layer: -1, kind: 'embed' }];
  const residual: Vec[][] = [x0];
  const attnOut: Vec[][] = [];
  const ffnOut: Vec[][] = [];
  let h = x0;
  blocks.forEach((block, layer) => {
    const attn = block.attn(h).map((a, t) => (applies(t) ? intervene(a, intervention?.attn?.[layer]) : a));
    const ffnOf = (x: Vec[]): Vec[] =>
      x.map((xt, t) => {
        const f = block.mlp(xt);
        return applies(t) ? intervene(f, intervention?.ffn?.[layer]) : f;
      });
    let ffn: Vec[];
    if (parallel) {
      ffn = ffnOf(h);
      h = h.map((x, t) => addVec(x, addVec(attn[t]!, ffn[t]!)));
    } else {
      h = h.map((x, t) => addVec(x, attn[t]!));
      states.push({ layer, kind: 'attn' });
      residual.push(h);
      ffn = ffnOf(h);
      h = h.map((x, t) => addVec(x, ffn[t]!));
    }
    states.push({ layer, kind: 'block' });
    residual.push(h);
    attnOut.push(attn);
    ffnOut.push(ffn);
  });
  return {
    states,
    residual,
    attnOut,
    ffnOut,
    logits: (s, t) => {
      const x = residual[s]?.[t];
      if (!x) throw new Error(`reference: no state ${s} at position ${t}`);
      return decode(x);
    },
  };
}
