import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, HASH_PREFIX, MAX_JSON_BYTES } from '../app/url/codec.ts';
import {
  base64UrlDecode,
  base64UrlEncode,
  DEFAULT_PROMPT,
  decodeVector,
  defaultState,
  encodeVector,
  fromFloat16Bits,
  isVectorAsset,
  LIMITS,
  type SharedStateV1,
  toFloat16Bits,
  validateAgainstModel,
  validateState,
} from '../app/url/stateSchema.ts';
import { seededRandom } from '../models/fixtures.ts';

/** An o-vector-like vector: roughly normal values of scale ~1, a few large outliers. */
function vector(dim: number, seed = 1): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    out[i] = i % 97 === 0 ? g * 40 : g;
  }
  return out;
}

/** A hash from any text, bypassing the encoder (for malformed links). */
const hashOfText = (text: string) => HASH_PREFIX + base64UrlEncode(deflateRawSync(Buffer.from(text, 'utf8')));
const hashOf = (value: unknown) => hashOfText(JSON.stringify(value));

function fullState(): SharedStateV1 {
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

describe('round trip', () => {
  it('decodes what it encodes, with no problems', async () => {
    const state = fullState();
    const hash = await encodeState(state);
    expect(hash.startsWith('s1.')).toBe(true);
    expect(hash).toMatch(/^s1\.[A-Za-z0-9_-]+$/);
    const decoded = await decodeState(hash);
    expect(decoded.problems).toEqual([]);
    expect(decoded.state).toEqual(state);
    // with the '#' as location.hash gives it
    expect((await decodeState(`#${hash}`)).state).toEqual(state);
  });

  it('round-trips the default state and the builtin model', async () => {
    const decoded = await decodeState(await encodeState(defaultState()));
    expect(decoded).toEqual({ state: defaultState(), problems: [] });
  });

  it('keeps strings as data: HTML, quotes, emoji and newlines come back verbatim', async () => {
    const state = defaultState();
    state.prompt = '<img src=x onerror="alert(1)"> </script> "quotes" \u{1F600} \n\t\u0000 end';
    state.vectors = [{ id: 'v', name: '<b>bold</b> & co', data: encodeVector([1, 2]) }];
    const decoded = await decodeState(await encodeState(state));
    expect(decoded.problems).toEqual([]);
    expect(decoded.state.prompt).toBe(state.prompt);
    expect(decoded.state.vectors[0]?.name).toBe('<b>bold</b> & co');
  });

  it('an empty hash is the default state without problems', async () => {
    expect(await decodeState('')).toEqual({ state: defaultState(), problems: [] });
    expect(await decodeState('#')).toEqual({ state: defaultState(), problems: [] });
  });

  it('encodes a normalised state: stray fields of the app do not leak into the link', async () => {
    const state = { ...fullState(), secret: 'x' } as SharedStateV1;
    const decoded = await decodeState(await encodeState(state));
    expect(decoded.state).toEqual(fullState());
    expect('secret' in decoded.state).toBe(false);
  });
});

describe('malformed links give the default state and a reason', () => {
  const failsWith = async (hash: string, pattern: RegExp) => {
    const decoded = await decodeState(hash);
    expect(decoded.state).toEqual(defaultState());
    expect(decoded.problems).toHaveLength(1);
    expect(decoded.problems[0]).toMatch(pattern);
  };

  it('garbage', async () => {
    await failsWith('hello world', /not a LensLab state link/);
    await failsWith('#/some/route?x=1', /not a LensLab state link/);
    await failsWith('s1', /not a LensLab state link/);
  });

  it('bad base64', async () => {
    await failsWith('s1.abc$def', /bad base64/);
    await failsWith('s1.abcde', /bad base64/); // 5 characters cannot be base64
    await failsWith('s1.ab+/', /bad base64/); // standard base64, not base64url
    await failsWith('s1.abc\u00e9', /bad base64/);
  });

  it('valid base64 but not deflate', async () => {
    await failsWith(
      `s1.${base64UrlEncode(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))}`,
      /damaged or cut short/,
    );
    await failsWith('s1.', /damaged or cut short/);
  });

  it('deflate but not UTF-8, or not JSON', async () => {
    await failsWith(`s1.${base64UrlEncode(deflateRawSync(Buffer.from([0xff, 0xfe, 0xc3])))}`, /not UTF-8/);
    await failsWith(hashOfText('{"v":1,"prompt":'), /not JSON/);
    await failsWith(hashOfText('hello'), /not JSON/);
  });

  it('truncated links never throw and never pass as valid', async () => {
    const hash = await encodeState(fullState());
    for (const keep of [3, 4, 10, 50, 100, Math.floor(hash.length / 2), hash.length - 5, hash.length - 1]) {
      const decoded = await decodeState(hash.slice(0, keep));
      expect(decoded.problems.length, `cut at ${keep}`).toBeGreaterThan(0);
      expect(decoded.state).toEqual(defaultState());
    }
  });

  it('a newer link format', async () => {
    await failsWith('s2.AAAA', /newer version of LensLab \(format s2\)/);
    await failsWith('s0.AAAA', /unknown format s0/);
  });

  it('a deflate bomb is refused', async () => {
    const bomb = deflateRawSync(Buffer.alloc(MAX_JSON_BYTES + 1024, 0x20));
    const hash = HASH_PREFIX + base64UrlEncode(bomb);
    expect(hash.length).toBeLessThan(20_000);
    await failsWith(hash, /more than 8 MiB/);
  });

  it('a non-string argument is not a crash', async () => {
    const decoded = await decodeState(undefined as unknown as string);
    expect(decoded).toEqual({ state: defaultState(), problems: [] });
  });

  it('random damage to a valid link never throws and always yields a valid state', async () => {
    const hash = await encodeState(fullState());
    const r = seededRandom(7);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let k = 0; k < 150; k++) {
      const chars = hash.split('');
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const at = 3 + Math.floor(r() * (chars.length - 3));
        chars[at] = alphabet[Math.floor(r() * alphabet.length)]!;
      }
      const decoded = await decodeState(chars.join(''));
      // whatever came out passes the validator untouched
      expect(validateState(decoded.state).problems).toEqual([]);
    }
  });
});

