/** Shared fixtures of the state link tests: a full state, an o-vector-like vector, raw hashes. */
import { deflateRawSync } from 'node:zlib';
import { HASH_PREFIX } from '../../app/url/codec.ts';
import { DEFAULT_PROMPT, type SharedStateV1 } from '../../app/url/stateSchema.ts';
import { base64UrlEncode, encodeVector } from '../../app/url/vectorData.ts';
import { seededRandom } from '../../models/fixtures.ts';

/** An o-vector-like vector: roughly normal values of scale ~1, a few large outliers. */
export function vector(dim: number, seed = 1): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    out[i] = i % 97 === 0 ? g * 40 : g;
  }
  return out;
}

/** A hash from any text, bypassing the encoder (for malformed links). */
export const hashOfText = (text: string) =>
  HASH_PREFIX + base64UrlEncode(deflateRawSync(Buffer.from(text, 'utf8')));
export const hashOf = (value: unknown) => hashOfText(JSON.stringify(value));

export function fullState(): SharedStateV1 {
  return {
    v: 1,
    model: { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' },
    prompt: 'Q: What is the capital of Poland?\nA:',
    tracked: [12873, 31164, 198],
    view: { rows: 'all', rank: 'log', front: 'compare' },
    vectors: [
      {
        id: 'o-city',
        name: 'o_city (FFN 19)',
        recipe: {
          model: { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' },
          prompt: DEFAULT_PROMPT,
          block: 19,
          kind: 'ffn',
        },
      },
      { id: 'imported-1', name: 'imported', data: encodeVector(vector(1024)) },
    ],
    interventions: {
      scope: 'last',
      slots: [
        { block: 18, kind: 'ffn', mode: 'replace', vectorId: 'o-city' },
        { block: 19, kind: 'ffn', mode: 'add', vectorId: 'imported-1', scale: 2.5 },
        { block: 20, kind: 'attn', mode: 'zero' },
        { block: 20, kind: 'ffn', mode: 'add', vectorId: 'o-city' },
      ],
    },
  };
}
