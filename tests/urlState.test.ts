/** State links: encode and decode round trips, every way a link can be broken, link length. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, HASH_PREFIX, MAX_JSON_BYTES } from '../app/url/codec.ts';
import { defaultState, type SharedStateV1, validateState } from '../app/url/stateSchema.ts';
import { base64UrlEncode, encodeVector } from '../app/url/vectorData.ts';
import { seededRandom } from '../models/fixtures.ts';
import { fullState, hashOfText, vector } from './support/stateFixtures.ts';

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