describe('schema validation', () => {
  it('JSON of the wrong types: each field falls back with a problem', async () => {
    const decoded = await decodeState(
      hashOf({
        v: 1,
        model: 5,
        prompt: 42,
        tracked: 'x',
        view: { rows: 'huge', rank: 3, front: 'rank' },
        vectors: {},
        interventions: [],
      }),
    );
    const d = defaultState();
    expect(decoded.state).toEqual({ ...d, view: { ...d.view, front: 'rank' } });
    expect(decoded.problems).toEqual([
      'model is not a model reference; using the built-in model',
      'prompt is not text; using the default',
      'tracked is not a list; using none',
      'view.rows: "huge" is not one of blocks, all; using blocks',
      'view.rank: 3 is not one of reciprocal, log; using reciprocal',
      'vectors is not a list; using none',
      'interventions is not an object; using none',
    ]);
  });

  it('a JSON value that is not an object', async () => {
    for (const value of [null, 3, 'text', [1, 2]]) {
      const decoded = await decodeState(hashOf(value));
      expect(decoded.state).toEqual(defaultState());
      expect(decoded.problems).toEqual(['the link does not hold a state; using the defaults']);
    }
  });

  it('missing fields take their defaults and are named', () => {
    const { state, problems } = validateState({ v: 1, prompt: 'hi' });
    expect(state).toEqual({ ...defaultState(), prompt: 'hi' });
    expect(problems).toEqual([
      'model is missing; using the built-in model',
      'tracked is missing; using none',
      'view is missing; using the default',
      'vectors is missing; using none',
      'interventions is missing; using none',
    ]);
  });

  it('a future version is read as v1 with a warning; an unknown one too', async () => {
    const future = await decodeState(hashOf({ ...fullState(), v: 3, newThing: { a: 1 } }));
    expect(future.problems).toEqual([
      'the link is from a newer version of LensLab (v: 3); read as version 1, so some settings may be lost',
    ]);
    expect(future.state).toEqual(fullState());
    expect(validateState({ ...fullState(), v: 'one' }).problems).toEqual([
      'the link has an unknown version (v: "one"); read as version 1',
    ]);
    expect(validateState({ ...fullState(), v: 0 }).problems[0]).toMatch(/unknown version \(v: 0\)/);
    const { v: _, ...noVersion } = fullState();
    expect(validateState(noVersion).problems).toEqual(['the link has no version; read as version 1']);
  });

  it('old or unknown fields are ignored silently, at every level', () => {
    const s = fullState();
    const raw = {
      ...s,
      theme: 'dark',
      model: { ...s.model, token: 'hf_x' },
      view: { ...s.view, zoom: 3 },
      vectors: s.vectors.map((v) => ({ ...v, norm: 12 })),
      interventions: {
        ...s.interventions,
        extra: true,
        slots: s.interventions.slots.map((x) => ({ ...x, on: 1 })),
      },
    };
    const { state, problems } = validateState(raw);
    expect(problems).toEqual([]);
    expect(state).toEqual(s);
  });

  it('too many slots, vectors and tracked tokens are cut to the limits', () => {
    const slots = Array.from({ length: 250 }, (_, i) => ({
      block: Math.floor(i / 2),
      kind: i % 2 ? 'attn' : 'ffn',
      mode: 'zero',
    }));
    const vectors = Array.from({ length: 70 }, (_, i) => ({ id: `v${i}`, name: `v${i}`, data: 'AAAAAA' }));
    const tracked = Array.from({ length: 1_200 }, (_, i) => i);
    const { state, problems } = validateState({
      ...defaultState(),
      tracked,
      vectors,
      interventions: { scope: 'all', slots },
    });
    expect(state.interventions.slots).toHaveLength(LIMITS.slots);
    expect(state.vectors).toHaveLength(LIMITS.vectors);
    expect(state.tracked).toHaveLength(LIMITS.tracked);
    expect(problems).toEqual([
      'tracked: 1200 tokens, more than 1000; kept the first 1000',
      'vectors: 70 vectors, more than 64; kept the first 64',
      'interventions.slots: 250 slots, more than 200; kept the first 200',
    ]);
  });

  it('non-finite numbers (1e999 parses as Infinity) are refused', async () => {
    const text =
      '{"v":1,"model":{"source":"builtin"},"prompt":"p","tracked":[1,1e999,-1,2.5,"3",2,2],' +
      '"view":{"rows":"blocks","rank":"reciprocal","front":"heatmap"},' +
      '"vectors":[{"id":"a","name":"a","data":"AAAAAA"}],' +
      '"interventions":{"scope":"all","slots":[{"block":1e999,"kind":"ffn","mode":"zero"},' +
      '{"block":3,"kind":"ffn","mode":"add","vectorId":"a","scale":-1e999}]}}';
    const decoded = await decodeState(hashOfText(text));
    expect(decoded.state.tracked).toEqual([1, 2]);
    expect(decoded.state.interventions.slots).toEqual([
      { block: 3, kind: 'ffn', mode: 'add', vectorId: 'a' },
    ]);
    expect(decoded.problems).toEqual([
      'tracked: dropped 4 entries that are not a token id',
      'interventions.slots[0].block: a non-finite number is not a block number; dropped',
      'interventions.slots[1].scale: a non-finite number is not a finite number; using 1',
    ]);
  });

  it('prompts and names are cut to their limits; over-long recipe prompts drop the recipe', () => {
    const long = 'x'.repeat(LIMITS.prompt + 5);
    const { state, problems } = validateState({
      ...defaultState(),
      // a surrogate pair straddling the limit is not split
      prompt: `${'a'.repeat(LIMITS.prompt - 1)}\u{1F600}tail`,
      vectors: [
        { id: 'a', name: 'n'.repeat(150), data: 'AAAAAA' },
        {
          id: 'b',
          name: 'b',
          data: 'AAAAAA',
          recipe: { model: { source: 'builtin' }, prompt: long, block: 1, kind: 'ffn' },
        },
      ],
    });
    expect(state.prompt).toBe('a'.repeat(LIMITS.prompt - 1));
    expect(state.vectors[0]?.name).toBe('n'.repeat(LIMITS.name));
    expect(state.vectors[1]).toEqual({ id: 'b', name: 'b', data: 'AAAAAA' });
    expect(problems).toEqual([
      'prompt has 20,005 characters, more than 20,000; cut to 20,000',
      'vectors[0].name has 150 characters, more than 100; cut to 100',
      'vectors[1].recipe.prompt has 20,005 characters, more than 20,000; cut to 20,000',
      'vectors[1].recipe: dropped',
    ]);
  });

  it('model references: repo ids are checked, the revision defaults to main', () => {
    const repo = (r: unknown, revision: unknown = 'main') =>
      validateState({ ...fullState(), model: { source: 'hub', repo: r, revision } });
    expect(repo('gpt2').state.model).toEqual({ source: 'hub', repo: 'gpt2', revision: 'main' });
    expect(repo('openai-community/gpt2-xl', 'refs/pr/1').problems).toEqual([]);
    for (const bad of [
      '<script>alert(1)</script>',
      '../../etc',
      'a/b/c',
      '',
      'a b',
      '.hidden/x',
      7,
      'x'.repeat(97),
    ]) {
      const { state, problems } = repo(bad);
      expect(state.model, String(bad)).toEqual({ source: 'builtin' });
      expect(problems[0]).toMatch(
        /^model\.repo: .* is not a Hugging Face repository id; using the built-in model$/,
      );
    }
    expect(repo('gpt2', '../x').problems).toEqual(['model.revision: "../x" is not a revision; using main']);
    const { revision: _, ...noRevision } = { source: 'hub', repo: 'gpt2', revision: 'main' };
    const { state, problems } = validateState({ ...fullState(), model: noRevision });
    expect(state.model).toEqual({ source: 'hub', repo: 'gpt2', revision: 'main' });
    expect(problems).toEqual(['model.revision is missing; using main']);
    expect(validateState({ ...fullState(), model: { source: 'ftp' } }).problems).toEqual([
      'model.source: "ftp" is not builtin or hub; using the built-in model',
    ]);
  });

  it('vectors: bad ids, duplicates, bad data and empty vectors are dropped', () => {
    const inf = base64UrlEncode(new Uint8Array([0x00, 0x7c])); // float16 +Infinity
    const { state, problems } = validateState({
      ...defaultState(),
      vectors: [
        { id: 'ok', name: 'ok', data: 'AAAAAA' },
        { id: 'ok', name: 'again', data: 'AAAAAA' },
        { id: 'bad id!', name: 'x', data: 'AAAAAA' },
        { id: 'one', name: 'one', data: 'AAA' }, // 3 characters = 2 bytes = one value
        { id: 'three', name: 'three', data: 'AAAA' }, // 3 bytes: not whole float16 values
        { id: 'inf', name: 'inf', data: inf },
        { id: 'b64', name: 'b64', data: 'AA$A' },
        { id: 'none', name: 'none' },
        { id: 'nameless', data: 'AAAAAA' },
        'not an object',
      ],
    });
    expect(state.vectors.map((v) => v.id)).toEqual(['ok', 'one', 'nameless']);
    expect(state.vectors[2]?.name).toBe('nameless');
    expect(problems).toEqual([
      'vectors[1].id: "ok" is used twice; dropped the second',
      'vectors[2].id: "bad id!" is not a vector id; dropped',
      'vectors[4].data: 3 bytes is not a whole number of float16 values; dropped',
      'vectors[4] ("three") has neither a recipe, data nor a file; dropped',
      'vectors[5].data: value 0 is not a finite number; dropped',
      'vectors[5] ("inf") has neither a recipe, data nor a file; dropped',
      'vectors[6].data: bad base64 (character "$" at 2); dropped',
      'vectors[6] ("b64") has neither a recipe, data nor a file; dropped',
      'vectors[7] ("none") has neither a recipe, data nor a file; dropped',
      'vectors[8].name is missing; using the id',
      'vectors[9] is not an object; dropped',
    ]);
  });

  it('slots: unknown vectors, duplicates and bad fields are dropped; zero ignores the vector', () => {
    const { state, problems } = validateState({
      ...defaultState(),
      vectors: [{ id: 'v', name: 'v', data: 'AAAAAA' }],
      interventions: {
        scope: 'everywhere',
        slots: [
          { block: 1, kind: 'ffn', mode: 'zero', vectorId: 'v', scale: 3 },
          { block: 1, kind: 'ffn', mode: 'add', vectorId: 'v' },
          { block: 2, kind: 'ffn', mode: 'replace', vectorId: 'missing' },
          { block: 2, kind: 'ffn', mode: 'replace' },
          { block: 2, kind: 'mlp', mode: 'replace', vectorId: 'v' },
          { block: -1, kind: 'attn', mode: 'zero' },
          { block: 1.5, kind: 'attn', mode: 'zero' },
          { block: 2, kind: 'attn', mode: 'double' },
          { block: 2, kind: 'attn', mode: 'replace', vectorId: 'v', scale: 4 },
          null,
        ],
      },
    });
    expect(state.interventions).toEqual({
      scope: 'all',
      slots: [
        { block: 1, kind: 'ffn', mode: 'zero' },
        { block: 2, kind: 'attn', mode: 'replace', vectorId: 'v' },
      ],
    });
    expect(problems).toEqual([
      'interventions.scope: "everywhere" is not one of all, last; using all',
      'interventions.slots[1]: a second ffn slot for block 1; kept the first',
      'interventions.slots[2].vectorId: "missing" names no vector of the link; dropped',
      'interventions.slots[3].vectorId: missing names no vector of the link; dropped',
      'interventions.slots[4].kind: "mlp" is not ffn or attn; dropped',
      'interventions.slots[5].block: -1 is not a block number; dropped',
      'interventions.slots[6].block: 1.5 is not a block number; dropped',
      'interventions.slots[7].mode: "double" is not replace, add or zero; dropped',
      'interventions.slots[9] is not an object; dropped',
    ]);
  });

  it('a broken recipe is dropped but the vector survives on its data', () => {
    const { state, problems } = validateState({
      ...defaultState(),
      vectors: [
        {
          id: 'a',
          name: 'a',
          data: 'AAAAAA',
          recipe: { model: { source: 'builtin' }, prompt: 'p', block: 'x', kind: 'ffn' },
        },
        { id: 'b', name: 'b', recipe: 'nope' },
      ],
    });
    expect(state.vectors).toEqual([{ id: 'a', name: 'a', data: 'AAAAAA' }]);
    expect(problems).toEqual([
      'vectors[0].recipe.block: "x" is not a block number',
      'vectors[0].recipe: dropped',
      'vectors[1].recipe is not an object; dropped',
      'vectors[1] ("b") has neither a recipe, data nor a file; dropped',
    ]);
  });
});

