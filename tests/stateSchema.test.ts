/** The state link's validator: each field's checks and fallbacks, limits, vector assets. */
import { describe, expect, it } from 'vitest';
import { decodeState } from '../app/url/codec.ts';
import { defaultState, isVectorAsset, LIMITS, validateState } from '../app/url/stateSchema.ts';
import { base64UrlEncode } from '../app/url/vectorData.ts';
import { fullState, hashOf, hashOfText } from './support/stateFixtures.ts';

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
      'unknown key "newThing"',
    ]);
    expect(future.state).toEqual(fullState());
    expect(validateState({ ...fullState(), v: 'one' }).problems).toEqual([
      'the link has an unknown version (v: "one"); read as version 1',
    ]);
    expect(validateState({ ...fullState(), v: 0 }).problems[0]).toMatch(/unknown version \(v: 0\)/);
    const { v: _, ...noVersion } = fullState();
    expect(validateState(noVersion).problems).toEqual(['the link has no version; read as version 1']);
  });

  it('old or unknown fields are ignored, at every level, and each is named', () => {
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
    expect(problems).toEqual([
      'unknown key "theme"',
      'model: unknown key "token"',
      'view: unknown key "zoom"',
      'vectors[0]: unknown key "norm"',
      'vectors[1]: unknown key "norm"',
      'interventions: unknown key "extra"',
      ...[0, 1, 2, 3].map((i) => `interventions.slots[${i}]: unknown key "on"`),
    ]);
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