describe('validateAgainstModel', () => {
  const medium = { nLayer: 24, nEmbd: 1024, vocabSize: 50257 };

  it('keeps a state that fits', () => {
    expect(validateAgainstModel(fullState(), medium)).toEqual({ state: fullState(), problems: [] });
  });

  it('drops slots outside the model, vectors of the wrong length and what used them', () => {
    const state = fullState();
    state.tracked = [5, 60_000];
    state.interventions.slots.push({ block: 40, kind: 'attn', mode: 'zero' });
    const before = structuredClone(state);
    const small = validateAgainstModel(state, { nLayer: 12, nEmbd: 768, vocabSize: 50257 });
    expect(state).toEqual(before); // not mutated
    // o-city's recipe (block 19, same model) does not fit 12 blocks; the imported vector is 1024-d
    expect(small.state.vectors).toEqual([]);
    expect(small.state.interventions.slots).toEqual([]);
    expect(small.state.tracked).toEqual([5]);
    expect(small.problems).toEqual([
      'vectors[0].recipe.block: 19 is not a block of this model (blocks 0-11); dropped',
      'vectors[0] ("o_city (FFN 19)"): nothing usable is left; dropped',
      "vectors[1].data: 1024 values, but this model's vectors have 768; dropped",
      'vectors[1] ("imported"): nothing usable is left; dropped',
      'interventions.slots[0].block: 18 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[1].block: 19 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[2].block: 20 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[3].block: 20 is not a block of this model (blocks 0-11); dropped',
      'interventions.slots[4].block: 40 is not a block of this model (blocks 0-11); dropped',
      'tracked: dropped 1 token id outside the vocabulary (50257)',
    ]);
  });

  it('keeps recipes for another model, and drops slots whose vector went', () => {
    const state = fullState();
    state.vectors[0]!.recipe!.model = { source: 'hub', repo: 'gpt2-xl', revision: 'main' };
    state.vectors[0]!.recipe!.block = 40;
    const { state: out, problems } = validateAgainstModel(state, { nLayer: 24, nEmbd: 768 });
    expect(out.vectors.map((v) => v.id)).toEqual(['o-city']);
    expect(out.interventions.slots).toEqual([
      { block: 18, kind: 'ffn', mode: 'replace', vectorId: 'o-city' },
      { block: 20, kind: 'attn', mode: 'zero' },
      { block: 20, kind: 'ffn', mode: 'add', vectorId: 'o-city' },
    ]);
    expect(problems).toEqual([
      "vectors[1].data: 1024 values, but this model's vectors have 768; dropped",
      'vectors[1] ("imported"): nothing usable is left; dropped',
      'interventions.slots[1]: its vector "imported-1" was dropped; dropped',
    ]);
  });
});

describe('float16 vectors', () => {
  it('a 1024-d vector: 2,731 characters, relative error < 1e-3', () => {
    const v = vector(1024);
    const data = encodeVector(v);
    expect(data).toHaveLength(2731);
    const back = decodeVector(data);
    expect(back).toHaveLength(1024);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      const y = back[i]!;
      err += (x - y) ** 2;
      norm += x ** 2;
      // per value: half a unit in the last place of an 11-bit significand, for normal halves
      if (Math.abs(x) >= 2 ** -14) expect(Math.abs(x - y) / Math.abs(x)).toBeLessThanOrEqual(2 ** -11);
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-3);
  });

  it('every finite half survives a round trip through float32', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
    }
  });

  it('rounds to nearest even, handles zeros, subnormals, overflow and NaN', () => {
    expect(toFloat16Bits(0)).toBe(0);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(toFloat16Bits(2 ** -24)).toBe(1);
    expect(toFloat16Bits(2 ** -26)).toBe(0);
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(2); // 1.5 ulp -> even
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway -> even (down)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway -> even (up)
    expect(toFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
    expect(fromFloat16Bits(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('refuses what float16 cannot hold, and data that is not a vector', () => {
    expect(() => encodeVector([1, Number.NaN])).toThrow(RangeError);
    expect(() => encodeVector([Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => encodeVector([1e5])).toThrow(/does not fit in float16/);
    expect(encodeVector([])).toBe('');
    expect(() => decodeVector('')).toThrow(/empty/);
    expect(() => decodeVector('AAA-w')).toThrow(/bad base64/);
    expect(() => decodeVector('AAAA')).toThrow(/whole number/);
    expect(Array.from(decodeVector(encodeVector([0.5, -3, 0])))).toEqual([0.5, -3, 0]);
  });
});

describe('base64url', () => {
  it('matches Node for every length, and decodes back', () => {
    const r = seededRandom(3);
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const text = base64UrlEncode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(Array.from(base64UrlDecode(text))).toEqual(Array.from(bytes));
    }
  });

  it('is strict about its alphabet and length', () => {
    expect(() => base64UrlDecode('A')).toThrow(/impossible length/);
    expect(() => base64UrlDecode('AB==')).toThrow(/bad base64/);
    expect(() => base64UrlDecode('AB CD')).toThrow(/bad base64/);
  });
});

describe('link length', () => {
  it('a typical state with one imported 1024-d vector is about 3.2 KB; without vectors a few hundred', async () => {
    const state: SharedStateV1 = {
      ...defaultState(),
      model: { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' },
      prompt: 'table mug free China table mug free China table mug free China',
      tracked: [12873, 31164, 2807, 11618],
      vectors: [{ id: 'o-city', name: 'o_city (FFN 19, Poland)', data: encodeVector(vector(1024, 9)) }],
      interventions: {
        scope: 'all',
        slots: [18, 19, 20, 21, 22, 23].map((block) => ({
          block,
          kind: 'ffn' as const,
          mode: 'replace' as const,
          vectorId: 'o-city',
        })),
      },
    };
    const hash = await encodeState(state);
    // deflate barely shrinks float16 data: base64 text of random bytes is ~6 bits per character
    expect(hash.length).toBeGreaterThan(2_800);
    expect(hash.length).toBeLessThan(3_500);
    const bare = await encodeState({ ...state, vectors: [], interventions: { scope: 'all', slots: [] } });
    expect(bare.length).toBeLessThan(400);
    console.info(`link length: ${hash.length} with one 1024-d vector, ${bare.length} without`);
  });
});

describe('vector assets (files the app ships)', () => {
  it('a valid asset is kept; a vector with only an asset is kept', () => {
    const asset = 'paper/city_capital_o19_gpt2-medium.npy';
    const { state, problems } = validateState({
      ...defaultState(),
      vectors: [
        { id: 'a', name: 'a', asset },
        { id: 'b', name: 'b', asset: 'o-vector.npy', data: 'AAAAAA' },
      ],
    });
    expect(problems).toEqual([]);
    expect(state.vectors).toEqual([
      { id: 'a', name: 'a', asset },
      { id: 'b', name: 'b', asset: 'o-vector.npy', data: 'AAAAAA' },
    ]);
    expect(isVectorAsset(asset)).toBe(true);
  });

  it('paths that leave the vectors folder, URLs, hidden files and other extensions are refused', () => {
    const bad = ['../x.npy', '/abs.npy', 'http://x/y.npy', 'a/.hidden.npy', 'x.bin'];
    const { state, problems } = validateState({
      ...defaultState(),
      vectors: [
        ...bad.map((asset, i) => ({ id: `v${i}`, name: `v${i}`, asset, data: 'AAAAAA' })),
        { id: 'only', name: 'only', asset: '../only.npy' },
      ],
    });
    // the vectors survive on their data; the one with nothing else goes
    expect(state.vectors.map((v) => v.id)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(state.vectors.every((v) => v.asset === undefined)).toBe(true);
    expect(problems).toEqual([
      ...bad.map(
        (asset, i) => `vectors[${i}].asset: "${asset}" is not a file of the app's vectors folder; dropped`,
      ),
      'vectors[5].asset: "../only.npy" is not a file of the app\'s vectors folder; dropped',
      'vectors[5] ("only") has neither a recipe, data nor a file; dropped',
    ]);
    for (const asset of bad) expect(isVectorAsset(asset), asset).toBe(false);
    expect(isVectorAsset(`${'a'.repeat(200)}.npy`)).toBe(false);
  });
});
